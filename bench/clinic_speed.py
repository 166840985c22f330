"""Speed targets for clinic mode (issue 3): question selection <= 5 ms p99 with the full knowledge
base, and 1,000 DDXPlus dev interviews through `aegle interview --jsonl` in under 60 s.

Usage: python bench/clinic_speed.py [--interviews 1000] [--engine "CMD"]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "../shared"
sys.path.insert(0, str(SHARED / "eval"))

from ddxplus import Patient  # type: ignore[import-not-found]  # noqa: E402
from interview import Engine  # type: ignore[import-not-found]  # noqa: E402

from aegle.clinic.engine import AnswerInput, Interview  # noqa: E402
from aegle.clinic.model import default_model  # noqa: E402
from aegle.clinic.protocol import question_message  # noqa: E402


def selection_latency(patients: list[Patient]) -> dict[str, float]:
    model = default_model()
    times: list[float] = []
    for p in patients:
        iv = Interview.start(
            lang="en", age=p.age, sex=p.sex, findings=[(f"ddxplus:{p.initial}", True)], model=model
        )
        while True:
            t0 = time.perf_counter()
            q = iv.next_question()
            times.append(time.perf_counter() - t0)
            if q is None:
                break
            a = p.answer(question_message(q))
            iv.answer(
                q.id,
                AnswerInput(
                    present=a.get("present"),
                    values=tuple(a["values"]) if "values" in a else None,
                    value=a.get("value"),
                    unknown=bool(a.get("unknown")),
                ),
            )
    times.sort()
    return {
        "selections": len(times),
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
        "max_ms": 1000 * times[-1],
    }


def long_messages() -> dict[str, float]:
    """Reading a 100 KB opening message (the protocol's cap), English and Chinese."""
    from aegle.clinic.protocol import Session

    session = Session()
    out = {}
    for lang, unit in (
        ("en", "Headache and fever for three days, no cough. "),
        ("zh", "胸口疼，出汗，喘不上气。"),
    ):
        message = (unit * (100_000 // len(unit) + 1))[:100_000]
        began = time.perf_counter()
        session.handle(
            json.dumps(
                {"type": "start", "lang": lang, "message": message, "max_questions": 0},
                ensure_ascii=False,
            )
        )
        out[f"{lang}_100kb_s"] = round(time.perf_counter() - began, 3)
    return out


def protocol_throughput(rows: list[dict[str, str]], evidences: dict, n: int, command: str) -> dict:
    engine = Engine(command)
    began = time.perf_counter()
    try:
        for i in range(n):
            p = Patient(rows[i % len(rows)], evidences)
            engine.interview(
                {
                    "lang": "en",
                    "age": p.age,
                    "sex": p.sex,
                    "findings": [{"code": f"ddxplus:{p.initial}", "present": True}],
                },
                p.answer,
            )
    finally:
        engine.close()
    return {"interviews": n, "seconds": round(time.perf_counter() - began, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interviews", type=int, default=1000)
    ap.add_argument("--engine", default=str(ROOT / ".venv/bin/aegle") + " interview --jsonl")
    args = ap.parse_args()
    ddx = SHARED / "data/ddxplus"
    evidences = json.loads((ddx / "release_evidences.json").read_text())
    with (ddx / "ddxplus_test_patients_dev.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    report = {"selection": selection_latency([Patient(r, evidences) for r in rows[:300]])}
    report["long_messages"] = long_messages()
    report["protocol"] = protocol_throughput(rows, evidences, args.interviews, args.engine)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
