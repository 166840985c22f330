"""Interpolation of a CGM trace onto an equally spaced day-by-day grid.

Follows the semantics of iglu's `CGMS2DayByDay` (Broll et al. 2021,
doi:10.1371/journal.pone.0248560): the grid starts one step after local midnight of the first
day and runs for `ceiling(span_in_days + 1)` whole days; values are linearly interpolated, left
missing outside the observed range and strictly inside gaps longer than `inter_gap` minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from aegle.core.errors import InvalidInput
from aegle.vitals.cgm.series import FloatArray, GlucoseSeries, local_midnight

DEFAULT_INTER_GAP = 45
"""Minutes: iglu's default maximum gap that is bridged by interpolation."""


@dataclass(frozen=True, slots=True)
class DayGrid:
    """Glucose (mg/dL) on a regular grid: one row per local day, one column per `dt0` minutes.

    Column `j` of day `d` is the instant `start + ((d * per_day) + j + 1) * dt0` minutes.
    Missing values are NaN.
    """

    values: FloatArray
    first_day: date
    dt0: int
    start: float

    @property
    def flat(self) -> FloatArray:
        return self.values.reshape(-1)

    @property
    def ndays(self) -> int:
        return int(self.values.shape[0])

    def grid_times(self) -> FloatArray:
        n = self.values.size
        return self.start + self.dt0 * 60.0 * np.arange(1, n + 1, dtype=np.float64)


def auto_dt0(series: GlucoseSeries) -> int:
    """The median reading interval in whole minutes (iglu's automatic grid width)."""
    t = _deduplicated_times(series.times)
    if t.size < 2:
        return 5
    return int(np.round(np.median(np.diff(t)) / 60.0))


def _deduplicated_times(times: FloatArray) -> FloatArray:
    if times.size < 2:
        return times
    keep = np.ones(times.size, dtype=bool)
    keep[:-1] = np.diff(times) != 0
    return times[keep]


def day_by_day(
    series: GlucoseSeries, dt0: int | None = None, inter_gap: float = DEFAULT_INTER_GAP
) -> DayGrid:
    """Interpolate `series` onto iglu's day-by-day grid.

    Args:
        series: the readings (mg/dL).
        dt0: grid step in minutes; default is the median reading interval.
        inter_gap: minutes; no interpolation across gaps longer than this.

    Raises:
        InvalidInput: no readings, or a reading interval longer than `inter_gap`.
    """
    if series.size == 0:
        raise InvalidInput("No glucose readings")
    t = series.times
    g = series.glucose
    if t.size > 1:
        # Repeated timestamps: keep the last reading, as iglu does.
        keep = np.ones(t.size, dtype=bool)
        keep[:-1] = np.diff(t) != 0
        t, g = t[keep], g[keep]
    step = auto_dt0(series) if dt0 is None else int(dt0)
    if step <= 0:
        raise InvalidInput("The grid step must be positive")
    if step > inter_gap:
        raise InvalidInput(
            f"Measurement interval {step} min is above the maximal interpolation gap "
            f"{inter_gap} min"
        )
    if 1440 % step != 0:
        if step > 20:
            step = 20
        else:
            remainder = step % 5
            step = step + 5 - remainder if remainder > 2 else step - remainder
    span_days = float(t[-1] - t[0]) / 86400.0
    ndays = math.ceil(span_days + 1)
    per_day = 1440 // step
    first_day, start = local_midnight(float(t[0]), series.tz)
    grid = start + step * 60.0 * np.arange(1, ndays * per_day + 1, dtype=np.float64)
    if t.size == 1:
        values = np.where(grid == t[0], g[0], np.nan)
    else:
        values = np.interp(grid, t, g, left=np.nan, right=np.nan)
        gap = np.diff(t) > inter_gap * 60.0
        if gap.any():
            left = np.searchsorted(t, grid, side="right") - 1
            inside = (left >= 0) & (left < t.size - 1)
            left_c = np.clip(left, 0, t.size - 2)
            strictly = inside & (grid > t[np.clip(left, 0, t.size - 1)]) & gap[left_c]
            values[strictly] = np.nan
    return DayGrid(values.reshape(ndays, per_day), first_day, step, start)
