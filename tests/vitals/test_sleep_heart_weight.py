"""Sleep, heart rate / HRV and weight / BMI metrics."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aegle.core.errors import InvalidInput
from aegle.vitals.heart import DailyValue, hrv, resting_hr_daily, trend_per_week
from aegle.vitals.sleep import (
    SleepSession,
    circular_mean_clock,
    sleep_regularity_index,
    summarise,
)
from aegle.vitals.weight import bmi, classify_bmi, weight_trend

SH = ZoneInfo("Asia/Shanghai")


def _night(day: int, bed: tuple[int, int], hours: float, awake_min: float = 0) -> SleepSession:
    start = datetime(2024, 6, 1, *bed, tzinfo=SH) + timedelta(days=day)
    end = start + timedelta(hours=hours)
    onset = start + timedelta(minutes=15)
    return SleepSession(start, end, ((onset, end - timedelta(minutes=awake_min)),))


def test_sleep_duration_efficiency_and_timing() -> None:
    nights = [_night(d, (23, 0), 8) for d in range(7)]
    summary = summarise(nights)
    assert summary.nights == 7
    assert summary.mean_time_in_bed_min == pytest.approx(480)
    assert summary.mean_total_sleep_min == pytest.approx(465)
    assert summary.mean_efficiency == pytest.approx(100 * 465 / 480)
    assert summary.mean_onset_clock == pytest.approx(23 * 60 + 15)
    assert summary.mean_wake_clock == pytest.approx(7 * 60, abs=1e-6)
    assert summary.midpoint_sd_min == pytest.approx(0, abs=1e-3)


def test_clock_times_average_across_midnight() -> None:
    moments = [datetime(2024, 6, 1, 23, 30, tzinfo=SH), datetime(2024, 6, 2, 0, 30, tzinfo=SH)]
    value = circular_mean_clock(moments)
    assert min(value, 1440 - value) == pytest.approx(0, abs=1e-6)


def test_sleep_regularity_index() -> None:
    regular = [_night(d, (23, 0), 8) for d in range(7)]
    assert sleep_regularity_index(regular) == pytest.approx(100)
    shifted = [_night(d, (23, 0) if d % 2 == 0 else (3, 0), 8) for d in range(7)]
    assert sleep_regularity_index(shifted) < 60
    assert math.isnan(sleep_regularity_index(regular[:1]))


def test_overlapping_asleep_intervals_count_once() -> None:
    start = datetime(2024, 6, 1, 23, 0, tzinfo=SH)
    a = (start, start + timedelta(hours=4))
    b = (start + timedelta(hours=3), start + timedelta(hours=6))
    session = SleepSession(start, start + timedelta(hours=8), (a, b))
    assert session.total_sleep_min == pytest.approx(360)
    with pytest.raises(InvalidInput):
        SleepSession(start, start - timedelta(hours=1))


def test_resting_hr_is_the_calmest_half_hour_each_day() -> None:
    t0 = datetime(2024, 6, 1, tzinfo=SH).timestamp()
    minutes = np.arange(0, 2 * 1440)
    hr = np.where((minutes % 1440 >= 180) & (minutes % 1440 < 240), 52.0, 75.0)
    hr[minutes >= 1440] += 3  # day two is a little higher
    days = resting_hr_daily(t0 + minutes * 60.0, hr, "Asia/Shanghai")
    assert [d.value for d in days] == pytest.approx([52.0, 55.0])
    assert trend_per_week(days) == pytest.approx(21.0)
    assert math.isnan(trend_per_week([DailyValue(1, 50.0)]))


def test_hrv_time_domain() -> None:
    result = hrv([800, 810, 790, 800, 5000, 800])
    assert result.beats == 5  # 5000 ms is an artefact
    assert result.mean_nn == pytest.approx(800)
    # Successive differences only between neighbours: 10, -20, 10 (not across the artefact).
    assert result.rmssd == pytest.approx(math.sqrt((100 + 400 + 100) / 3))
    assert result.sdnn == pytest.approx(float(np.std([800, 810, 790, 800, 800], ddof=1)))
    assert math.isnan(hrv([800]).sdnn)


def test_bmi_categories_differ_between_chinese_and_who_cut_offs() -> None:
    assert bmi(70, 1.75) == pytest.approx(22.857, rel=1e-4)
    assert classify_bmi(75, 1.70, "cn").category == "overweight"  # 25.95
    assert classify_bmi(75, 1.70, "who").category == "overweight"
    assert classify_bmi(72, 1.70, "cn").category == "overweight"  # 24.9 >= 24
    assert classify_bmi(72, 1.70, "who").category == "normal"  # 24.9 < 25
    assert classify_bmi(82, 1.70, "cn").category == "obese"  # 28.4
    assert classify_bmi(50, 1.70, "cn").category == "underweight"
    with pytest.raises(InvalidInput):
        bmi(70, 17.0)


def test_weight_trend() -> None:
    start = datetime(2024, 1, 1, 7, tzinfo=SH)
    points = [(start + timedelta(days=d), 80.0 - 0.1 * d) for d in range(29)]
    trend = weight_trend(points)
    assert trend.per_week == pytest.approx(-0.7)
    assert trend.change_kg == pytest.approx(-2.8)
    assert trend.change_percent == pytest.approx(-3.5)
    assert trend.days == pytest.approx(28)
