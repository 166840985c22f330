"""Extractive answer quality on tests/evidence/data/questions.jsonl, in one warm process.

`summary` (default): answer rate on the answerable questions, abstain rate on the others, and a
proxy for on-point sentences that needs no reader: the share of quoted sentences whose cited
passage is one of the question's labelled passages (labelled by reading the pages).

`sample N SEED OUT.json`: N answered questions drawn with a fixed random seed (questions of the
hand-checked samples already in tests/evidence/data excluded), their quoted sentences written to
OUT with `on_point: null` for a person to mark by reading them.

`marks`: sentences on point / total in each hand-checked sample file.

`cited`: the referee `../shared/eval/cited.py` with its `aegle ask` / `aegle evidence show`
commands run in this process through the CLI app (a cold CLI start costs seconds per question on
this shared machine); the commands and their JSON are the CLI's own.

Hybrid (BM25 + dense) when the vectors are in $AEGLE_EVIDENCE_DIR/cache (`aegle corpus index`).
Usage: .venv/bin/python bench/evidence_answers.py [summary | sample N SEED OUT.json | marks | cited]
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from aegle.cli.evidence import app, evidence_service
from aegle.core.types import normalize_locale

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests/evidence/data/questions.jsonl"
SAMPLES = sorted((ROOT / "tests/evidence/data").glob("citation_sample*.json"))
CITED = ROOT / "../shared/eval/cited.py"


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in QUESTIONS.open(encoding="utf-8") if line.strip()]


def summary() -> dict[str, Any]:
    service = evidence_service(dense=True, wait=True)
    answered = expect = abstained_ok = expect_abstain = sentences = labelled = 0
    for row in rows():
        result = service.answer(row["question"], normalize_locale(row["lang"]))
        if row["expect"] == "abstain":
            expect_abstain += 1
            abstained_ok += result.abstained
            continue
        expect += 1
        if result.abstained:
            continue
        answered += 1
        good = set(row.get("passages", []))
        for s in result.sentences:
            sentences += 1
            labelled += any(c in good for c in s.citations)
    return {
        "hybrid": service.hybrid,
        "answer_rate": round(answered / expect, 3),
        "abstain_rate": round(abstained_ok / expect_abstain, 3),
        "sentences": sentences,
        "sentences_per_answer": round(sentences / max(1, answered), 2),
        "sentences_citing_a_labelled_passage": round(labelled / max(1, sentences), 3),
    }


def sample(n: int, seed: int, out: Path) -> None:
    service = evidence_service(dense=True, wait=True)
    others = [f for f in SAMPLES if f.resolve() != out.resolve()]
    old = {r["question"] for f in others for r in json.loads(f.read_text("utf-8"))}
    pool = [r for r in rows() if r["expect"] == "answer" and r["question"] not in old]
    random.Random(seed).shuffle(pool)
    picked: list[dict[str, Any]] = []
    for row in pool:
        result = service.answer(row["question"], normalize_locale(row["lang"]))
        if result.abstained:
            continue
        picked.append(
            {
                "question": row["question"],
                "lang": row["lang"],
                "sentences": [
                    {"text": s.text, "citations": list(s.citations), "on_point": None}
                    for s in result.sentences
                ],
            }
        )
        if len(picked) == n:
            break
    out.write_text(json.dumps(picked, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def marks() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in SAMPLES:
        rows_ = json.loads(f.read_text(encoding="utf-8"))
        marked = [s["on_point"] for r in rows_ for s in r["sentences"]]
        out[f.name] = {
            "questions": len(rows_),
            "sentences": len(marked),
            "on_point": sum(bool(m) for m in marked),
            "answers_the_question": sum(bool(r.get("answers_the_question")) for r in rows_),
        }
    return out


def cited() -> int:
    spec = importlib.util.spec_from_file_location("cited", CITED)
    assert spec is not None
    assert spec.loader is not None
    referee = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(referee)
    runner = CliRunner()

    def run(cmd: list[str]) -> dict[str, Any]:
        result = runner.invoke(app, cmd[1:])  # cmd[0] is the program name given to --ask
        if result.exit_code != 0:
            raise RuntimeError(result.output[-300:] or f"exit {result.exit_code}")
        return dict(json.loads(result.stdout))

    referee.run = run
    sys.argv = [str(CITED), str(QUESTIONS), "--ask", "aegle ask", "--show", "aegle show"]
    return int(referee.main())


def main() -> int:
    args = sys.argv[1:] or ["summary"]
    if args[0] == "sample":
        sample(int(args[1]), int(args[2]), Path(args[3]))
        return 0
    if args[0] == "cited":
        return cited()
    if args[0] == "marks":
        print(json.dumps(marks()))
        return 0
    print(json.dumps(summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
