"""Chart rendering time (matplotlib, Agg): the AGP report for 14 days of 5-minute CGM data and
a 90-day blood-pressure trend, SVG and PNG, median of several runs after one warm-up.
Usage: python bench/vitals_charts.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from aegle.services.health_charts import render
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.snapshot import Snapshot


def snapshot() -> Snapshot:
    tz = "Asia/Shanghai"
    end = datetime(2025, 3, 15, tzinfo=ZoneInfo(tz))
    start = end - timedelta(days=14)
    t = np.arange(start.timestamp(), end.timestamp(), 300.0)
    rng = np.random.default_rng(7)
    g = 140 + 50 * np.sin(t / 86400 * 2 * np.pi) + rng.normal(0, 20, t.size)
    bp = tuple(
        BPReading(end - timedelta(days=90) + timedelta(hours=12 * i), 130 + i % 20, 80 + i % 10)
        for i in range(180)
    )
    return Snapshot(tz=tz, start=start, end=end, glucose=GlucoseSeries.build(t, g, tz, "b"), bp=bp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    snap = snapshot()
    render("agp", snap, "zh-CN", "svg")  # warm-up: font cache, imports
    out: dict[str, object] = {}
    for name in ("agp", "bp"):
        for fmt in ("svg", "png"):
            times, size = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                size = len(render(name, snap, "zh-CN", fmt).content)
                times.append(time.perf_counter() - started)
            out[f"{name}_{fmt}"] = {
                "median_ms": round(statistics.median(times) * 1000, 1),
                "kb": round(size / 1024, 1),
            }
    out["cpu_load_1m"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
