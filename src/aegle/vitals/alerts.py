"""Alerts from device data: rules as data (`knowledge/alert_rules.yaml`), applied generically.

Pure functions: given readings (and what was already delivered), return the alerts that should
be raised now, each explaining itself in both languages with its source. Delivery (the in-app
inbox) is the caller's job.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import Field, model_validator

from aegle.core.errors import InvalidInput
from aegle.core.types import Frozen, LocalizedText, Severity, Source, TriageLevel
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.grid import DEFAULT_INTER_GAP
from aegle.vitals.cgm.series import MMOL_TO_MGDL, GlucoseSeries
from aegle.vitals.loader import KNOWLEDGE_DIR, load_model

RULES_FILE = KNOWLEDGE_DIR / "alert_rules.yaml"

_GLUCOSE_FIELDS: Final = {"threshold", "threshold_mmol", "duration", "extreme", "start"}
_BP_FIELDS: Final = {"sbp", "dbp", "start"}
_HOME_FIELDS: Final = {"sbp", "dbp", "count", "window_days"}
_CUMULATIVE_FIELDS: Final = _GLUCOSE_FIELDS | {"window"}
_SPO2_FIELDS: Final = {"threshold", "count", "extreme", "start"}
_HR_FIELDS: Final = {"threshold", "count", "value", "window_days"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class _RuleBase(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    severity: Severity
    triage: TriageLevel
    quiet_period_min: int = Field(ge=0)
    title: LocalizedText
    explanation: LocalizedText
    advice: LocalizedText
    source: Source
    advice_source: Source | None = None

    def _check_placeholders(self, allowed: set[str]) -> None:
        for text in (self.explanation.zh, self.explanation.en):
            unknown = _placeholders(text) - allowed
            if unknown:
                raise ValueError(f"{self.id}: unknown placeholders {sorted(unknown)}")
        for text in (self.advice.zh, self.advice.en, self.title.zh, self.title.en):
            if _placeholders(text):
                raise ValueError(f"{self.id}: titles and advice take no placeholders")


class GlucoseRule(_RuleBase):
    """Glucose beyond `threshold` (mg/dL) for at least `min_duration_min` consecutive minutes."""

    kind: Literal["glucose_below", "glucose_above"]
    threshold: float = Field(gt=0)
    min_duration_min: int = Field(gt=0)

    @model_validator(mode="after")
    def _texts(self) -> GlucoseRule:
        self._check_placeholders(set(_GLUCOSE_FIELDS))
        return self


class BPReadingRule(_RuleBase):
    """One reading with systolic above `sbp_above` or diastolic above `dbp_above` (mmHg)."""

    kind: Literal["bp_reading_above"]
    sbp_above: float = Field(gt=0)
    dbp_above: float = Field(gt=0)
    triage_with_symptoms: TriageLevel

    @model_validator(mode="after")
    def _texts(self) -> BPReadingRule:
        self._check_placeholders(set(_BP_FIELDS))
        return self


class BPHomeAverageRule(_RuleBase):
    """Home readings over the last `window_days` averaging at or above the thresholds."""

    kind: Literal["bp_home_average_above"]
    window_days: int = Field(gt=0)
    min_readings: int = Field(gt=0)
    sbp_at_least: float = Field(gt=0)
    dbp_at_least: float = Field(gt=0)

    @model_validator(mode="after")
    def _texts(self) -> BPHomeAverageRule:
        self._check_placeholders(set(_HOME_FIELDS))
        return self


class GlucoseCumulativeRule(_RuleBase):
    """Glucose above `threshold` (mg/dL) for at least `min_minutes` in total within any
    `window_min`-minute period (the consensus "extended hyperglycaemia" event)."""

    kind: Literal["glucose_above_cumulative"]
    threshold: float = Field(gt=0)
    window_min: int = Field(gt=0)
    min_minutes: int = Field(gt=0)

    @model_validator(mode="after")
    def _texts(self) -> GlucoseCumulativeRule:
        if self.min_minutes > self.window_min:
            raise ValueError(f"{self.id}: min_minutes exceeds window_min")
        self._check_placeholders(set(_CUMULATIVE_FIELDS))
        return self


class SpO2Rule(_RuleBase):
    """At least `min_readings` consecutive SpO2 readings (%) below `threshold`, each within
    `max_gap_min` of the previous one (a single low spot reading is often an artefact)."""

    kind: Literal["spo2_below"]
    threshold: float = Field(gt=0, le=100)
    min_readings: int = Field(ge=1)
    max_gap_min: int = Field(gt=0)

    @model_validator(mode="after")
    def _texts(self) -> SpO2Rule:
        self._check_placeholders(set(_SPO2_FIELDS))
        return self


class RestingHRRule(_RuleBase):
    """Daily resting heart rates (beats/min) of the last `window_days` averaging above (or
    below) `threshold`, with at least `min_days` days measured."""

    kind: Literal["resting_hr_average_above", "resting_hr_average_below"]
    threshold: float = Field(gt=0)
    window_days: int = Field(gt=0)
    min_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _texts(self) -> RestingHRRule:
        if self.min_days > self.window_days:
            raise ValueError(f"{self.id}: min_days exceeds window_days")
        self._check_placeholders(set(_HR_FIELDS))
        return self


Rule = Annotated[
    GlucoseRule
    | GlucoseCumulativeRule
    | BPReadingRule
    | BPHomeAverageRule
    | SpO2Rule
    | RestingHRRule,
    Field(discriminator="kind"),
]


class AlertRules(Frozen):
    description: str = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AlertRules:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate rule ids")
        return self


def load_alert_rules(path: Path = RULES_FILE) -> AlertRules:
    return load_model(path, AlertRules)


@cache
def default_alert_rules() -> AlertRules:
    return load_alert_rules()


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. `start`/`end` bound the event (aware datetimes); `value` is its extreme."""

    rule_id: str
    severity: Severity
    triage: TriageLevel
    start: datetime
    end: datetime
    value: float
    title: LocalizedText
    explanation: LocalizedText
    advice: LocalizedText
    sources: tuple[Source, ...]


def _fill(template: LocalizedText, values: dict[str, object]) -> LocalizedText:
    return LocalizedText(zh=template.zh.format(**values), en=template.en.format(**values))


def _alert(
    rule: _RuleBase,
    start: datetime,
    end: datetime,
    value: float,
    values: dict[str, object],
    triage: TriageLevel | None = None,
) -> Alert:
    """The alert `rule` raises over [start, end], its explanation filled with `values`
    (`triage` overrides the rule's, e.g. when symptoms were reported)."""
    return Alert(
        rule.id,
        rule.severity,
        triage or rule.triage,
        start,
        end,
        value,
        rule.title,
        _fill(rule.explanation, values),
        rule.advice,
        _sources(rule),
    )


def _sources(rule: _RuleBase) -> tuple[Source, ...]:
    return (rule.source,) if rule.advice_source is None else (rule.source, rule.advice_source)


def _runs_beyond(
    series: GlucoseSeries, rule: GlucoseRule, inter_gap_min: float
) -> list[tuple[int, int]]:
    """Index ranges of consecutive readings beyond the threshold, broken by long gaps."""
    g, t = series.glucose, series.times
    beyond = g < rule.threshold if rule.kind == "glucose_below" else g > rule.threshold
    breaks = np.ones(g.size, dtype=bool)
    breaks[1:] = (beyond[1:] != beyond[:-1]) | (np.diff(t) > inter_gap_min * 60.0)
    starts = np.nonzero(breaks)[0]
    ends = np.concatenate((starts[1:], [g.size]))
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if beyond[s]]


def glucose_alerts(
    series: GlucoseSeries,
    rules: AlertRules | None = None,
    inter_gap_min: float = DEFAULT_INTER_GAP,
) -> list[Alert]:
    """Alerts for every run of readings beyond a glucose rule's threshold that lasts at least
    the rule's duration (first to last reading of the run). Gaps longer than `inter_gap_min`
    end a run: no event is assumed across missing data."""
    kb = rules or default_alert_rules()
    info = ZoneInfo(series.tz)
    out: list[Alert] = []
    for rule in kb.rules:
        if not isinstance(rule, GlucoseRule) or series.size == 0:
            continue
        for s, e in _runs_beyond(series, rule, inter_gap_min):
            minutes = (series.times[e - 1] - series.times[s]) / 60.0
            if minutes < rule.min_duration_min:
                continue
            chunk = series.glucose[s:e]
            extreme = float(chunk.min() if rule.kind == "glucose_below" else chunk.max())
            start = datetime.fromtimestamp(float(series.times[s]), info)
            end = datetime.fromtimestamp(float(series.times[e - 1]), info)
            values: dict[str, object] = {
                "threshold": f"{rule.threshold:g}",
                "threshold_mmol": f"{rule.threshold / MMOL_TO_MGDL:.1f}",
                "duration": f"{minutes:.0f}",
                "extreme": f"{extreme:.0f}",
                "start": start.strftime("%Y-%m-%d %H:%M"),
            }
            out.append(_alert(rule, start, end, extreme, values))
    out.extend(_cumulative_alerts(series, kb, info))
    return sorted(_drop_covered(out, kb), key=lambda a: (a.start, a.rule_id))


def _cumulative_alerts(series: GlucoseSeries, kb: AlertRules, info: ZoneInfo) -> list[Alert]:
    """Extended events: each reading counts for the time until the next one (capped at the
    typical sampling interval, so gaps add nothing); a window starting at a reading above the
    threshold qualifies when its readings above add up to `min_minutes`. Overlapping
    qualifying windows are one event."""
    out: list[Alert] = []
    t, g = series.times, series.glucose
    if t.size < 2:
        return out
    step = float(np.median(np.diff(t)))
    weights = np.minimum(np.diff(t, append=t[-1] + step), step) / 60.0
    for rule in kb.rules:
        if not isinstance(rule, GlucoseCumulativeRule):
            continue
        above = g > rule.threshold
        minutes = np.concatenate(([0.0], np.cumsum(np.where(above, weights, 0.0))))
        ends = np.searchsorted(t, t + rule.window_min * 60.0, side="left")
        totals = minutes[ends] - minutes[np.arange(t.size)]
        hits = np.nonzero(above & (totals >= rule.min_minutes))[0]
        event_start = -1
        event_end = -1
        best = 0.0
        for i in [*hits.tolist(), -1]:
            if i >= 0 and event_start >= 0 and t[i] <= t[event_end]:
                event_end = max(event_end, int(ends[i]) - 1)
                best = max(best, float(totals[i]))
                continue
            if event_start >= 0:
                chunk = g[event_start : event_end + 1]
                start = datetime.fromtimestamp(float(t[event_start]), info)
                values: dict[str, object] = {
                    "threshold": f"{rule.threshold:g}",
                    "threshold_mmol": f"{rule.threshold / MMOL_TO_MGDL:.1f}",
                    "duration": f"{best:.0f}",
                    "extreme": f"{float(chunk.max()):.0f}",
                    "start": start.strftime("%Y-%m-%d %H:%M"),
                    "window": rule.window_min,
                }
                out.append(
                    _alert(
                        rule,
                        start,
                        datetime.fromtimestamp(float(t[event_end]), info),
                        float(chunk.max()),
                        values,
                    )
                )
            if i >= 0:
                event_start, event_end, best = i, int(ends[i]) - 1, float(totals[i])
    return out


def _drop_covered(alerts: list[Alert], kb: AlertRules) -> list[Alert]:
    """One event, one alert: a milder glucose alert (e.g. < 70) is dropped when a stricter rule
    of the same kind (< 54) fired during the same run, and a high-glucose run is dropped when
    it overlaps an extended high-glucose event at the same or a higher threshold."""
    rules = {r.id: r for r in kb.rules if isinstance(r, GlucoseRule)}
    extended = {r.id: r for r in kb.rules if isinstance(r, GlucoseCumulativeRule)}

    def stricter(a: GlucoseRule, b: GlucoseRule) -> bool:
        if a.kind != b.kind:
            return False
        return a.threshold < b.threshold if a.kind == "glucose_below" else a.threshold > b.threshold

    kept = []
    for alert in alerts:
        rule = rules.get(alert.rule_id)
        if rule is None:
            kept.append(alert)
            continue
        covered = any(
            other.rule_id in rules
            and stricter(rules[other.rule_id], rule)
            and alert.start <= other.start
            and other.end <= alert.end
            for other in alerts
        ) or any(
            rule.kind == "glucose_above"
            and other.rule_id in extended
            and extended[other.rule_id].threshold >= rule.threshold
            and alert.start <= other.end
            and other.start <= alert.end
            for other in alerts
        )
        if not covered:
            kept.append(alert)
    return kept


def bp_alerts(
    readings: Sequence[BPReading],
    now: datetime,
    symptoms: bool = False,
    rules: AlertRules | None = None,
) -> list[Alert]:
    """Alerts for single very high readings and for high home averages over the last days.

    Args:
        readings: the person's readings (any order).
        now: the evaluation time (aware); the home-average window ends here.
        symptoms: the person reports symptoms now (chest pain, breathlessness, weakness, ...);
            raises the triage of very high readings to the rule's `triage_with_symptoms`.
    """
    if now.tzinfo is None:
        raise InvalidInput("`now` must carry a time zone")
    kb = rules or default_alert_rules()
    ordered = sorted(readings, key=lambda r: r.time)
    out: list[Alert] = []
    for rule in kb.rules:
        if isinstance(rule, BPReadingRule):
            for r in ordered:
                if r.sbp > rule.sbp_above or r.dbp > rule.dbp_above:
                    values: dict[str, object] = {
                        "sbp": f"{r.sbp:.0f}",
                        "dbp": f"{r.dbp:.0f}",
                        "start": r.time.strftime("%Y-%m-%d %H:%M"),
                    }
                    triage = rule.triage_with_symptoms if symptoms else rule.triage
                    out.append(_alert(rule, r.time, r.time, r.sbp, values, triage))
        elif isinstance(rule, BPHomeAverageRule):
            since = now - timedelta(days=rule.window_days)
            home = [r for r in ordered if r.setting == "home" and since < r.time <= now]
            if len(home) < rule.min_readings:
                continue
            sbp = sum(r.sbp for r in home) / len(home)
            dbp = sum(r.dbp for r in home) / len(home)
            if sbp >= rule.sbp_at_least or dbp >= rule.dbp_at_least:
                values = {
                    "sbp": f"{sbp:.0f}",
                    "dbp": f"{dbp:.0f}",
                    "count": len(home),
                    "window_days": rule.window_days,
                }
                out.append(_alert(rule, home[0].time, home[-1].time, sbp, values))
    return sorted(out, key=lambda a: (a.start, a.rule_id))


@dataclass(frozen=True, slots=True)
class Point:
    """One dated value (aware datetime)."""

    time: datetime
    value: float


def spo2_alerts(readings: Sequence[Point], rules: AlertRules | None = None) -> list[Alert]:
    """Alerts for runs of consecutive low oxygen-saturation readings (%)."""
    kb = rules or default_alert_rules()
    ordered = sorted(readings, key=lambda p: p.time)
    out: list[Alert] = []
    for rule in kb.rules:
        if not isinstance(rule, SpO2Rule):
            continue
        gap = timedelta(minutes=rule.max_gap_min)
        run: list[Point] = []
        for point in [*ordered, None]:
            low = point is not None and point.value < rule.threshold
            if low and point is not None and (not run or point.time - run[-1].time <= gap):
                run.append(point)
                continue
            if len(run) >= rule.min_readings:
                lowest = min(p.value for p in run)
                values: dict[str, object] = {
                    "threshold": f"{rule.threshold:g}",
                    "count": len(run),
                    "extreme": f"{lowest:.0f}",
                    "start": run[0].time.strftime("%Y-%m-%d %H:%M"),
                }
                out.append(_alert(rule, run[0].time, run[-1].time, lowest, values))
            run = [point] if low and point is not None else []
    return sorted(out, key=lambda a: (a.start, a.rule_id))


def resting_hr_alerts(
    daily: Sequence[Point], now: datetime, rules: AlertRules | None = None
) -> list[Alert]:
    """Alerts when the daily resting heart rates of the last days average beyond a threshold.

    Args:
        daily: one resting heart rate per day (beats/min), dated.
        now: the evaluation time (aware); the window ends here.
    """
    if now.tzinfo is None:
        raise InvalidInput("`now` must carry a time zone")
    kb = rules or default_alert_rules()
    out: list[Alert] = []
    for rule in kb.rules:
        if not isinstance(rule, RestingHRRule):
            continue
        since = now - timedelta(days=rule.window_days)
        days = sorted((p for p in daily if since < p.time <= now), key=lambda p: p.time)
        if len({p.time.date() for p in days}) < rule.min_days:
            continue
        mean = sum(p.value for p in days) / len(days)
        beyond = (
            mean > rule.threshold
            if rule.kind == "resting_hr_average_above"
            else mean < rule.threshold
        )
        if not beyond:
            continue
        values: dict[str, object] = {
            "threshold": f"{rule.threshold:g}",
            "count": len(days),
            "value": f"{mean:.0f}",
            "window_days": rule.window_days,
        }
        out.append(_alert(rule, days[0].time, days[-1].time, mean, values))
    return out


@dataclass(frozen=True, slots=True)
class Delivered:
    """An alert already delivered to the person (from the inbox)."""

    rule_id: str
    start: datetime


def deduplicate(
    alerts: Sequence[Alert], delivered: Sequence[Delivered], rules: AlertRules | None = None
) -> list[Alert]:
    """Drop alerts already delivered (same rule and start) and alerts that start within the
    rule's quiet period after an earlier alert of the same rule (delivered or in this batch)."""
    kb = rules or default_alert_rules()
    quiet = {r.id: timedelta(minutes=r.quiet_period_min) for r in kb.rules}
    last: dict[str, datetime] = {}
    seen = {(d.rule_id, d.start) for d in delivered}
    for d in sorted(delivered, key=lambda d: d.start):
        last[d.rule_id] = max(last.get(d.rule_id, d.start), d.start)
    kept: list[Alert] = []
    for alert in sorted(alerts, key=lambda a: a.start):
        if (alert.rule_id, alert.start) in seen:
            continue
        previous = last.get(alert.rule_id)
        window = quiet.get(alert.rule_id, timedelta(0))
        if previous is not None and previous <= alert.start < previous + window:
            continue
        kept.append(alert)
        seen.add((alert.rule_id, alert.start))
        last[alert.rule_id] = alert.start
    return kept
