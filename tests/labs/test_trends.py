"""Trends across reports: unit-independent, direction, limit crossing, RCV formula."""

from __future__ import annotations

import doctest
from datetime import datetime

import pytest

import aegle.labs.trends as trends_module
from aegle.labs.parse import parse_text
from aegle.labs.trends import reference_change_value, trends


def test_doctests() -> None:
    assert doctest.testmod(trends_module).failed == 0


def test_trend_across_units_and_dates() -> None:
    reports = [
        (datetime(2025, 3, 1), parse_text("Glucose 126 mg/dL 70-99\nALT 30 U/L 9-50")),
        (datetime(2024, 3, 1), parse_text("葡萄糖 5.5 mmol/L 3.9-6.1\nALT 30 U/L 9-50")),
    ]
    result = trends(reports)
    glucose = result["glu"]
    assert [p.when.year for p in glucose.points] == [2024, 2025]
    assert glucose.points[1].value == pytest.approx(126 * 0.0555)
    assert glucose.direction == "up"
    assert glucose.crossed_limit is True
    assert glucose.meaningful is None
    assert result["alt"].direction == "stable"
    assert result["alt"].crossed_limit is False


def test_single_reports_make_no_trend() -> None:
    assert trends([(datetime(2025, 1, 1), parse_text("ALT 30 U/L 9-50"))]) == {}


def test_rcv_formula() -> None:
    assert reference_change_value(0.0, 10.0) == pytest.approx(27.72, abs=0.01)
