"""A person's CGM trace as arrays, with the time-zone arithmetic the metrics need.

Times are POSIX seconds (UTC instants); glucose is mg/dL. Local wall-clock time matters for
day grids and calendar days, so every series carries its IANA time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from aegle.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MMOL_TO_MGDL: Final = 18.0
"""iglu and the consensus papers use 18 mg/dL per mmol/L."""


def zone(tz: str) -> ZoneInfo:
    """The IANA zone `tz`, or InvalidInput naming it."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone: {tz!r}", params={"tz": tz}) from exc


def local_to_epoch(moments: list[datetime], tz: str) -> FloatArray:
    """Naive local wall-clock datetimes in `tz` -> POSIX seconds.

    Ambiguous times (clock set back) take the first occurrence, as R's as.POSIXct does.
    """
    info = zone(tz)
    try:
        return np.fromiter(
            (m.replace(tzinfo=info, fold=0).timestamp() for m in moments),
            dtype=np.float64,
            count=len(moments),
        )
    except (OverflowError, ValueError, OSError) as exc:
        raise InvalidInput("A time is outside the supported range") from exc


def utc_offsets(times: FloatArray, tz: str) -> FloatArray:
    """UTC offset in seconds at each instant.

    Offsets are piecewise constant and change at most once within any week in real zones, so the
    zone is asked at week boundaries and transitions are located by bisection on whole minutes.
    """
    if times.size == 0:
        return np.zeros(0)
    info = zone(tz)

    def offset_at(minute: int) -> float:
        delta = datetime.fromtimestamp(minute * 60.0, info).utcoffset()
        return delta.total_seconds() if delta is not None else 0.0

    first = int(np.floor(np.min(times) / 60.0))
    last = int(np.floor(np.max(times) / 60.0))
    week = 7 * 1440
    # Minutes at which the offset changes, with the new offset.
    changes: list[tuple[int, float]] = []
    start_offset = current = offset_at(first)
    lo = first
    while lo < last:
        hi = min(lo + week, last)
        end_offset = offset_at(hi)
        if end_offset != current:
            a, b = lo, hi  # offset(a) == current, offset(b) == end_offset
            while b - a > 1:
                mid = (a + b) // 2
                if offset_at(mid) == current:
                    a = mid
                else:
                    b = mid
            changes.append((b, end_offset))
            current = end_offset
        lo = hi
    if not changes:
        return np.full(times.size, start_offset)
    minutes = np.floor(times / 60.0)
    bounds = np.array([m for m, _ in changes], dtype=np.float64)
    values = np.array([start_offset] + [o for _, o in changes])
    return values[np.searchsorted(bounds, minutes, side="right")]


def local_day_index(times: FloatArray, tz: str) -> IntArray:
    """Local calendar day of each instant, as days since 1970-01-01."""
    local = times + utc_offsets(times, tz)
    return np.floor(local / 86400.0).astype(np.int64)


def local_midnight(instant: float, tz: str) -> tuple[date, float]:
    """The local date of `instant` and the POSIX time of that date's 00:00 in `tz`."""
    info = zone(tz)
    day = datetime.fromtimestamp(instant, info).date()
    return day, datetime.combine(day, time(0), tzinfo=info).timestamp()


@dataclass(frozen=True, slots=True)
class GlucoseSeries:
    """One subject's CGM readings, sorted by time, without missing values.

    Attributes:
        times: POSIX seconds of each reading.
        glucose: glucose in mg/dL.
        tz: IANA time zone the readings were taken in (defines days and time of day).
    """

    times: FloatArray
    glucose: FloatArray
    tz: str = "UTC"
    subject: str = field(default="")

    @staticmethod
    def build(times: FloatArray, glucose: FloatArray, tz: str, subject: str = "") -> GlucoseSeries:
        """Validate, drop missing readings and sort (stable, so equal times keep file order)."""
        t = np.asarray(times, dtype=np.float64)
        g = np.asarray(glucose, dtype=np.float64)
        if t.shape != g.shape or t.ndim != 1:
            raise InvalidInput("times and glucose must be 1-D arrays of the same length")
        zone(tz)
        keep = np.isfinite(t) & np.isfinite(g)
        t, g = t[keep], g[keep]
        if np.any(g <= 0):
            raise InvalidInput("Glucose values must be positive (mg/dL)")
        order = np.argsort(t, kind="stable")
        return GlucoseSeries(t[order], g[order], tz, subject)

    @staticmethod
    def from_local(
        moments: list[datetime], glucose: list[float], tz: str, subject: str = ""
    ) -> GlucoseSeries:
        """Readings with naive local timestamps (as in CGM exports) taken in `tz`."""
        return GlucoseSeries.build(
            local_to_epoch(moments, tz), np.asarray(glucose, dtype=np.float64), tz, subject
        )

    @property
    def size(self) -> int:
        return int(self.glucose.size)

    def local_dates(self) -> IntArray:
        return local_day_index(self.times, self.tz)

    def span_days(self) -> float:
        return float(self.times[-1] - self.times[0]) / 86400.0 if self.size else 0.0


def day_from_index(index: int) -> date:
    return date(1970, 1, 1) + timedelta(days=index)
