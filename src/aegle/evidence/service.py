"""The evidence engine as one object: built-in corpus plus user folders, dense vectors (cached
on disk, prepared off the request path), answers, filtered search and passages in their context.
Built once per process by the composition root and shared by the chat, the CLI, the API and the
web pages; nothing here touches the network or a database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from threading import Lock, Thread
from typing import Literal

from pydantic import Field

from aegle.core.types import Frozen, LocaleCode, Source
from aegle.evidence.answer import Answer, Answerer, CitedSource, SentenceVectors, cite
from aegle.evidence.bm25 import LexicalFactory
from aegle.evidence.dense import Embedder
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


def default_embedder() -> Embedder | None:
    """The engine's embedding model (multilingual e5-small on onnxruntime), or None when its
    packages are not installed (then ranking is BM25 + glossary)."""
    return OnnxE5Embedder() if OnnxE5Embedder.available() else None


def vector_cache(cache_dir: Path, embedder: Embedder) -> Path:
    """One cache file per model, keyed inside by passage-text hash, so tools using another
    embedder never overwrite it."""
    return cache_dir / f"vectors-{embedder.name}.npz"


def edition_year(sources: Iterable[Source]) -> int | None:
    """The newest year named by the sources' editions or dates."""
    return max((int(y) for s in sources for y in _YEAR.findall(s.edition)), default=None)


def source_year(passage: Passage) -> int | None:
    """The newest year named by the passage's sources (their edition or date), else the year
    our text was updated: what a clinician means by "evidence since 2020"."""
    year = edition_year(passage.sources)
    if year is None and passage.updated:
        year = max((int(y) for y in _YEAR.findall(passage.updated)), default=None)
    return year


class SearchResult(CitedSource):
    """One ranked passage with its source (the clinician's evidence search)."""

    kind: DocumentKind
    year: int | None = None
    score: float


class ContextPassage(Frozen):
    id: str
    text: str


Capability = Literal["corpus", "clinic", "labs", "vitals", "safety"]


class PassageInContext(CitedSource):
    """A passage with its whole section and its neighbours: what a citation opens. A knowledge
    entry (docs/evidence.md, "Citable knowledge entries") has the same shape: its group entry
    is `doc_id`, its sibling parts are `context`, and `kind` is None."""

    doc_id: str
    capability: Capability = Field(
        "corpus", description="Whose knowledge: a corpus passage or a capability's entry"
    )
    kind: DocumentKind | None = Field(None, description="The corpus document's kind")
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
    """The corpus (built-in pages + user documents), ranked by BM25 + glossary from the first
    request, hybrid (BM25 + dense, fused) once the passage vectors are ready.

    The retriever is built lazily on first use (about a second). The vectors are never computed
    inside a request: `start_vectors()` loads them from the on-disk cache, or embeds what is
    missing (tens of ms per passage), in a background thread, then attaches them; until then
    every answer and search is the honest BM25 fallback. `index_vectors()` does the same work
    in the caller's thread (`aegle corpus index`, the CLI).
    """

    def __init__(
        self,
        *,
        extra_dirs: Iterable[Path] = (),
        cache_dir: Path | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        lexical: LexicalFactory | None = None,
    ) -> None:
        self._extra_dirs = tuple(extra_dirs)
        self._lexical = lexical
        self._cache_dir = cache_dir
        self.embedder = embedder
        self._lock = Lock()
        self._index_lock = Lock()  # the CLI and the background thread embed once between them
        self._answerer = answerer
        self._library: Library | None = None
        self._vectors: Thread | None = None
        self.vector_error: str | None = None
        self.embedded_now = 0
        """Passages the last `index_vectors()` embedded (the others came from the cache)."""

    @property
    def library(self) -> Library:
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = (
                        self._answerer.retriever.library
                        if self._answerer is not None
                        else builtin_library(self._extra_dirs)
                    )
        return self._library

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            library = self.library
            with self._lock:  # two first requests at once build it once
                if self._answerer is None:
                    self._answerer = Answerer(Retriever(library, lexical=self._lexical))
        return self._answerer

    @property
    def vector_cache(self) -> Path | None:
        if self._cache_dir is None or self.embedder is None:
            return None
        return vector_cache(self._cache_dir, self.embedder)

    @property
    def hybrid(self) -> bool:
        """Dense vectors are attached: ranking is BM25 + dense, fused."""
        return self.answerer.retriever.dense is not None

    def index_vectors(self) -> int:
        """Attach the passage vectors (from the cache, embedding and caching the missing ones)
        and return how many were embedded now. Blocks; no-op without an embedder."""
        retriever = self.answerer.retriever
        if self.embedder is None:
            return 0
        with self._index_lock:
            if retriever.dense is not None:
                return 0
            cache = self.vector_cache
            index = retriever.dense_index(self.embedder, cache)
            sentences = SentenceVectors(
                self.embedder,
                retriever.passages,
                cache.with_name(f"sentences-{self.embedder.name}.npz") if cache else None,
            )
            # Sentences first: the answerer uses them only once passages are ranked densely.
            self.answerer.sentences = sentences
            retriever.dense = index
            self.embedded_now = index.embedded_now + sentences.index.embedded_now
            return self.embedded_now

    def start_vectors(self) -> Thread | None:
        """Prepare the vectors in a background thread (once); requests meanwhile use BM25."""
        if self.embedder is None:
            return None
        with self._lock:
            if self._vectors is None:
                self._vectors = Thread(
                    target=self._index_in_background, name="evidence-vectors", daemon=True
                )
                self._vectors.start()
        return self._vectors

    def _index_in_background(self) -> None:
        try:
            self.index_vectors()
        except Exception as err:  # stay on BM25, say why, never fail a request
            self.vector_error = f"{type(err).__name__}: {err}"

    def preload(self) -> None:
        """Build the index now and start the vectors (a server worker's start-up)."""
        self.answerer  # noqa: B018 - building it is the point
        self.start_vectors()

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
