"""Speed of the full CGM metric set (`aegle.vitals.cgm.compute_with_roc`: every iglu column).

Targets (issue 5): 14 days of 5-minute data <= 50 ms; 1,000 people x 90 days <= 60 s.
Synthetic but realistic traces: meals, noise, sensor gaps. Run:
    .venv/bin/python bench/vitals_cgm.py [--people 1000] [--days 90]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from aegle.vitals.cgm import GlucoseSeries, compute_with_roc

START = 1_700_000_000.0  # an arbitrary instant (2023-11-14)


def synthetic(days: int, seed: int) -> GlucoseSeries:
    rng = np.random.default_rng(seed)
    n = days * 288
    t = START + 300.0 * np.arange(n) + rng.normal(0, 5, n)
    minutes = (t - START) / 60.0
    meals = sum(
        60 * np.exp(-(((minutes % 1440) - m) ** 2) / (2 * 45.0**2)) for m in (480, 750, 1140)
    )
    gl = 110 + meals + 25 * np.sin(minutes / 310) + rng.normal(0, 8, n).cumsum() * 0.05
    gl = np.clip(gl + rng.normal(0, 4, n), 40, 400)
    keep = np.ones(n, dtype=bool)
    for _ in range(days // 3):  # a sensor gap of 10 minutes to 4 hours every few days
        s = int(rng.integers(0, n - 50))
        keep[s : s + int(rng.integers(2, 48))] = False
    return GlucoseSeries.build(t[keep], gl[keep], "Asia/Shanghai", f"p{seed}")


def full_set(series: GlucoseSeries) -> None:
    compute_with_roc(series)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()

    two_weeks = synthetic(14, 1)
    full_set(two_weeks)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        full_set(two_weeks)
        times.append(time.perf_counter() - t0)
    print(
        f"14 days x 5 min ({two_weeks.size} readings), full metric set: "
        f"median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms "
        f"(target <= 50 ms)"
    )

    t0 = time.perf_counter()
    population = [synthetic(args.days, seed) for seed in range(args.people)]
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    for series in population:
        full_set(series)
    elapsed = time.perf_counter() - t0
    readings = sum(s.size for s in population)
    print(
        f"{args.people} people x {args.days} days ({readings:,} readings): "
        f"{elapsed:.1f} s single process ({elapsed / args.people * 1000:.1f} ms/person; "
        f"target <= 60 s); data generation {gen:.1f} s not counted"
    )


if __name__ == "__main__":
    main()
