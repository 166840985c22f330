"""BM25 (Okapi) over pre-tokenised passages: the lexical index port, the scoring formula, and
an in-process numpy inverted index (the reference implementation and the tests' index).

The product ranks with the numpy index. `aegle.store.lexical` holds a SQLite FTS5 index that
ranks with the same formula, bit for bit, but measured ~15x slower per query at 50,000 passages,
so it is not wired in (docs/evidence.md, "the lexical index")."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75


class LexicalIndex(Protocol):
    """What retrieval and answers need from a lexical index over passages 0..size-1."""

    @property
    def size(self) -> int: ...

    @property
    def idf(self) -> Mapping[str, float]:
        """IDF of every term the corpus contains (a missing term is unseen)."""
        ...

    @property
    def max_idf(self) -> float:
        """The IDF a term found in no passage would have."""
        ...

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The k best (passage index, score) by BM25, score > 0, best first, ties by index."""
        ...


LexicalFactory = Callable[[list[list[str]]], LexicalIndex]
"""Builds an index over token streams (one per passage, in passage order)."""


def idf(size: int, df: int) -> float:
    return math.log(1 + (size - df + 0.5) / (df + 0.5))


def max_idf(size: int) -> float:
    return idf(size, 0) if size else 1.0


def average_length(lengths: npt.NDArray[np.float32]) -> float:
    return float(lengths.mean()) if len(lengths) else 1.0


def saturate(
    tf: npt.NDArray[np.float32],
    lengths: npt.NDArray[np.float32],
    avg: float,
    *,
    k1: float = K1,
    b: float = B,
) -> npt.NDArray[np.float32]:
    """The saturated, length-normalised term frequency (BM25's per-document term weight)."""
    norm = k1 * (1 - b + b * lengths / max(avg, 1.0))
    return (tf * (k1 + 1) / (tf + norm)).astype(np.float32)


def ranked(ids: npt.NDArray[np.int64], scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the k best positive scores, best first, equal scores by ascending id."""
    order = np.lexsort((ids, -scores))[:k]
    return [int(i) for i in order if scores[i] > 0]


class Bm25Index:
    def __init__(self, docs: list[list[str]], *, k1: float = K1, b: float = B) -> None:
        self.size = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = average_length(lengths)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        self.idf: dict[str, float] = {}
        for term, (ids, tfs) in postings.items():
            ids_a = np.array(ids, dtype=np.int64)
            # Precompute the saturated term weight so a query is only gathers and adds.
            tf_a = np.array(tfs, dtype=np.float32)
            self._postings[term] = (ids_a, saturate(tf_a, lengths[ids_a], avg, k1=k1, b=b))
            self.idf[term] = idf(self.size, len(ids))
        self.max_idf = max_idf(self.size)

    def scores(self, query: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros(self.size, dtype=np.float32)
        for term, qtf in Counter(query).items():
            hit = self._postings.get(term)
            if hit is not None:
                ids, weights = hit
                out[ids] += np.float32(self.idf[term] * qtf) * weights
        return out

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        if not self.size or k <= 0:
            return []
        scores = self.scores(query)
        k = min(k, self.size)
        # The k-th best score bounds the candidates; every tie with it is kept, then ordered.
        kth = np.partition(scores, self.size - k)[self.size - k]
        ids = np.flatnonzero((scores >= kth) & (scores > 0))
        return [(int(ids[i]), float(scores[ids[i]])) for i in ranked(ids, scores[ids], k)]
