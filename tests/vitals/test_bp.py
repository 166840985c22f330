"""Blood pressure: classification by both guidelines, averages, morning/evening, variability."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aegle.core.errors import InvalidInput
from aegle.vitals.bp import (
    BPReading,
    bp_variability,
    classify,
    home_above_threshold,
    home_average,
    morning_evening,
    variability,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("sbp", "dbp", "category"),
    [
        (118, 78, "normal"),
        (120, 70, "high_normal"),
        (130, 85, "high_normal"),
        (139, 89, "high_normal"),
        (140, 70, "grade1"),
        (135, 90, "grade1"),
        (165, 85, "grade2"),
        (150, 105, "grade2"),  # the more severe of the two applies
        (182, 95, "grade3"),
        (130, 112, "grade3"),
    ],
)
def test_chinese_2024_categories(sbp: float, dbp: float, category: str) -> None:
    result = classify(sbp, dbp, "cn2024")
    assert result.category == category
    assert result.name.zh
    assert result.name.en
    assert "2024" in result.source.edition


@pytest.mark.parametrize(
    ("sbp", "dbp", "category"),
    [
        (118, 78, "normal"),
        (125, 78, "elevated"),
        (125, 80, "stage1"),
        (134, 70, "stage1"),
        (140, 70, "stage2"),
        (128, 92, "stage2"),
        (180, 110, "stage2"),  # "> 180": exactly 180 is not yet the crisis range
        (181, 100, "crisis_range"),
        (150, 121, "crisis_range"),
    ],
)
def test_acc_aha_2017_categories(sbp: float, dbp: float, category: str) -> None:
    assert classify(sbp, dbp, "acc_aha2017").category == category


def test_isolated_systolic_and_home_threshold() -> None:
    assert classify(150, 80).isolated_systolic
    assert not classify(150, 92).isolated_systolic
    assert home_above_threshold(136, 80) is True
    assert home_above_threshold(134, 84) is False
    # ACC/AHA 2017 Table 11: home 130/80 corresponds to office 130/80.
    assert home_above_threshold(131, 70, "acc_aha2017") is True
    assert home_above_threshold(129, 79, "acc_aha2017") is False
    with pytest.raises(InvalidInput):
        classify(120, 80, "nice2019")


@given(st.integers(80, 250), st.integers(40, 140))
def test_classification_is_monotone_in_systolic(sbp: int, dbp: int) -> None:
    order = ["normal", "high_normal", "grade1", "grade2", "grade3"]
    if dbp >= sbp:
        return
    a = order.index(classify(sbp, dbp).category)
    b = order.index(classify(sbp + 10, dbp).category)
    assert b >= a


def _reading(day: int, hour: int, sbp: float, dbp: float, setting: str = "home") -> BPReading:
    moment = datetime(2024, 6, 1, hour, 0, tzinfo=SH) + timedelta(days=day)
    return BPReading(moment, sbp, dbp, pulse=70, setting=setting)  # type: ignore[arg-type]


def test_home_and_morning_evening_averages() -> None:
    readings = [
        _reading(0, 7, 160, 100),  # first day, dropped on request
        _reading(1, 7, 140, 90),
        _reading(1, 21, 130, 80),
        _reading(2, 7, 142, 88),
        _reading(2, 21, 128, 82),
        _reading(2, 10, 150, 95, "office"),
    ]
    avg = home_average(readings, drop_first_day=True)
    assert avg is not None
    assert avg.count == 4
    assert avg.sbp == pytest.approx(135)
    assert avg.pulse == pytest.approx(70)
    split = morning_evening(readings)
    morning, evening = split["morning"], split["evening"]
    assert morning is not None
    assert evening is not None
    assert split["morning_evening_sbp_difference"] == pytest.approx((160 + 140 + 142) / 3 - 129)


def test_variability_sd_cv_arv() -> None:
    v = variability([120, 130, 120, 130])
    assert v.arv == pytest.approx(10)
    assert v.sd == pytest.approx(5.7735, rel=1e-4)
    assert v.cv == pytest.approx(100 * v.sd / 125)
    # Same values, other order: SD unchanged, ARV reflects the order.
    assert variability([120, 120, 130, 130]).arv == pytest.approx(10 / 3)
    assert math.isnan(variability([120]).sd)
    readings = [_reading(d, 7, 120 + 5 * d, 80) for d in range(4)]
    assert bp_variability(readings)["sbp"].arv == pytest.approx(5)


def test_readings_are_validated() -> None:
    with pytest.raises(InvalidInput):
        BPReading(datetime(2024, 1, 1, 8), 120, 80)  # no time zone
    with pytest.raises(InvalidInput):
        BPReading(datetime(2024, 1, 1, 8, tzinfo=SH), 80, 120)  # diastolic above systolic


def test_bp_knowledge_needs_a_catch_all_last_category(tmp_path: Path) -> None:
    import yaml

    from aegle.core.errors import ConfigurationError
    from aegle.vitals.bp import BP_FILE, load_bp_knowledge

    raw = yaml.safe_load(BP_FILE.read_text(encoding="utf-8"))
    raw["schemes"][0]["categories"].pop()  # drop "normal"
    path = tmp_path / "bp.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="last category"):
        load_bp_knowledge(path)
