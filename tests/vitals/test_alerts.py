"""Alerts: rules as data with sources, glucose and blood-pressure events, deduplication."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import ConfigurationError
from aegle.core.types import TriageLevel
from aegle.vitals.alerts import (
    RULES_FILE,
    Delivered,
    bp_alerts,
    deduplicate,
    default_alert_rules,
    glucose_alerts,
    load_alert_rules,
)
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm import GlucoseSeries

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 6, 1, 0, 0)


def _cgm(values: list[float]) -> GlucoseSeries:
    moments = [START + timedelta(minutes=5 * i) for i in range(len(values))]
    return GlucoseSeries.from_local(moments, values, "Asia/Shanghai")


def test_rules_load_with_sources_and_both_languages() -> None:
    kb = load_alert_rules()
    assert {r.id for r in kb.rules} >= {"glucose_level2_hypo", "bp_crisis_range"}
    for rule in kb.rules:
        assert rule.source.title
        assert rule.source.edition
        assert rule.title.zh
        assert rule.title.en
        assert rule.advice.zh
        assert rule.advice.en


def test_unknown_placeholder_in_a_template_is_a_load_error(tmp_path: Path) -> None:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    raw["rules"][0]["explanation"]["en"] += " {heart_rate}"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="placeholders"):
        load_alert_rules(path)


def test_level2_low_lasting_15_minutes_raises_one_alert() -> None:
    # 20 minutes at 50 mg/dL (5 readings span 20 minutes), otherwise 110.
    values = [110.0] * 12 + [50.0] * 5 + [110.0] * 12
    alerts = glucose_alerts(_cgm(values))
    assert [a.rule_id for a in alerts] == ["glucose_level2_hypo"]  # the < 70 alert is covered
    alert = alerts[0]
    assert alert.value == 50
    assert alert.triage is TriageLevel.URGENT
    assert "20 minutes" in alert.explanation.en
    assert "3.0 mmol/L" in alert.explanation.en
    assert "分钟" in alert.explanation.zh
    assert len(alert.sources) == 2  # event definition and treatment advice


def test_short_dips_and_gaps_do_not_alert() -> None:
    short = [110.0] * 12 + [50.0] * 3 + [110.0] * 12  # 10 minutes only
    assert glucose_alerts(_cgm(short)) == []
    # Two low readings an hour apart with nothing in between: no evidence of a 15-minute low.
    moments = [START, START + timedelta(minutes=60)]
    gap = GlucoseSeries.from_local(moments, [50.0, 50.0], "Asia/Shanghai")
    assert glucose_alerts(gap) == []


def test_high_glucose_alert() -> None:
    values = [180.0] * 6 + [300.0] * 8 + [180.0] * 6
    alerts = glucose_alerts(_cgm(values))
    assert [a.rule_id for a in alerts] == ["glucose_level2_hyper"]
    assert alerts[0].value == 300


def _bp(day: int, hour: int, sbp: float, dbp: float) -> BPReading:
    return BPReading(datetime(2024, 6, 1, hour, tzinfo=SH) + timedelta(days=day), sbp, dbp)


def test_very_high_reading_escalates_with_symptoms() -> None:
    readings = [_bp(0, 8, 186, 100), _bp(0, 9, 150, 90)]
    now = datetime(2024, 6, 1, 10, tzinfo=SH)
    calm = bp_alerts(readings, now)
    assert [a.rule_id for a in calm] == ["bp_crisis_range"]
    assert calm[0].triage is TriageLevel.URGENT
    worried = bp_alerts(readings, now, symptoms=True)
    assert worried[0].triage is TriageLevel.EMERGENCY_AMBULANCE
    assert "120" in worried[0].advice.zh
    assert bp_alerts([_bp(0, 8, 180, 120)], now) == []  # the rule is "> 180 / > 120"


def test_sustained_high_home_average() -> None:
    week = [_bp(d, h, 142, 84) for d in range(7) for h in (7, 21)]
    now = datetime(2024, 6, 7, 22, tzinfo=SH)
    alerts = bp_alerts(week, now)
    assert [a.rule_id for a in alerts] == ["bp_home_average_high"]
    assert "142/84" in alerts[0].explanation.en
    too_few = bp_alerts(week[:3], now)
    assert too_few == []
    normal = [_bp(d, h, 122, 78) for d in range(7) for h in (7, 21)]
    assert bp_alerts(normal, now) == []


def test_deduplication_and_quiet_periods() -> None:
    low = [110.0] * 6 + [60.0] * 5 + [110.0] * 6
    first = glucose_alerts(_cgm(low))
    assert [a.rule_id for a in first] == ["glucose_level1_hypo"]
    delivered = [Delivered(first[0].rule_id, first[0].start)]
    # The same alert again (re-import) is not delivered twice.
    assert deduplicate(first, delivered) == []
    # Another low 65 minutes later falls in the 120-minute quiet period; one 4.5 hours later not.
    quiet = default_alert_rules()
    later = glucose_alerts(_cgm(low + [110.0] * 2 + [60.0] * 5 + [110.0] * 36 + [60.0] * 5))
    kept = deduplicate(later, delivered, quiet)
    assert [a.start - first[0].start for a in kept] == [timedelta(minutes=5 * 54)]


def test_extended_high_needs_90_of_120_minutes_and_replaces_the_level2_alert() -> None:
    # 100 minutes above 250 (20 readings of 5 minutes), then back to 150.
    values = [150.0] * 6 + [300.0] * 20 + [150.0] * 6
    alerts = glucose_alerts(_cgm(values))
    assert [a.rule_id for a in alerts] == ["glucose_extended_hyper"]
    alert = alerts[0]
    assert alert.value == 300
    assert alert.triage is TriageLevel.URGENT
    assert "100 minutes within 120" in alert.explanation.en
    assert "90 cumulative minutes" in alert.sources[0].section
    # 60 minutes above: a level 2 high, not an extended one.
    short = [150.0] * 6 + [300.0] * 12 + [150.0] * 6
    assert [a.rule_id for a in glucose_alerts(_cgm(short))] == ["glucose_level2_hyper"]


def test_extended_high_counts_interrupted_minutes_within_the_window() -> None:
    # 45 min above, 10 min below, 50 min above: 95 minutes above within 105 minutes.
    values = [150.0] * 4 + [300.0] * 9 + [200.0] * 2 + [300.0] * 10 + [150.0] * 4
    assert "glucose_extended_hyper" in {a.rule_id for a in glucose_alerts(_cgm(values))}


def test_spo2_needs_consecutive_low_readings() -> None:
    from aegle.vitals.alerts import Point, spo2_alerts

    t0 = datetime(2024, 6, 1, 2, 0, tzinfo=SH)
    one_low = [Point(t0 + timedelta(minutes=10 * i), v) for i, v in enumerate([96, 87, 95, 96])]
    assert spo2_alerts(one_low) == []
    two_low = [Point(t0 + timedelta(minutes=10 * i), v) for i, v in enumerate([96, 88, 86, 95])]
    alerts = spo2_alerts(two_low)
    assert [a.rule_id for a in alerts] == ["spo2_low"]
    assert alerts[0].value == 86
    assert "86%" in alerts[0].explanation.en
    assert "86%" in alerts[0].explanation.zh
    assert alerts[0].sources[0].publisher == "World Health Organization"
    # Two low readings a day apart are not one run.
    apart = [Point(t0, 85.0), Point(t0 + timedelta(days=1), 85.0)]
    assert spo2_alerts(apart) == []


def test_resting_hr_average_beyond_the_thresholds() -> None:
    from aegle.vitals.alerts import Point, resting_hr_alerts

    now = datetime(2024, 6, 8, 12, 0, tzinfo=SH)
    days = [now - timedelta(days=d) for d in range(7)]
    fast = [Point(day, 104.0) for day in days]
    alerts = resting_hr_alerts(fast, now)
    assert [a.rule_id for a in alerts] == ["resting_hr_high"]
    assert "104" in alerts[0].explanation.en
    slow = [Point(day, 45.0) for day in days]
    assert [a.rule_id for a in resting_hr_alerts(slow, now)] == ["resting_hr_low"]
    normal = [Point(day, 62.0) for day in days]
    assert resting_hr_alerts(normal, now) == []
    # Too few days measured: no judgement.
    assert resting_hr_alerts(fast[:3], now) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=30, max_value=400), min_size=0, max_size=80))
def test_alerts_are_deterministic_and_deduplication_is_idempotent(values: list[float]) -> None:
    first = glucose_alerts(_cgm(values))
    assert glucose_alerts(_cgm(values)) == first
    for alert in first:
        assert alert.start <= alert.end
        assert alert.explanation.zh
        assert alert.explanation.en
        assert "{" not in alert.explanation.en
    kept = deduplicate(first, [])
    delivered = [Delivered(a.rule_id, a.start) for a in kept]
    assert deduplicate(first, delivered) == []
    assert deduplicate(kept, []) == kept
