"""In-process BM25 (Okapi) over pre-tokenised passages, with a numpy inverted index."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import numpy.typing as npt


class Bm25Index:
    def __init__(self, docs: list[list[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1.0))
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
            tf_a = np.array(tfs, dtype=np.float32)
            # Precompute the saturated term weight so a query is only gathers and adds.
            self._postings[term] = (
                ids_a,
                (tf_a * (k1 + 1) / (tf_a + norm[ids_a])).astype(np.float32),
            )
            df = len(ids)
            self.idf[term] = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
        self.max_idf = math.log(1 + (self.size + 0.5) / 0.5) if self.size else 1.0

    def term_idf(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def scores(self, query: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros(self.size, dtype=np.float32)
        for term, qtf in Counter(query).items():
            hit = self._postings.get(term)
            if hit is not None:
                ids, weights = hit
                out[ids] += np.float32(self.idf[term] * qtf) * weights
        return out

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        if not self.size:
            return []
        k = min(k, self.size)
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
