"""Heart rate: daily resting heart rate and its trend; heart-rate variability from beat-to-beat
(RR/NN) intervals where a device records them.

Heart rate in beats/min, intervals in ms, times as POSIX seconds with an IANA zone for local days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aegle.core.errors import InvalidInput
from aegle.vitals.cgm.series import FloatArray, local_day_index


@dataclass(frozen=True, slots=True)
class DailyValue:
    day: int  # days since 1970-01-01, local
    value: float


def resting_hr_daily(
    times: FloatArray, bpm: FloatArray, tz: str, window_min: int = 30, min_samples: int = 5
) -> list[DailyValue]:
    """Daily resting heart rate estimate: per local day, the lowest mean heart rate over any
    `window_min`-minute window holding at least `min_samples` samples. Devices differ in how they
    define resting HR; this estimate is transparent and comparable from day to day."""
    t = np.asarray(times, dtype=np.float64)
    hr = np.asarray(bpm, dtype=np.float64)
    if t.shape != hr.shape:
        raise InvalidInput("times and heart rates must have the same length")
    ok = np.isfinite(t) & np.isfinite(hr) & (hr >= 20) & (hr <= 250)
    t, hr = t[ok], hr[ok]
    order = np.argsort(t, kind="stable")
    t, hr = t[order], hr[order]
    days = local_day_index(t, tz)
    out: list[DailyValue] = []
    width = window_min * 60.0
    for day in np.unique(days):
        sel = days == day
        dt, dh = t[sel], hr[sel]
        csum = np.concatenate(([0.0], np.cumsum(dh)))
        ends = np.searchsorted(dt, dt + width, side="left")
        counts = ends - np.arange(dt.size)
        valid = counts >= min_samples
        if not valid.any():
            continue
        means = (csum[ends] - csum[np.arange(dt.size)]) / np.maximum(counts, 1)
        out.append(DailyValue(int(day), float(np.min(means[valid]))))
    return out


def trend_per_week(values: Sequence[DailyValue]) -> float:
    """Least-squares slope of daily values, units per week (NaN with fewer than 2 days)."""
    if len(values) < 2:
        return math.nan
    x = np.array([v.day for v in values], dtype=np.float64)
    y = np.array([v.value for v in values], dtype=np.float64)
    if np.ptp(x) == 0:
        return math.nan
    slope = float(np.polyfit(x, y, 1)[0])
    return slope * 7.0


@dataclass(frozen=True, slots=True)
class Hrv:
    """Time-domain HRV (Task Force of the ESC and NASPE 1996, Circulation 93:1043-1065,
    doi:10.1161/01.CIR.93.5.1043): SDNN and RMSSD in ms, over `beats` accepted intervals."""

    sdnn: float
    rmssd: float
    mean_nn: float
    beats: int


def hrv(rr_ms: Sequence[float], low: float = 300.0, high: float = 2000.0) -> Hrv:
    """SDNN (sample SD of NN intervals) and RMSSD (root mean square of successive differences).

    Intervals outside `low`..`high` ms are artefacts and dropped; successive differences are only
    taken between intervals that were adjacent in the recording.
    """
    rr = np.asarray(rr_ms, dtype=np.float64)
    keep = np.isfinite(rr) & (rr >= low) & (rr <= high)
    nn = rr[keep]
    if nn.size < 2:
        return Hrv(math.nan, math.nan, float(np.mean(nn)) if nn.size else math.nan, int(nn.size))
    adjacent = keep[1:] & keep[:-1]
    diffs = np.diff(rr)[adjacent]
    rmssd = float(np.sqrt(np.mean(diffs**2))) if diffs.size else math.nan
    return Hrv(float(np.std(nn, ddof=1)), rmssd, float(np.mean(nn)), int(nn.size))
