"""Hybrid retrieval: BM25 (with glossary expansion across languages) + dense vectors, fused by
reciprocal rank fusion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aegle.core.types import LocaleCode
from aegle.evidence.bm25 import Bm25Index, LexicalFactory, LexicalIndex
from aegle.evidence.dense import DenseIndex, Embedder, Vector
from aegle.evidence.glossary import Glossary, default_glossary
from aegle.evidence.library import Library
from aegle.evidence.model import Passage
from aegle.evidence.text import add_words, tokenize

RRF_K = 60
LONG_QUESTION_TERMS = 12
# Long questions carry many words no health page has (places, jobs, dates); when one names a
# topic a page is about, a lower share of its known words is enough.
MIN_FOCUSED_COVERAGE = 0.15
MAX_QUERY_CHARS = 2000
TITLE_BOOST = 1.2
_PARENTHESIS = re.compile(r"[（(][^（()）]*[)）]")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    coverage: float
    focused: bool = False
    """A long question naming a topic this passage's page is about, with enough known words."""


@dataclass(frozen=True)
class Query:
    text: str
    terms: list[str]
    expanded: list[str]
    key_terms: list[tuple[str, ...]]
    key_tokens: list[set[str]] = field(default_factory=list)
    """The index terms of each glossary entry's names (tokenised once per question)."""
    key_matchers: list[tuple[tuple[str, re.Pattern[str] | None], ...]] = field(default_factory=list)
    """Each glossary entry's names with, for English ones, their whole-word pattern (compiled
    once per question, not once per candidate page)."""


def _names(matcher: tuple[str, re.Pattern[str] | None], text: str) -> bool:
    form, pattern = matcher
    return bool(pattern.search(text)) if pattern is not None else form in text


class Retriever:
    def __init__(
        self,
        library: Library,
        *,
        glossary: Glossary | None = None,
        embedder: Embedder | None = None,
        cache: Path | None = None,
        lexical: LexicalFactory | None = None,
    ) -> None:
        """`lexical` builds the BM25 index over the passages' token streams; the product uses
        the default, the in-memory numpy index (FTS5 was measured slower, docs/evidence.md)."""
        self.library = library
        self.glossary = glossary or default_glossary()
        add_words(self.glossary.zh_words)
        self.passages = list(library.passages.values())
        self.tokens = [tokenize(_index_text(p)) for p in self.passages]
        self.token_sets = [set(t) for t in self.tokens]
        # Lower-cased index text of the passages questions have reached (filled as they do).
        self._lowered: dict[int, str] = {}
        self.bm25: LexicalIndex = (lexical or Bm25Index)(self.tokens)
        # Ranking is BM25 + glossary until dense vectors are attached (at once when an embedder
        # is given here, or later by the evidence service once its vectors are ready).
        self.dense: DenseIndex | None = (
            self.dense_index(embedder, cache) if embedder is not None else None
        )

    def dense_index(self, embedder: Embedder, cache: Path | None = None) -> DenseIndex:
        """Vectors of every passage: loaded from `cache` (keyed by passage-text hash), the
        missing ones embedded now (slow: tens of ms per passage) and written back."""
        return DenseIndex(embedder, [_index_text(p) for p in self.passages], cache)

    def parse(self, text: str) -> Query:
        text = text[:MAX_QUERY_CHARS]
        terms = tokenize(text)
        matched = self.glossary.matches(text)
        expansion = tokenize(self.glossary.expand(text))
        keys = [
            tuple(s.lower() for s in self.glossary.terms[i].zh + self.glossary.terms[i].en)
            for i in matched
        ]
        return Query(
            text=text,
            terms=terms,
            expanded=terms + expansion,
            key_terms=keys,
            key_tokens=[set(tokenize(" ".join(forms))) for forms in keys],
            key_matchers=[
                tuple(
                    (f, re.compile(r"\b" + re.escape(f) + r"s?\b") if f.isascii() else None)
                    for f in forms
                    if f
                )
                for forms in keys
            ],
        )

    def coverage(self, query: Query, index: int, *, known_only: bool = False) -> float:
        """IDF-weighted share of the question's own terms found in a passage (or, for glossary
        terms, any of their translations): low coverage means the passage is off topic."""
        passage_terms = self.token_sets[index]
        total = found = 0.0
        bridged: set[str] = set()
        if query.key_terms:
            lowered = self._lowered.get(index)
            if lowered is None:
                lowered = self._lowered[index] = _index_text(self.passages[index]).lower()
            for forms, tokens in zip(query.key_terms, query.key_tokens, strict=True):
                if any(f in lowered for f in forms):
                    bridged.update(tokens)
        for term in dict.fromkeys(query.terms):
            if known_only and term not in self.bm25.idf:
                continue  # for long questions: places, names and dates are not the topic
            # A word the corpus has never seen is strong evidence the question is elsewhere.
            # (A lone Chinese character is weaker evidence: colloquial words like 脚 vary.)
            unseen = 0.5 if len(term) == 1 else 1.5
            weight = self.bm25.idf.get(term, unseen * self.bm25.max_idf)
            total += weight
            if term in passage_terms or term in bridged:
                found += weight
        return found / total if total else 0.0

    def about(self, query: Query, index: int) -> bool:
        """The passage's page title names one of the question's glossary terms."""
        title = self.passages[index].title.lower()
        return any(_names(m, title) for matchers in query.key_matchers for m in matchers)

    def title_match(self, query: Query, index: int) -> float:
        """How much of the page title one of the question's glossary terms is: 1.0 when the
        page is about exactly that ("高血压"), less when the term is only part of the title or
        only in its parenthesis ("子痫前期（妊娠高血压）")."""
        if not query.key_terms:
            return 0.0
        title = self.passages[index].title.lower()
        core = _PARENTHESIS.sub("", title).strip() or title
        best = 0.0
        for matchers in query.key_matchers:
            for matcher in matchers:
                for part, weight in ((core, 1.0), (title, 0.3)):
                    if _names(matcher, part):
                        form = matcher[0]
                        best = max(best, weight * min(1.0, len(form) / max(1, len(part))))
                        break
        return best

    def query_vector(self, query: Query) -> Vector | None:
        """The question's embedding, when dense vectors are attached (else None)."""
        dense = self.dense
        return dense.embedder.embed_query(query.text) if dense is not None else None

    def search(
        self,
        text: str,
        *,
        lang: LocaleCode | None = None,
        k: int = 10,
        vector: Vector | None = None,
        query: Query | None = None,
    ) -> list[Hit]:
        """Ranked passages. `query` is `text` parsed, and `vector` its embedding, if the caller
        has them already."""
        query = query or self.parse(text)
        if not query.terms:
            return []
        dense = self.dense  # attached by another thread at any time: read it once
        if dense is not None and not len(dense.matrix):
            dense = None
        depth = max(50, k)
        fused: dict[int, float] = {}
        bm25_rank: dict[int, int] = {}
        dense_rank: dict[int, int] = {}
        for rank, (i, _) in enumerate(self.bm25.top(query.expanded, depth), start=1):
            bm25_rank[i] = rank
            fused[i] = fused.get(i, 0.0) + 1 / (RRF_K + rank)
        if dense is not None:
            if vector is None:
                vector = dense.embedder.embed_query(query.text)
            for rank, (i, _) in enumerate(dense.top_vector(vector, depth), start=1):
                dense_rank[i] = rank
                fused[i] = fused.get(i, 0.0) + 1 / (RRF_K + rank)
        hits = []
        titles: dict[str, float] = {}
        long_question = len(set(query.terms)) >= LONG_QUESTION_TERMS
        for i, score in fused.items():
            cov = self.coverage(query, i)
            # Off-topic passages sink; the asker's language wins ties.
            bonus = 0.002 if lang is not None and self.passages[i].lang == lang else 0.0
            # A page whose title names the question's topic beats a page that mentions it in
            # passing ("how is high blood pressure treated" -> the hypertension page).
            doc_id = self.passages[i].doc_id
            if doc_id not in titles:  # one title per document: match it once per question
                titles[doc_id] = self.title_match(query, i)
            about = 1.0 + (TITLE_BOOST - 1.0) * titles[doc_id]
            hits.append(
                Hit(
                    passage=self.passages[i],
                    score=score * (0.5 + cov) * about + bonus,
                    bm25_rank=bm25_rank.get(i),
                    dense_rank=dense_rank.get(i),
                    coverage=cov,
                    focused=long_question
                    and self.about(query, i)
                    and self.coverage(query, i, known_only=True) >= MIN_FOCUSED_COVERAGE,
                )
            )
        hits.sort(key=lambda h: -h.score)
        return hits[:k]


def _index_text(p: Passage) -> str:
    # Titles and headings carry the topic words a question uses.
    return f"{p.title}\n{' / '.join(p.section_path)}\n{p.text}"
