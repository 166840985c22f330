"""Follow each test across reports: direction, size of the change and whether it crossed a
reference limit. Values are compared in the catalogue unit, so mg/dL and mmol/L reports mix.

Whether a change is larger than normal day-to-day variation needs the reference change value
(RCV) from biological variation data; `reference_change_value` implements the formula, but the
catalogue carries no biological-variation data yet, so `meaningful` stays None until it does.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import Field

from aegle.core.types import Frozen
from aegle.labs.catalogue import Catalogue, default_catalogue
from aegle.labs.model import Flag, LabItem, ParsedReport

Direction = Literal["up", "down", "stable"]


class TrendPoint(Frozen):
    when: datetime
    value: float = Field(description="In the catalogue unit of the test")
    flag: Flag | None = None


class Trend(Frozen):
    test_id: str
    unit: str | None
    points: list[TrendPoint]
    direction: Direction
    change: float
    change_percent: float | None
    crossed_limit: bool = Field(description="Moved between normal and abnormal")
    meaningful: bool | None = Field(
        default=None, description="Change beyond the RCV; None when no biological-variation data"
    )


def reference_change_value(cv_analytical: float, cv_within: float, z: float = 1.96) -> float:
    """RCV in percent: sqrt(2) * z * sqrt(CVa^2 + CVi^2) (Fraser, Biological Variation, 2001).

    >>> round(reference_change_value(2.0, 5.0), 1)
    14.9
    """
    return math.sqrt(2) * z * math.sqrt(cv_analytical**2 + cv_within**2)


def _value(item: LabItem, catalogue: Catalogue) -> float | None:
    if item.test_id is None or item.value is None or item.comparator is not None:
        return None
    test = catalogue.by_id[item.test_id]
    if item.ucum is None:
        return item.value
    factor = test.factor_from(item.ucum)
    return None if factor is None else item.value * factor


def trends(
    reports: list[tuple[datetime, ParsedReport]], catalogue: Catalogue | None = None
) -> dict[str, Trend]:
    """One trend per test seen in at least two reports, oldest point first."""
    catalogue = catalogue or default_catalogue()
    series: dict[str, list[TrendPoint]] = {}
    for when, report in sorted(reports, key=lambda pair: pair[0]):
        for item in report.items:
            value = _value(item, catalogue)
            if item.test_id is None or value is None:
                continue
            series.setdefault(item.test_id, []).append(
                TrendPoint(when=when, value=value, flag=item.flag)
            )
    result: dict[str, Trend] = {}
    for test_id, points in series.items():
        if len(points) < 2:
            continue
        first, last = points[0], points[-1]
        change = last.value - first.value
        direction: Direction = "up" if change > 0 else "down" if change < 0 else "stable"
        percent = change / first.value * 100 if first.value else None
        result[test_id] = Trend(
            test_id=test_id,
            unit=catalogue.by_id[test_id].unit,
            points=points,
            direction=direction,
            change=change,
            change_percent=percent,
            crossed_limit=(first.flag is None) != (last.flag is None),
        )
    return result
