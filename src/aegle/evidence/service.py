"""The evidence engine as one object: built-in corpus plus user folders, optional dense vectors
(cached on disk), answers, filtered search and passages in their context. Built once per process
and shared by the CLI, the API and the web pages; nothing here touches the network or a database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from threading import Lock

from pydantic import Field

from aegle.core.types import Frozen, LocaleCode, Source
from aegle.evidence.answer import Answer, Answerer, CitedSource, cite
from aegle.evidence.e5onnx import OnnxE5Embedder
from aegle.evidence.library import Library, builtin_library
from aegle.evidence.model import DocumentKind, Passage
from aegle.evidence.retrieve import MAX_QUERY_CHARS, Retriever

KINDS: tuple[DocumentKind, ...] = (
    "condition",
    "test",
    "medicine",
    "prevention",
    "first_aid",
    "user",
)
MAX_LIMIT = 50
# Filters are applied to a deeper ranking so a narrow filter still fills its page.
FILTER_DEPTH = 200
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def default_evidence_dir() -> Path:
    """Where user documents and the vector cache live: $AEGLE_EVIDENCE_DIR, else
    ~/.local/share/aegle/evidence (the same folder for the CLI, the API and the web)."""
    configured = os.environ.get("AEGLE_EVIDENCE_DIR")
    return Path(configured) if configured else Path.home() / ".local/share/aegle/evidence"


def build_answerer(
    *, extra_dirs: Iterable[Path] = (), dense: bool = True, cache_dir: Path | None = None
) -> Answerer:
    library = builtin_library(extra_dirs)
    embedder = OnnxE5Embedder() if dense and OnnxE5Embedder.available() else None
    # One cache file per model, so tools using another embedder never overwrite it.
    cache = (
        cache_dir / f"vectors-{embedder.name}.npz"
        if cache_dir is not None and embedder is not None
        else None
    )
    return Answerer(Retriever(library, embedder=embedder, cache=cache))


def source_year(passage: Passage) -> int | None:
    """The newest year named by the passage's sources (their edition or date), else the year
    our text was updated: what a clinician means by "evidence since 2020"."""
    years = [int(y) for s in passage.sources for y in _YEAR.findall(s.edition)]
    if not years and passage.updated:
        years = [int(y) for y in _YEAR.findall(passage.updated)]
    return max(years) if years else None


class SearchResult(CitedSource):
    """One ranked passage with its source (the clinician's evidence search)."""

    kind: DocumentKind
    year: int | None = None
    score: float


class ContextPassage(Frozen):
    id: str
    text: str


class PassageInContext(CitedSource):
    """A passage with its whole section and its neighbours: what a citation opens."""

    doc_id: str
    kind: DocumentKind
    publisher: str
    updated: str | None = None
    year: int | None = None
    sources: tuple[Source, ...] = ()
    context: tuple[ContextPassage, ...] = Field(
        description="Every passage of the section, in order"
    )
    previous: str | None = Field(None, description="Id of the passage before, in document order")
    next: str | None = Field(None, description="Id of the passage after, in document order")


def passage_in_context(library: Library, passage_id: str) -> PassageInContext:
    """Raises NotFound for an unknown id."""
    passage, section = library.context(passage_id)
    order = [p.id for p in library.documents[passage.doc_id].passages]
    at = order.index(passage.id)
    cited: CitedSource = cite(passage)
    return PassageInContext(
        **cited.model_dump(),
        doc_id=passage.doc_id,
        kind=passage.kind,
        publisher=passage.publisher,
        updated=passage.updated,
        year=source_year(passage),
        sources=passage.sources,
        context=tuple(ContextPassage(id=p.id, text=p.text) for p in section),
        previous=order[at - 1] if at > 0 else None,
        next=order[at + 1] if at + 1 < len(order) else None,
    )


class EvidenceService:
    """Lazily builds the retriever on first use (a second or so for BM25; the dense vectors come
    from the on-disk cache, or are computed once)."""

    def __init__(
        self,
        *,
        extra_dirs: Iterable[Path] = (),
        dense: bool = False,
        cache_dir: Path | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        self._extra_dirs = tuple(extra_dirs)
        self._dense = dense
        self._cache_dir = cache_dir
        self._lock = Lock()
        self._answerer = answerer

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            with self._lock:  # two first requests at once build it once
                if self._answerer is None:
                    self._answerer = build_answerer(
                        extra_dirs=self._extra_dirs, dense=self._dense, cache_dir=self._cache_dir
                    )
        return self._answerer

    @property
    def library(self) -> Library:
        return self.answerer.retriever.library

    def answer(self, question: str, lang: LocaleCode) -> Answer:
        return self.answerer.answer(question, lang)

    def passage(self, passage_id: str) -> PassageInContext:
        return passage_in_context(self.library, passage_id)

    def search(
        self,
        query: str,
        *,
        lang: LocaleCode | None = None,
        kinds: Iterable[DocumentKind] = (),
        passage_lang: LocaleCode | None = None,
        since_year: int | None = None,
        limit: int = 10,
    ) -> list[SearchResult]:
        """Ranked passages. `lang` is the searcher's language (it wins ties); `kinds`,
        `passage_lang` and `since_year` filter the results. Queries longer than
        MAX_QUERY_CHARS are cut there; an empty query finds nothing."""
        limit = max(1, min(limit, MAX_LIMIT))
        wanted = frozenset(kinds)
        filtered = bool(wanted) or passage_lang is not None or since_year is not None
        depth = FILTER_DEPTH if filtered else limit
        results: list[SearchResult] = []
        for hit in self.answerer.retriever.search(query[:MAX_QUERY_CHARS], lang=lang, k=depth):
            p = hit.passage
            year = source_year(p)
            if wanted and p.kind not in wanted:
                continue
            if passage_lang is not None and p.lang != passage_lang:
                continue
            if since_year is not None and (year is None or year < since_year):
                continue
            results.append(
                SearchResult(
                    **cite(p).model_dump(), kind=p.kind, year=year, score=round(hit.score, 6)
                )
            )
            if len(results) >= limit:
                break
        return results
