"""Blood-pressure metrics: home and office averages, morning and evening, classification by a
chosen guideline (data in `knowledge/bp_classification.yaml`), and variability.

Pressures in mmHg. Readings carry time-zone-aware local times, so "morning" means the person's
morning.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import Field, model_validator

from aegle.core.errors import InvalidInput
from aegle.core.types import Frozen, LocalizedText, Source
from aegle.vitals.loader import KNOWLEDGE_DIR, load_model

BP_FILE = KNOWLEDGE_DIR / "bp_classification.yaml"
Setting = Literal["home", "office"]
_OPS: Final[dict[str, Callable[[float, float], bool]]] = {">=": operator.ge, ">": operator.gt}


@dataclass(frozen=True, slots=True)
class BPReading:
    """One measurement. `time` must be timezone-aware (local wall clock of the person)."""

    time: datetime
    sbp: float
    dbp: float
    pulse: float | None = None
    setting: Setting = "home"

    def __post_init__(self) -> None:
        if self.time.tzinfo is None:
            raise InvalidInput("Blood-pressure times must carry a time zone")
        if not (40 <= self.sbp <= 300 and 20 <= self.dbp <= 200 and self.dbp < self.sbp):
            raise InvalidInput(
                f"Implausible blood pressure {self.sbp:g}/{self.dbp:g} mmHg",
                params={"sbp": self.sbp, "dbp": self.dbp},
            )


class Condition(Frozen):
    op: Literal[">=", ">"]
    value: float = Field(gt=0)

    def holds(self, x: float) -> bool:
        return _OPS[self.op](x, self.value)


class Category(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: LocalizedText
    sbp: Condition | None = None
    dbp: Condition | None = None

    def matches(self, sbp: float, dbp: float) -> bool:
        if self.sbp is None and self.dbp is None:
            return True  # the catch-all (normal) category
        return bool(
            (self.sbp is not None and self.sbp.holds(sbp))
            or (self.dbp is not None and self.dbp.holds(dbp))
        )


class IsolatedSystolic(Frozen):
    name: LocalizedText
    sbp: Condition
    dbp_below: float = Field(gt=0)


class HomeThreshold(Frozen):
    sbp: float = Field(gt=0)
    dbp: float = Field(gt=0)
    source: Source


class Scheme(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: LocalizedText
    source: Source
    categories: tuple[Category, ...] = Field(min_length=2)
    isolated_systolic: IsolatedSystolic | None = None
    home_threshold: HomeThreshold | None = None

    @model_validator(mode="after")
    def _last_is_catch_all(self) -> Scheme:
        last = self.categories[-1]
        if last.sbp is not None or last.dbp is not None:
            raise ValueError(f"{self.id}: the last category must have no condition")
        if any(c.sbp is None and c.dbp is None for c in self.categories[:-1]):
            raise ValueError(f"{self.id}: only the last category may be unconditional")
        return self


class BPKnowledge(Frozen):
    description: str = Field(min_length=1)
    schemes: tuple[Scheme, ...] = Field(min_length=1)

    def scheme(self, scheme_id: str) -> Scheme:
        for s in self.schemes:
            if s.id == scheme_id:
                return s
        raise InvalidInput(
            f"Unknown blood-pressure guideline {scheme_id!r}",
            params={"scheme": scheme_id, "known": [s.id for s in self.schemes]},
        )


def load_bp_knowledge(path: Path = BP_FILE) -> BPKnowledge:
    return load_model(path, BPKnowledge)


@cache
def default_bp_knowledge() -> BPKnowledge:
    return load_bp_knowledge()


@dataclass(frozen=True, slots=True)
class Classification:
    scheme: str
    category: str
    name: LocalizedText
    isolated_systolic: bool
    source: Source


def classify(sbp: float, dbp: float, scheme: str = "cn2024") -> Classification:
    """Category of an (average) office blood pressure under `scheme` ("cn2024": Chinese 2024
    guideline; "acc_aha2017": ACC/AHA 2017). When systolic and diastolic fall in different
    categories the more severe one applies.

    >>> classify(150, 85).category, classify(150, 85, "acc_aha2017").category
    ('grade1', 'stage2')
    """
    s = default_bp_knowledge().scheme(scheme)
    category = next(c for c in s.categories if c.matches(sbp, dbp))
    isolated = bool(
        s.isolated_systolic is not None
        and s.isolated_systolic.sbp.holds(sbp)
        and dbp < s.isolated_systolic.dbp_below
    )
    return Classification(s.id, category.id, category.name, isolated, s.source)


def home_above_threshold(sbp: float, dbp: float, scheme: str = "cn2024") -> bool | None:
    """Whether a home-BP average reaches the scheme's home diagnostic threshold (None when the
    scheme defines none)."""
    s = default_bp_knowledge().scheme(scheme)
    if s.home_threshold is None:
        return None
    return sbp >= s.home_threshold.sbp or dbp >= s.home_threshold.dbp


@dataclass(frozen=True, slots=True)
class Average:
    sbp: float
    dbp: float
    pulse: float | None
    count: int


def average(readings: Sequence[BPReading]) -> Average | None:
    """Mean systolic, diastolic (and pulse where recorded); None without readings."""
    if not readings:
        return None
    pulses = [r.pulse for r in readings if r.pulse is not None]
    return Average(
        sum(r.sbp for r in readings) / len(readings),
        sum(r.dbp for r in readings) / len(readings),
        sum(pulses) / len(pulses) if pulses else None,
        len(readings),
    )


def by_setting(readings: Sequence[BPReading], setting: Setting) -> list[BPReading]:
    return [r for r in readings if r.setting == setting]


def home_average(readings: Sequence[BPReading], drop_first_day: bool = False) -> Average | None:
    """Average of the home readings; optionally without the first (local) day, as home-monitoring
    protocols often discard it."""
    home = sorted(by_setting(readings, "home"), key=lambda r: r.time)
    if drop_first_day and home:
        first = home[0].time.date()
        rest = [r for r in home if r.time.date() != first]
        home = rest or home
    return average(home)


MORNING: Final = (time(4, 0), time(12, 0))
EVENING: Final = (time(18, 0), time(23, 59, 59, 999999))


def in_window(reading: BPReading, window: tuple[time, time]) -> bool:
    t = reading.time.timetz().replace(tzinfo=None)
    return window[0] <= t <= window[1]


def morning_evening(
    readings: Sequence[BPReading],
    morning: tuple[time, time] = MORNING,
    evening: tuple[time, time] = EVENING,
) -> dict[str, Average | float | None]:
    """Home morning and evening averages (local clock windows; defaults 04:00-12:00 and
    18:00-24:00) and the morning-minus-evening systolic difference, mmHg."""
    home = by_setting(readings, "home")
    am = average([r for r in home if in_window(r, morning)])
    pm = average([r for r in home if in_window(r, evening)])
    diff = am.sbp - pm.sbp if am is not None and pm is not None else None
    return {"morning": am, "evening": pm, "morning_evening_sbp_difference": diff}


@dataclass(frozen=True, slots=True)
class Variability:
    """Visit-to-visit / day-to-day variability of one pressure series, mmHg (CV in %).

    ARV, the average real variability, is the mean absolute difference between consecutive
    readings (Mena L et al., J Hypertens 2005;23(3):505-511); it reflects order, unlike SD.
    """

    sd: float
    cv: float
    arv: float


def variability(values: Sequence[float]) -> Variability:
    """SD (sample), CV = 100 SD / mean, and ARV of readings in time order (NaN if < 2).

    >>> variability([120, 130, 120, 130]).arv
    10.0
    """
    n = len(values)
    if n < 2:
        return Variability(math.nan, math.nan, math.nan)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    arv = sum(abs(b - a) for a, b in itertools.pairwise(values)) / (n - 1)
    return Variability(sd, 100.0 * sd / mean, arv)


def bp_variability(readings: Sequence[BPReading]) -> dict[str, Variability]:
    ordered = sorted(readings, key=lambda r: r.time)
    return {
        "sbp": variability([r.sbp for r in ordered]),
        "dbp": variability([r.dbp for r in ordered]),
    }
