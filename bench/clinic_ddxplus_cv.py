"""Held-out estimate for the DDXPlus referee: k-fold cross-validation over the dev patients.

The shipped likelihoods are fitted on all dev patients, so scoring them on those same patients
flatters the engine. Here each fold's likelihoods are rebuilt from the other folds only and the
fold's patients are interviewed in-process with the referee's own patient simulator.
Usage: python bench/clinic_ddxplus_cv.py [--folds 3] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "../shared"
sys.path.insert(0, str(SHARED / "eval"))

from ddxplus import Patient  # type: ignore[import-not-found]  # noqa: E402

from aegle.clinic.engine import AnswerInput, Interview  # noqa: E402
from aegle.clinic.knowledge import load_knowledge  # noqa: E402
from aegle.clinic.knowledge.build import build_ddxplus as builder  # noqa: E402
from aegle.clinic.knowledge.models import Likelihoods  # noqa: E402
from aegle.clinic.model import compile_model  # noqa: E402
from aegle.clinic.protocol import question_message  # noqa: E402
from aegle.clinic.result import build_result  # noqa: E402


def run(patients: list[Patient], model: Any) -> dict[str, float]:
    top1 = top5 = 0
    ddr, ddp, il, per = [], [], [], []
    for p in patients:
        iv = Interview.start(
            lang="en", age=p.age, sex=p.sex, findings=[(f"ddxplus:{p.initial}", True)], model=model
        )
        asked = 0
        while (q := iv.next_question()) is not None:
            asked += 1
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
        res = build_result(iv)
        ranked = [
            next((c[8:] for c in d["codes"] if c.startswith("ddxplus:")), None)
            for d in res["differential"]
        ]
        top1 += bool(ranked) and ranked[0] == p.pathology
        top5 += p.pathology in ranked[:5]
        pred = {r for r in ranked if r}
        hit = len(pred & p.differential)
        ddr.append(hit / len(p.differential) if p.differential else 0.0)
        ddp.append(hit / len(pred) if pred else 0.0)
        il.append(asked)
        pos = set(p.values) - {p.initial}
        per.append(len(pos & p.asked) / len(pos) if pos else 1.0)
    n = len(patients)
    r, q = statistics.mean(ddr), statistics.mean(ddp)
    return {
        "n": n,
        "GTPA@1": top1 / n,
        "GTPA@5": top5 / n,
        "DDR": r,
        "DDP": q,
        "DDF1~": 2 * r * q / (r + q) if r + q else 0.0,
        "IL": statistics.mean(il),
        "PER": statistics.mean(per),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    ddx = SHARED / "data/ddxplus"
    evidences = json.loads((ddx / "release_evidences.json").read_text())
    conditions = json.loads((ddx / "release_conditions.json").read_text())
    with (ddx / "ddxplus_test_patients_dev.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    rng = random.Random(7)
    rng.shuffle(rows)
    tr = yaml.safe_load((builder.HERE / "ddxplus_evidences.yaml").read_text(encoding="utf-8"))
    kb = load_knowledge()
    results = []
    for k in range(args.folds):
        test = [r for i, r in enumerate(rows) if i % args.folds == k]
        train = [r for i, r in enumerate(rows) if i % args.folds != k]
        lik = builder.build_likelihoods(evidences, conditions, train, tr, builder._derived_specs())
        fold_kb = dataclasses.replace(kb, likelihoods=Likelihoods.model_validate(lik))
        model = compile_model(fold_kb)
        patients = [Patient(r, evidences) for r in test]
        if args.limit:
            patients = patients[: args.limit]
        res = run(patients, model)
        print(json.dumps({"fold": k, **res}))
        results.append(res)
    summary = {key: round(statistics.mean(r[key] for r in results), 4) for key in results[0]}
    print(json.dumps({"mean": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
