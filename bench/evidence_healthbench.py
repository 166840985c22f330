"""Run the HealthBench sample prompts through the evidence answerer and write the answers next to
their rubrics for a human reviewer (there is no grader model here).

Only the last user turn is asked (the extractive answerer has no conversation memory).
Usage: .venv/bin/python bench/evidence_healthbench.py [OUT.jsonl]
Prints a one-line summary per example and writes {prompt_id, question, answer, abstained,
citations, rubrics} per line to OUT (default ./healthbench_answers.jsonl).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aegle.cli.evidence import evidence_service
from aegle.core.types import normalize_locale
from aegle.evidence.ingest import guess_lang

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/healthbench-sample/healthbench_oss_eval_examples_dev.jsonl"


def main() -> None:
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("healthbench_answers.jsonl")
    answerer = evidence_service(dense=True, wait=True).answerer  # hybrid, vectors cached
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    with out_path.open("w", encoding="utf-8") as out:
        for row in rows:
            question = next(m["content"] for m in reversed(row["prompt"]) if m["role"] == "user")
            lang = normalize_locale(guess_lang(question), "en")
            result = answerer.answer(question, lang)
            record = {
                "prompt_id": row["prompt_id"],
                "question": question,
                "answer": result.answer,
                "abstained": result.abstained,
                "citations": [c.id for c in result.citations],
                "rubrics": row["rubrics"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            state = "abstain" if result.abstained else f"answer {len(result.sentences)} sent."
            print(f"{state:16} | {question[:70]!r} | {', '.join(record['citations'][:3])}")


if __name__ == "__main__":
    main()
