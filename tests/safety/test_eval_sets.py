"""The labelled evaluation sets in tests/safety/data as regression tests.

heldout.jsonl was written before the rule changes of the 2026-11 round and then used to develop
them; fresh.jsonl to fresh10.jsonl were each written after a round of changes
without running the engine. Their first-run numbers are in docs/safety.md. The thresholds below
are what the engine meets now (not 100% where it does not), so a change that loses recall fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aegle.core.types import LocaleCode
from aegle.safety import load_default

DATA = Path(__file__).resolve().parent / "data"
SCREEN = load_default()

# (file, minimum crisis recall, minimum emergency recall, maximum benign false-positive rate)
THRESHOLDS = [
    ("heldout.jsonl", 0.98, 0.99, 0.01),
    ("fresh.jsonl", 0.98, 0.98, 0.02),
    ("fresh2.jsonl", 0.95, 0.98, 0.05),
    ("fresh3.jsonl", 0.95, 0.98, 0.03),
    ("fresh4.jsonl", 0.95, 0.98, 0.05),
    ("fresh5.jsonl", 0.95, 0.97, 0.03),
    ("fresh6.jsonl", 0.98, 0.97, 0.02),
    ("fresh7.jsonl", 0.97, 0.97, 0.03),
    ("fresh8.jsonl", 0.97, 0.95, 0.03),
    ("fresh9.jsonl", 0.97, 0.96, 0.03),
    ("fresh10.jsonl", 0.97, 0.96, 0.04),
]


def _rows(name: str) -> list[dict[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_sets_are_well_formed_and_balanced() -> None:
    sizes = {
        "heldout.jsonl": 300,
        "fresh.jsonl": 150,
        "fresh2.jsonl": 150,
        "fresh3.jsonl": 150,
        "fresh4.jsonl": 145,
        "fresh5.jsonl": 120,
        "fresh6.jsonl": 150,
        "fresh7.jsonl": 100,
        "fresh8.jsonl": 100,
        "fresh9.jsonl": 90,
        "fresh10.jsonl": 80,
    }
    seen: set[str] = set()
    for name, minimum in sizes.items():
        rows = _rows(name)
        assert len(rows) >= minimum
        assert all(set(r) == {"id", "text", "lang", "label"} for r in rows)
        assert {r["lang"] for r in rows} == {"zh", "en"}
        for label in ("crisis", "emergency", "benign"):
            share = sum(r["label"] == label for r in rows) / len(rows)
            assert 0.25 <= share <= 0.42, (name, label, share)
        texts = {r["text"] for r in rows}
        assert len(texts) == len(rows)
        assert not texts & seen, "the sets must not share messages"
        seen |= texts


@pytest.mark.parametrize(("name", "crisis", "emergency", "false_positive"), THRESHOLDS)
def test_recall_and_false_alarms(
    name: str, crisis: float, emergency: float, false_positive: float
) -> None:
    hits = {"crisis": [0, 0], "emergency": [0, 0], "benign": [0, 0]}
    misses = []
    for row in _rows(name):
        locale: LocaleCode = "zh-CN" if row["lang"] == "zh" else "en"
        got = SCREEN.screen(row["text"], locale).category
        want = "none" if row["label"] == "benign" else row["label"]
        hits[row["label"]][0] += got == want
        hits[row["label"]][1] += 1
        if got != want:
            misses.append((row["id"], got))
    recall = {k: a / b for k, (a, b) in hits.items()}
    assert recall["crisis"] >= crisis, misses
    assert recall["emergency"] >= emergency, misses
    assert 1 - recall["benign"] <= false_positive, misses
