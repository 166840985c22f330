"""Trends across reports: unit-independent, direction, limit crossing, RCV formula."""

from __future__ import annotations

import doctest
from datetime import datetime

import pytest

import aegle.labs.trends as trends_module
from aegle.labs.catalogue import BiologicalVariation, default_catalogue
from aegle.labs.parse import parse_text
from aegle.labs.trends import (
    Trend,
    is_meaningful,
    rcv_for_test,
    reference_change_value,
    trends,
)


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
    # Glucose now has biological-variation data: 5.5 -> 6.99 mmol/L (+27 %) is beyond its RCV.
    assert glucose.meaningful is True
    assert result["alt"].meaningful is False
    assert result["alt"].direction == "stable"
    assert result["alt"].crossed_limit is False


def test_single_reports_make_no_trend() -> None:
    assert trends([(datetime(2025, 1, 1), parse_text("ALT 30 U/L 9-50"))]) == {}


def test_rcv_formula() -> None:
    assert reference_change_value(0.0, 10.0) == pytest.approx(27.72, abs=0.01)


def test_rcv_hand_computed_example() -> None:
    # ALT: CVI 19.4 %, CVA = desirable 0.5 x CVI = 9.7 %.
    # sqrt(9.7^2 + 19.4^2) = sqrt(470.45) = 21.690; x 1.96 x sqrt(2) = 2.77186 -> 60.12 %.
    assert reference_change_value(9.7, 19.4) == pytest.approx(60.12, abs=0.01)
    alt = default_catalogue().by_id["alt"]
    assert rcv_for_test(alt) == pytest.approx(60.12, abs=0.01)
    # A one-sided 95 % Z (1.65) gives a smaller RCV.
    assert reference_change_value(9.7, 19.4, z=1.65) == pytest.approx(50.61, abs=0.01)


def test_rcv_uses_a_published_analytical_cv_when_given() -> None:
    bv = BiologicalVariation(
        cv_within=5.0, analytical="published", cv_analytical=2.0, source="ricos_bv_2014"
    )
    assert bv.cva == 2.0
    assert reference_change_value(bv.cva, bv.cv_within) == pytest.approx(14.93, abs=0.01)
    assert BiologicalVariation(cv_within=5.0, source="x").cva == 2.5


def test_no_rcv_without_biological_variation() -> None:
    # Tumour marker CEA: no biological-variation data in the catalogue.
    assert rcv_for_test(default_catalogue().by_id["cea"]) is None


def _two(first: str, second: str) -> dict[str, Trend]:
    return trends(
        [(datetime(2025, 1, 1), parse_text(first)), (datetime(2025, 6, 1), parse_text(second))]
    )


def test_big_creatinine_change_is_meaningful_small_one_is_not() -> None:
    # Creatinine CVI 5.95 % -> RCV = 3.099 x 5.95 = 18.4 %.
    big = _two("肌酐 70 umol/L 57-97", "肌酐 90 umol/L 57-97")["crea"]
    assert big.rcv_percent == pytest.approx(18.44, abs=0.01)
    assert big.last_change_percent == pytest.approx(28.57, abs=0.01)
    assert big.meaningful is True
    small = _two("肌酐 70 umol/L 57-97", "肌酐 76 umol/L 57-97")["crea"]
    assert small.direction == "up"
    assert small.meaningful is False


def test_fall_beyond_the_rcv_is_meaningful_too() -> None:
    # ALT RCV 60.1 %: 100 -> 35 U/L is a 65 % fall, 100 -> 60 U/L a 40 % fall.
    assert _two("ALT 100 U/L 9-50", "ALT 35 U/L 9-50")["alt"].meaningful is True
    assert _two("ALT 100 U/L 9-50", "ALT 60 U/L 9-50")["alt"].meaningful is False


def test_meaningful_compares_the_last_two_results_across_units() -> None:
    # Glucose CVI 5.6 % -> RCV 17.4 %. 5.0 mmol/L -> 99 mg/dL (5.49 mmol/L, +9.9 %).
    reports = [
        (datetime(2024, 1, 1), parse_text("葡萄糖 8.0 mmol/L 3.9-6.1")),
        (datetime(2024, 6, 1), parse_text("葡萄糖 5.0 mmol/L 3.9-6.1")),
        (datetime(2025, 1, 1), parse_text("Glucose 99 mg/dL 70-99")),
    ]
    glucose = trends(reports)["glu"]
    assert glucose.rcv_percent == pytest.approx(17.35, abs=0.01)
    assert glucose.last_change_percent == pytest.approx(9.89, abs=0.05)
    assert glucose.meaningful is False


def test_tests_without_biological_variation_stay_unjudged() -> None:
    cea = _two("CEA 2.0 ng/mL 0-5", "CEA 9.0 ng/mL 0-5")["cea"]
    assert cea.meaningful is None
    assert cea.rcv_percent is None


def test_is_meaningful_edges() -> None:
    assert is_meaningful(0.0, 5.0, 10.0) is None
    assert is_meaningful(100.0, 110.0, 10.0) is False  # exactly at the RCV is not beyond it
    assert is_meaningful(100.0, 110.1, 10.0) is True


def test_no_verdict_when_the_newest_result_is_not_a_number() -> None:
    reports = [
        (datetime(2024, 1, 1), parse_text("C反应蛋白 2.0 mg/L 0-10")),
        (datetime(2024, 6, 1), parse_text("C反应蛋白 40.0 mg/L 0-10")),
        (datetime(2025, 1, 1), parse_text("C反应蛋白 <0.5 mg/L 0-10")),
    ]
    crp = trends(reports)["crp"]
    assert len(crp.points) == 2  # `<0.5` is not a point
    assert crp.rcv_percent is not None
    assert crp.meaningful is None
    assert crp.last_change_percent is None
    # Without the censored newest result the same rise is judged (+1900 %, RCV 131 %).
    assert trends(reports[:2])["crp"].meaningful is True
