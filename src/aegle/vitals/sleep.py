"""Sleep metrics from sleep sessions: duration, efficiency, timing and regularity.

A session is one time in bed (`bed_start`..`bed_end`, aware datetimes) with the intervals
actually asleep inside it (from a watch, phone or diary). Times of day are in the session's own
local time zone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from aegle.core.errors import InvalidInput

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class SleepSession:
    bed_start: datetime
    bed_end: datetime
    asleep: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        if self.bed_start.tzinfo is None or self.bed_end.tzinfo is None:
            raise InvalidInput("Sleep times must carry a time zone")
        if self.bed_end <= self.bed_start:
            raise InvalidInput("A sleep session must end after it starts")
        for start, end in self.asleep:
            if not (self.bed_start <= start < end <= self.bed_end):
                raise InvalidInput("Asleep intervals must lie inside the time in bed")

    @property
    def time_in_bed_min(self) -> float:
        return (self.bed_end - self.bed_start).total_seconds() / 60.0

    @property
    def total_sleep_min(self) -> float:
        """Minutes asleep (overlapping intervals counted once); the time in bed when the source
        gives no asleep intervals."""
        if not self.asleep:
            return self.time_in_bed_min
        merged: list[list[float]] = []
        for start, end in sorted((s.timestamp(), e.timestamp()) for s, e in self.asleep):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return sum(e - s for s, e in merged) / 60.0

    @property
    def efficiency(self) -> float:
        """Sleep efficiency, % = 100 * total sleep time / time in bed."""
        return 100.0 * self.total_sleep_min / self.time_in_bed_min

    @property
    def onset(self) -> datetime:
        return min(s for s, _ in self.asleep) if self.asleep else self.bed_start

    @property
    def wake(self) -> datetime:
        return max(e for _, e in self.asleep) if self.asleep else self.bed_end


def _clock_minutes(moment: datetime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60.0


def circular_mean_clock(moments: Sequence[datetime]) -> float:
    """Mean local clock time in minutes after midnight (0-1440), averaging on the 24-h circle so
    23:30 and 00:30 average to 00:00."""
    angles = np.array([_clock_minutes(m) for m in moments]) * 2 * math.pi / 1440.0
    mean = math.atan2(float(np.mean(np.sin(angles))), float(np.mean(np.cos(angles))))
    return (mean * 1440.0 / (2 * math.pi)) % 1440.0


def circular_sd_minutes(moments: Sequence[datetime]) -> float:
    """Circular standard deviation of local clock times, minutes."""
    angles = np.array([_clock_minutes(m) for m in moments]) * 2 * math.pi / 1440.0
    r = math.hypot(float(np.mean(np.sin(angles))), float(np.mean(np.cos(angles))))
    if r <= 0:
        return math.nan
    return math.sqrt(-2.0 * math.log(min(r, 1.0))) * 1440.0 / (2 * math.pi)


@dataclass(frozen=True, slots=True)
class SleepSummary:
    """Averages over sessions: minutes, %, and clock times as minutes after local midnight."""

    nights: int
    mean_total_sleep_min: float
    mean_time_in_bed_min: float
    mean_efficiency: float
    mean_onset_clock: float
    mean_midpoint_clock: float
    mean_wake_clock: float
    midpoint_sd_min: float


def summarise(sessions: Sequence[SleepSession]) -> SleepSummary:
    """Duration, efficiency and timing over the given sessions."""
    if not sessions:
        raise InvalidInput("No sleep sessions")
    midpoints = [s.onset + (s.wake - s.onset) / 2 for s in sessions]
    return SleepSummary(
        nights=len(sessions),
        mean_total_sleep_min=float(np.mean([s.total_sleep_min for s in sessions])),
        mean_time_in_bed_min=float(np.mean([s.time_in_bed_min for s in sessions])),
        mean_efficiency=float(np.mean([s.efficiency for s in sessions])),
        mean_onset_clock=circular_mean_clock([s.onset for s in sessions]),
        mean_midpoint_clock=circular_mean_clock(midpoints),
        mean_wake_clock=circular_mean_clock([s.wake for s in sessions]),
        midpoint_sd_min=circular_sd_minutes(midpoints),
    )


def sleep_regularity_index(sessions: Sequence[SleepSession], epoch_s: int = 60) -> float:
    """Sleep Regularity Index, -100..100: 200 * P(same sleep/wake state at t and t + 24 h) - 100,
    over epochs from the first bed time to the last wake time; time outside asleep intervals is
    wake. 100 = perfectly regular. Phillips et al. 2017, Sci Rep 7:3216,
    doi:10.1038/s41598-017-03171-4.

    Needs at least two days of coverage (NaN otherwise).
    """
    if not sessions:
        return math.nan
    start = min(s.bed_start.timestamp() for s in sessions)
    end = max(s.bed_end.timestamp() for s in sessions)
    n = int((end - start) // epoch_s)
    day = 86400 // epoch_s
    if n <= day:
        return math.nan
    state = np.zeros(n, dtype=bool)
    for s in sessions:
        spans = s.asleep or ((s.bed_start, s.bed_end),)
        for a, b in spans:
            i = int((a.timestamp() - start) // epoch_s)
            j = int((b.timestamp() - start) // epoch_s)
            state[max(i, 0) : min(j, n)] = True
    same = state[day:] == state[:-day]
    return 200.0 * float(np.mean(same)) - 100.0
