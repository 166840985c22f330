"""One person's recent device data, grouped by kind, as the metric engines take it.

The health-data service fills a `Snapshot` from storage; the chat reply, the charts and the
health-data page all read it. Pure: building sleep sessions from stage intervals and daily
values from samples happens here, without I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np

from aegle.vitals.alerts import Point
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.sleep import SleepSession

NIGHT_GAP: Final = timedelta(hours=3)
"""Sleep intervals closer than this belong to the same night (naps further apart are separate)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Device data of one person in [start, end), times in the person's zone `tz`."""

    tz: str
    start: datetime
    end: datetime
    glucose: GlucoseSeries
    bp: tuple[BPReading, ...] = ()
    sleep: tuple[SleepSession, ...] = ()
    resting_hr: tuple[Point, ...] = ()  # one value a day, beats/min
    weight: tuple[Point, ...] = ()  # kg
    spo2: tuple[Point, ...] = ()  # %
    height_m: float | None = None
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    def has(self, kind: str) -> bool:
        return {
            "glucose": self.glucose.size > 0,
            "bp": bool(self.bp),
            "sleep": bool(self.sleep),
            "heart_rate": bool(self.resting_hr),
            "weight": bool(self.weight),
            "spo2": bool(self.spo2),
        }.get(kind, False)


def sleep_sessions(
    intervals: Iterable[tuple[datetime, datetime, bool]], gap: timedelta = NIGHT_GAP
) -> list[SleepSession]:
    """Group (start, end, asleep) intervals (aware) into sessions: intervals within `gap` of
    each other form one session; its time in bed spans all of them, and the asleep ones are its
    sleep. Stage-by-stage sources (Apple Watch: in bed, core, deep, REM, awake) and one-interval
    sources (a sleep duration) both fit."""
    ordered = sorted((s, e, a) for s, e, a in intervals if e > s)
    groups: list[list[tuple[datetime, datetime, bool]]] = []
    for item in ordered:
        if groups and item[0] - max(e for _, e, _ in groups[-1]) <= gap:
            groups[-1].append(item)
        else:
            groups.append([item])
    out = []
    for group in groups:
        start = min(s for s, _, _ in group)
        end = max(e for _, e, _ in group)
        asleep = tuple((s, e) for s, e, a in group if a)
        if not asleep:  # in bed only: nothing says the person slept
            continue
        out.append(SleepSession(start, end, asleep))
    return out


def daily_means(points: Sequence[Point]) -> tuple[Point, ...]:
    """One point per local day (the points' own zone): the day's mean, dated at its last
    sample."""
    by_day: dict[date, list[Point]] = defaultdict(list)
    for point in points:
        by_day[point.time.date()].append(point)
    return tuple(
        Point(max(p.time for p in items), float(np.mean([p.value for p in items])))
        for _, items in sorted(by_day.items())
    )
