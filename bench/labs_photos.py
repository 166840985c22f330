"""Field-level F1 of reading report photos: the hand-made fixtures and four generated ones are
rendered as skewed, blurred JPEGs (tests/labs/photomaker.py) and read back through OCR.

Run from the repository root: .venv/bin/python bench/labs_photos.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.labs.photomaker import render_photo  # noqa: E402
from tests.labs.test_fixtures_f1 import FIXTURES, HANDMADE, score  # noqa: E402


def main() -> int:
    picked = {**HANDMADE, **{k: FIXTURES[k] for k in ("report_00", "report_01", "report_04")}}
    correct = predicted = gold = 0
    seconds = []
    mistakes: dict[str, list[str]] = {}
    for name, fixture in picked.items():
        lines = [line for page in fixture["pages"] for line in page]
        photo = render_photo(lines)
        start = time.perf_counter()
        c, p, g, errors = score(fixture, photo)
        seconds.append(time.perf_counter() - start)
        correct, predicted, gold = correct + c, predicted + p, gold + g
        if errors:
            mistakes[name] = errors[:5]
    precision, recall = correct / predicted, correct / gold
    print(
        json.dumps(
            {
                "photos": len(picked),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(2 * precision * recall / (precision + recall), 4),
                "median_s": round(sorted(seconds)[len(seconds) // 2], 2),
                "mistakes": mistakes,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
