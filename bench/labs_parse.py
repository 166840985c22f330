"""Lab-report reading speed (issue 4 targets on a 2-core machine):
a text report <= 20 ms, a 3-page text PDF <= 300 ms, a phone photo <= 4 s.

Run from the repository root: .venv/bin/python bench/labs_parse.py [--photo PATH] [--runs N]
Prints one JSON object with median timings in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.labs.pdfmaker import make_pdf  # noqa: E402

from aegle.labs.catalogue import default_catalogue  # noqa: E402
from aegle.labs.ocr import _engine  # noqa: E402
from aegle.labs.reader import read_report  # noqa: E402

FIXTURES = json.loads((ROOT / "tests/labs/fixtures/reports.json").read_text(encoding="utf-8"))
PHOTO = ROOT / "../shared/data/cn-cbc-report-ocr/bloodtestreport.jpg"


def median_ms(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def cpu_ms(func: Callable[[], object]) -> float:
    """CPU time of all threads: less sensitive than wall time to other jobs on the machine."""
    start = time.process_time()
    func()
    return round((time.process_time() - start) * 1000, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photo", type=Path, default=PHOTO)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    default_catalogue()  # loaded once per process, like a server
    # The longest zh and en fixtures as plain text; three of them as a 3-page PDF.
    ordered = sorted(FIXTURES.values(), key=lambda f: -sum(len(p) for p in f["pages"]))
    text = "\n".join(line for page in ordered[0]["pages"] for line in page).encode()
    pages = [[line for page in f["pages"] for line in page] for f in ordered[:3]]
    pdf = make_pdf(pages)
    results: dict[str, object] = {
        "text_lines": text.count(b"\n") + 1,
        "text_report_ms": median_ms(lambda: read_report(text), args.runs),
        "pdf_pages": len(pages),
        "pdf_lines": sum(len(p) for p in pages),
        "pdf_3_pages_ms": median_ms(lambda: read_report(pdf), args.runs),
    }
    start = time.perf_counter()
    _engine()
    results["ocr_model_load_ms"] = round((time.perf_counter() - start) * 1000, 1)
    photo = args.photo.read_bytes()
    results["photo_ms"] = median_ms(lambda: read_report(photo), max(3, args.runs // 10))
    results["photo_cpu_ms"] = cpu_ms(lambda: read_report(photo))
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    results["targets_ms"] = {"text_report": 20, "pdf_3_pages": 300, "photo": 4000}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
