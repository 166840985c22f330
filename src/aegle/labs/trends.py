"""Follow each test across reports: direction, size of the change and whether it crossed a
reference limit. Values are compared in the catalogue unit, so mg/dL and mmol/L reports mix.

Whether the latest change is larger than normal day-to-day variation uses the reference change
value (RCV, Fraser 2001): two results differ significantly (bidirectional, 95 %) when the
percent difference between them exceeds RCV = Z x sqrt(2) x sqrt(CVA^2 + CVI^2) with Z = 1.96.
CVI comes from the catalogue (`biological_variation`); CVA is the published analytical CV when
the catalogue gives one, otherwise the desirable imprecision 0.5 x CVI. Tests without
biological-variation data get `meaningful=None` rather than a guess.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import Field

from aegle.core.types import Frozen
from aegle.labs.catalogue import Catalogue, LabTest, default_catalogue
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
        default=None,
        description="Previous -> latest change beyond the RCV; None without biological variation",
    )
    rcv_percent: float | None = Field(
        default=None, description="Reference change value (%, bidirectional, 95 %)"
    )
    last_change_percent: float | None = Field(
        default=None, description="Previous -> latest change in percent of the previous value"
    )


Z_95 = 1.96  # two-sided 95 %: a rise or a fall can both be significant


def reference_change_value(cv_analytical: float, cv_within: float, z: float = Z_95) -> float:
    """RCV in percent: sqrt(2) * z * sqrt(CVa^2 + CVi^2) (Fraser, Biological Variation, 2001).

    >>> round(reference_change_value(2.0, 5.0), 1)
    14.9
    """
    return math.sqrt(2) * z * math.sqrt(cv_analytical**2 + cv_within**2)


def rcv_for_test(test: LabTest, z: float = Z_95) -> float | None:
    """The test's RCV in percent, or None when the catalogue has no biological variation."""
    bv = test.biological_variation
    if bv is None:
        return None
    return reference_change_value(bv.cva, bv.cv_within, z)


def is_meaningful(previous: float, latest: float, rcv_percent: float) -> bool | None:
    """True when the change from `previous` to `latest` exceeds the RCV (either direction).

    None when the previous value is zero or negative (a percent change has no meaning).

    >>> is_meaningful(100.0, 130.0, 20.0), is_meaningful(100.0, 85.0, 20.0)
    (True, False)
    """
    if previous <= 0:
        return None
    return abs(latest - previous) / previous * 100 > rcv_percent


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
    # Whether the newest result of each test is a number in a known unit: a newest `<0.5`,
    # `阴性` or unconvertible unit leaves nothing to judge against the RCV.
    newest_numeric: dict[str, bool] = {}
    for when, report in sorted(reports, key=lambda pair: pair[0]):
        for item in report.items:
            value = _value(item, catalogue)
            if item.test_id is not None:
                newest_numeric[item.test_id] = value is not None
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
        test = catalogue.by_id[test_id]
        rcv = rcv_for_test(test)
        previous, latest = points[-2].value, points[-1].value
        judged = newest_numeric[test_id] and previous > 0
        result[test_id] = Trend(
            test_id=test_id,
            unit=test.unit,
            points=points,
            direction=direction,
            change=change,
            change_percent=percent,
            crossed_limit=(first.flag is None) != (last.flag is None),
            meaningful=is_meaningful(previous, latest, rcv) if judged and rcv else None,
            rcv_percent=rcv,
            last_change_percent=(latest - previous) / previous * 100 if judged else None,
        )
    return result
