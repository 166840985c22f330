"""Run the HealthBench sample prompts through `aegle ask --json` and keep the raw outputs for a
human reviewer (there is no grader model here; the marks live in
tests/evidence/data/healthbench_marks.json and docs/healthbench.md).

Only the last user turn is asked (the evidence answerer has no conversation memory); the
language is guessed from its script, as `aegle ask --lang` takes only zh or en. Each example
runs the real command in its own process, so the output is exactly what a user gets; run
`aegle corpus index` first so answers are hybrid.
Usage: PYTHONPATH=src .venv/bin/python bench/evidence_healthbench.py [OUT.jsonl]
Writes {prompt_id, question, lang, output} per line to OUT
(default tests/evidence/data/healthbench_answers.jsonl) and prints a one-line summary each.
With `--score` it reads the hand marks instead and prints the per-example HealthBench-style
scores and the totals for docs/healthbench.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aegle.evidence.ingest import guess_lang

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/healthbench-sample/healthbench_oss_eval_examples_dev.jsonl"
OUT = ROOT / "tests/evidence/data/healthbench_answers.jsonl"
MARKS = ROOT / "tests/evidence/data/healthbench_marks.json"


def ask(question: str, lang: str) -> dict[str, object]:
    cmd = [sys.executable, "-m", "aegle.cli", "ask", question, "--lang", lang]
    done = subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=True)
    if done.stderr.strip():  # e.g. "BM25 only": the figures would not be the product's
        print(done.stderr.strip(), file=sys.stderr)
    parsed: dict[str, object] = json.loads(done.stdout)
    return parsed


def score(points: list[int], met: set[int]) -> float:
    """HealthBench: points of met criteria (negative ones subtract) over all positive points,
    clipped to [0, 1]."""
    possible = sum(p for p in points if p > 0)
    return min(1.0, max(0.0, sum(points[i] for i in met) / possible))


def report() -> None:
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    marks = json.loads(MARKS.read_text(encoding="utf-8"))
    pos_met = pos_all = neg_hit = neg_all = 0
    scores: list[float] = []
    strict: list[float] = []  # without credit for criteria met only by saying nothing wrong
    for n, (row, mark) in enumerate(zip(rows, marks, strict=True), start=1):
        assert row["prompt_id"] == mark["prompt_id"]
        points = [c["points"] for c in row["rubrics"]]
        met = set(mark["criteria_met"])
        pos = [i for i, p in enumerate(points) if p > 0]
        neg = [i for i, p in enumerate(points) if p < 0]
        pos_met, pos_all = pos_met + len(met & set(pos)), pos_all + len(pos)
        neg_hit, neg_all = neg_hit + len(met & set(neg)), neg_all + len(neg)
        scores.append(score(points, met))
        strict.append(score(points, met - set(mark["met_by_silence"])))
        reply = "abstain" if mark["reply_abstained"] else "answer"
        print(
            f"{n:2} {reply:7} +{len(met & set(pos))}/{len(pos)} "
            f"-{len(met & set(neg))}/{len(neg)} {scores[-1]:.2f} ({strict[-1]:.2f})"
        )
    answered = sum(not m["reply_abstained"] for m in marks)
    print(
        f"positive met {pos_met}/{pos_all}, negative triggered {neg_hit}/{neg_all}, "
        f"mean {sum(scores) / len(scores):.3f} (without silence credit "
        f"{sum(strict) / len(strict):.3f}); answered {answered}, abstained {len(marks) - answered}"
    )


def main() -> None:
    if sys.argv[1:] == ["--score"]:
        report()
        return
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    with out_path.open("w", encoding="utf-8") as out:
        for row in rows:
            question = next(m["content"] for m in reversed(row["prompt"]) if m["role"] == "user")
            lang = "zh" if guess_lang(question) == "zh-CN" else "en"
            output = ask(question, lang)
            record = {"prompt_id": row["prompt_id"], "question": question, "lang": lang}
            out.write(json.dumps({**record, "output": output}, ensure_ascii=False) + "\n")
            cited = [c["id"] for c in output["citations"]]  # type: ignore[attr-defined]
            state = "abstain" if output["abstained"] else f"answer {len(cited)} cit."
            print(f"{state:14} | {question[:70]!r} | {', '.join(cited[:3])}")


if __name__ == "__main__":
    main()
