"""Lexical index backends side by side: the in-memory numpy BM25 and SQLite FTS5
(`aegle.store.lexical`), same tokens, same scores (tests/evidence/test_lexical.py).

Measures, for the built-in corpus and for 50,000 passages (the built-in corpus replicated with
distinct ids and a numbered suffix, as in bench/evidence_speed.py):
* index build from token streams: numpy; FTS5 cold (no file) and warm (the file of the same
  corpus reused); tokenising the passages (done at every start by both) beside them;
* BM25-alone and hybrid retrieval (`Retriever.search`, k = 10) p50 / p99, and the index's own
  `top(expanded query, 50)`. Hybrid embeds each question for real (onnxruntime, one thread);
  the 50,000 passage vectors are random unit vectors (the search costs the same; embedding
  50,000 passages here would take half an hour).
The load average is printed beside each figure (the machine is shared).

Usage: .venv/bin/python bench/evidence_lexical.py [--passages 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aegle.evidence.bm25 import Bm25Index, LexicalIndex
from aegle.evidence.dense import DenseIndex
from aegle.evidence.e5onnx import OnnxE5Embedder
from aegle.evidence.library import Library, builtin_library
from aegle.evidence.retrieve import Retriever
from aegle.evidence.text import tokenize
from aegle.store.lexical import Fts5Index

QUESTIONS = Path(__file__).resolve().parents[1] / "tests/evidence/data/questions.jsonl"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 3)


def latency(fn: Callable[[str], object], items: list[str]) -> dict[str, float]:
    times = []
    before = load()
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
        "load": before,
        "load_end": load(),
    }


def builds(retriever: Retriever, folder: Path) -> dict[str, object]:
    texts = [f"{p.title}\n{' / '.join(p.section_path)}\n{p.text}" for p in retriever.passages]
    return {
        "passages": len(retriever.passages),
        "tokenise_s": timed(lambda: [tokenize(t) for t in texts]),
        "numpy_build_s": timed(lambda: Bm25Index(retriever.tokens)),
        "fts5_cold_s": timed(lambda: Fts5Index(retriever.tokens, directory=folder)),
        "fts5_warm_s": timed(lambda: Fts5Index(retriever.tokens, directory=folder)),
        "fts5_file_mb": round(
            sum(f.stat().st_size for f in folder.glob("lexical-*.sqlite")) / 1e6, 1
        ),
        "load": load(),
    }


def big_library(base: Library, passages: int) -> Library:
    originals = list(base.passages.values())
    big = Library()
    for c in range(-(-passages // len(originals))):
        for p in originals:
            clone = p.model_copy(update={"id": f"{p.id}~{c}", "text": f"{p.text} ({c})"})
            big.passages[clone.id] = clone
    big.passages = dict(list(big.passages.items())[:passages])
    return big


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")]
    queries = [questions[i % len(questions)] for i in range(args.queries)]
    out: dict[str, object] = {}
    base = builtin_library()
    with tempfile.TemporaryDirectory() as tmp:
        small = Retriever(base)
        out["builtin_build"] = builds(small, Path(tmp) / "builtin")
        start = time.perf_counter()
        retriever = Retriever(big_library(base, args.passages))
        out["big_retriever_s"] = round(time.perf_counter() - start, 2)
        out["big_build"] = builds(retriever, Path(tmp) / "big")
        embedder = OnnxE5Embedder()
        embedder.embed_query("warm up")
        rng = np.random.default_rng(0)
        vectors = rng.normal(size=(len(retriever.passages), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        dense = DenseIndex(embedder, [])
        dense.set_matrix(vectors)
        indexes: dict[str, LexicalIndex] = {
            "numpy": Bm25Index(retriever.tokens),
            "fts5": Fts5Index(retriever.tokens, directory=Path(tmp) / "big"),
        }
        expanded = {q: retriever.parse(q).expanded for q in queries}
        for name, index in indexes.items():
            retriever.bm25 = index
            retriever.dense = None
            result: dict[str, object] = {
                "top50": latency(lambda q, i=index: i.top(expanded[q], 50), queries),  # type: ignore[misc]
                "bm25_search": latency(lambda q: retriever.search(q, lang="en", k=10), queries),
            }
            retriever.dense = dense
            result["hybrid_search"] = latency(
                lambda q: retriever.search(q, lang="en", k=10), queries
            )
            out[name] = result
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
