"""Health data in the chat: the person's device data, judged by the vitals engine, as a reply.

The conversation service reads the data (it needs the database) into a `Snapshot`; this module
is pure. It answers about glucose, blood pressure, sleep, resting heart rate, weight and blood
oxygen: the metrics, a chart card (the chart is drawn by the entry point from the same data),
the interpretation against the guideline targets with their sources, and what to do. A question
that names no kind gets an overview of every kind with data; no data says how to import it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import Field

from aegle.assistant.model import Card, Reply
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts
from aegle.core.types import Citation, Frozen, LocaleCode, LocalizedText
from aegle.vitals import bp as bp_engine
from aegle.vitals.alerts import RestingHRRule, SpO2Rule, default_alert_rules
from aegle.vitals.cgm import summary as stats
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.entries import (
    SUFFICIENCY_ID,
    alert_id,
    bmi_id,
    bp_id,
    cgm_target_id,
    reference_id,
)
from aegle.vitals.heart import DailyValue, trend_per_week
from aegle.vitals.loader import load_model
from aegle.vitals.references import default_references
from aegle.vitals.sleep import summarise
from aegle.vitals.snapshot import Snapshot
from aegle.vitals.targets import assess, default_targets, range_metric
from aegle.vitals.weight import classify_bmi, default_bmi_knowledge, weight_trend

MGDL_PER_MMOL = 18.0
DEFAULT_GROUP = "t1d_t2d_adult"
HEALTH_TEXTS = Path(__file__).resolve().parent / "knowledge" / "health_texts.yaml"

Kind = Literal["glucose", "bp", "sleep", "heart_rate", "weight", "spo2"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
CHART_OF: Final[dict[Kind, str]] = {
    "glucose": "agp",
    "bp": "bp",
    "sleep": "sleep",
    "heart_rate": "heart_rate",
    "weight": "weight",
    "spo2": "spo2",
}
# Words that say which kind of data a question is about (lower-cased, zh and en).
_CUES: Final[dict[Kind, tuple[str, ...]]] = {
    "glucose": (
        "血糖",
        "低血糖",
        "高血糖",
        "控糖",
        "糖化",
        "cgm",
        "glucose",
        "sugar",
        "a1c",
        "gmi",
        "time in range",
        "hypo",
        "hyper",
    ),
    "bp": (
        "血压",
        "高压",
        "低压",
        "收缩压",
        "舒张压",
        "高血压",
        "blood pressure",
        "bp",
        "hypertension",
        "systolic",
        "diastolic",
    ),
    "sleep": ("睡眠", "睡觉", "睡得", "失眠", "入睡", "sleep", "slept", "insomnia"),
    "heart_rate": ("心率", "心跳", "脉搏", "heart rate", "pulse", "resting hr", "hrv"),
    "weight": ("体重", "减肥", "bmi", "胖", "weight", "kilos", "kg"),
    "spo2": ("血氧", "氧饱和", "spo2", "oxygen", "saturation"),
}
_WORD = re.compile(r"[a-z0-9]+")


class HealthTexts(Frozen):
    description: str = Field(min_length=1)
    texts: dict[str, LocalizedText]

    def get(self, key: str, locale: LocaleCode, **values: object) -> str:
        template = self.texts[key].get(locale)
        return template.format(**values) if values else template


@cache
def health_texts() -> HealthTexts:
    return load_model(HEALTH_TEXTS, HealthTexts)


def topics(text: str) -> tuple[Kind, ...]:
    """The kinds of data a question asks about, in `KINDS` order (empty: none named).

    >>> topics("我最近血压怎么样"), topics("how did I sleep and what is my weight")
    (('bp',), ('sleep', 'weight'))
    """
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    found: list[Kind] = []
    for kind in KINDS:
        for cue in _CUES[kind]:
            latin = cue.isascii()
            hit = (cue in words if " " not in cue else cue in lowered) if latin else cue in lowered
            if hit:
                found.append(kind)
                break
    return tuple(found)


_WEEK = (
    "this week",
    "past week",
    "last week",
    "7 days",
    "seven days",
    "本周",
    "这周",
    "这一周",
    "一周",
    "7天",
    "七天",
)
_MONTH = (
    "this month",
    "past month",
    "last month",
    "30 days",
    "本月",
    "这个月",
    "一个月",
    "30天",
    "三十天",
)


def window_days(text: str, default: int = 14) -> int:
    """How many days back a question asks about: a week, a month, or `default` (the CGM
    consensus report's 14 days).

    >>> window_days("how was my blood pressure this week"), window_days("我最近血压怎么样")
    (7, 14)
    """
    lowered = text.lower()
    if any(cue in lowered for cue in _WEEK):
        return 7
    if any(cue in lowered for cue in _MONTH):
        return 30
    return default


@dataclass(slots=True)
class _Section:
    kind: Kind
    summary: str
    checks: list[str] = field(default_factory=list)
    cited: list[Citation] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    has_data: bool = True


def _fmt(value: float, digits: int) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def _clock(minutes: float) -> str:
    if math.isnan(minutes):
        return "–"
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def health_reply(
    text: str,
    snapshot: Snapshot,
    locale: LocaleCode,
    texts: AssistantTexts,
    *,
    bp_scheme: str = "cn2024",
) -> Reply:
    """Answer a health-data question from the person's `snapshot`."""
    ht = health_texts()
    asked = topics(text)
    kinds = asked or tuple(k for k in KINDS if snapshot.has(k))
    days = snapshot.days
    if not kinds:
        body = ht.get("none_any", locale, days=days)
        return Reply(
            text=f"{body} {ht.get('how_to_import', locale)}",
            cards=(disclaimer_card(texts, locale),),
            intent="health_data",
        )
    sections = [_section(kind, snapshot, locale, texts, bp_scheme) for kind in kinds]
    lines = [s.summary for s in sections]
    if not asked:
        lines.insert(0, ht.get("overview_intro", locale, days=days))
    cards: list[Card] = []
    advice: list[str] = []
    for section in sections:
        if not section.has_data:
            continue
        cards.append(_chart_card(section, locale, days))
        if section.checks:
            cards.append(
                Card(
                    kind="info",
                    title=f"{ht.get('kind_' + section.kind, locale)} · "
                    f"{ht.get('interpretation_title', locale)}",
                    items=tuple(section.checks),
                    citations=_unique(section.cited),
                )
            )
        advice.extend(a for a in section.advice if a not in advice)
    if advice:
        cards.append(Card(kind="info", title=ht.get("advice_title", locale), items=tuple(advice)))
    if any(not s.has_data for s in sections):
        cards.append(Card(kind="info", title="", body=ht.get("how_to_import", locale)))
    cards.append(disclaimer_card(texts, locale))
    return Reply(text="\n".join(lines), cards=tuple(cards), intent="health_data")


def _chart_card(section: _Section, locale: LocaleCode, days: int) -> Card:
    """A chart the entry point draws: `items` holds the chart's name (see `CHART_OF`) and the
    number of days it covers; the body is the text alternative."""
    return Card(
        kind="chart",
        title=health_texts().get("chart_" + section.kind, locale),
        body=section.summary,
        items=(CHART_OF[section.kind], str(days)),
    )


def _unique(cited: list[Citation]) -> tuple[Citation, ...]:
    """Each source section once, cited by its first entry (ids: vitals/entries.py); the entry's
    page shows the entries beside it (a target group's other targets) in its context."""
    first: dict[tuple[str | None, str | None], Citation] = {}
    for c in cited:
        first.setdefault((c.title, c.section), c)
    return tuple(first.values())


def _section(
    kind: Kind, snapshot: Snapshot, locale: LocaleCode, texts: AssistantTexts, bp_scheme: str
) -> _Section:
    ht = health_texts()
    if not snapshot.has(kind):
        what = ht.get("kind_" + kind, locale)
        if kind == "glucose":
            return _Section(
                kind, ht.get("glucose_none", locale, days=snapshot.days), has_data=False
            )
        return _Section(
            kind, ht.get("none_kind", locale, what=what, days=snapshot.days), has_data=False
        )
    if kind == "glucose":
        return _glucose(snapshot.glucose, locale, texts)
    if kind == "bp":
        return _blood_pressure(snapshot, locale, bp_scheme)
    if kind == "sleep":
        return _sleep(snapshot, locale)
    if kind == "heart_rate":
        return _heart_rate(snapshot, locale)
    if kind == "weight":
        return _weight(snapshot, locale)
    return _spo2(snapshot, locale)


def _glucose(series: GlucoseSeries, locale: LocaleCode, texts: AssistantTexts) -> _Section:
    assessment = assess(series, DEFAULT_GROUP)
    glucose = series.glucose
    summary = texts.get(
        "glucose_summary",
        locale,
        days=f"{series.span_days():.0f}",
        mean=_fmt(stats.mean_glu(glucose) / MGDL_PER_MMOL, 1),
        tir=_fmt(range_metric("in_range_70_180", glucose), 0),
        tbr=_fmt(range_metric("below_70", glucose), 1),
        gmi=_fmt(stats.gmi(glucose), 1),
        met=str(assessment.met_count),
        total=str(len(assessment.checks)),
    )
    checks = [assessment.sufficiency_text.get(locale)]
    checks += [
        ("✓ " if check.met else "✗ " if check.met is False else "? ") + check.text.get(locale)
        for check in assessment.checks
    ]
    cited = [Citation.from_source(SUFFICIENCY_ID, default_targets().sufficiency.source)]
    cited += [
        Citation.from_source(cgm_target_id(assessment.group.id, check.metric), check.source)
        for check in assessment.checks
    ]
    return _Section(
        "glucose",
        summary,
        checks,
        cited,
        [texts.get("glucose_group_note", locale)],
    )


def _blood_pressure(snapshot: Snapshot, locale: LocaleCode, scheme_id: str) -> _Section:
    ht = health_texts()
    readings = snapshot.bp
    avg = bp_engine.home_average(readings)
    assert avg is not None  # snapshot.has("bp")
    scheme = bp_engine.default_bp_knowledge().scheme(scheme_id)
    scheme_name = scheme.name.get(locale)
    parts = [
        ht.get(
            "bp_summary",
            locale,
            days=snapshot.days,
            count=avg.count,
            sbp=f"{avg.sbp:.0f}",
            dbp=f"{avg.dbp:.0f}",
        )
    ]
    split = bp_engine.morning_evening(readings)
    am, pm = split["morning"], split["evening"]
    if isinstance(am, bp_engine.Average) and isinstance(pm, bp_engine.Average):
        parts.append(
            ht.get(
                "bp_morning_evening",
                locale,
                am=f"{am.sbp:.0f}/{am.dbp:.0f}",
                pm=f"{pm.sbp:.0f}/{pm.dbp:.0f}",
            )
        )
    checks: list[str] = []
    cited: list[Citation] = []
    advice = [ht.get("bp_advice_measure", locale)]
    above = bp_engine.home_above_threshold(avg.sbp, avg.dbp, scheme_id)
    if scheme.home_threshold is not None and above is not None:
        key = "bp_home_above" if above else "bp_home_below"
        checks.append(
            ("✗ " if above else "✓ ")
            + ht.get(
                key,
                locale,
                scheme=scheme_name,
                tsbp=f"{scheme.home_threshold.sbp:g}",
                tdbp=f"{scheme.home_threshold.dbp:g}",
            )
        )
        cited.append(
            Citation.from_source(bp_id(scheme.id, "home_threshold"), scheme.home_threshold.source)
        )
        if above:
            advice.append(ht.get("bp_advice_high", locale))
    category = bp_engine.classify(avg.sbp, avg.dbp, scheme_id)
    checks.append(
        ht.get("bp_category", locale, scheme=scheme_name, category=category.name.get(locale))
    )
    cited.append(Citation.from_source(bp_id(category.scheme, category.category), category.source))
    very_high = [r for r in readings if r.sbp > 180 or r.dbp > 120]
    if very_high:
        top = max(very_high, key=lambda r: (r.sbp, r.dbp))
        checks.append(
            "✗ "
            + ht.get(
                "bp_very_high",
                locale,
                count=len(very_high),
                sbp=f"{top.sbp:.0f}",
                dbp=f"{top.dbp:.0f}",
            )
        )
        crisis = next(r for r in default_alert_rules().rules if r.id == "bp_crisis_range")
        cited.append(Citation.from_source(alert_id(crisis.id), crisis.source))
        advice.append(ht.get("bp_advice_very_high", locale))
    return _Section("bp", " ".join(parts), checks, cited, advice)


def _sleep(snapshot: Snapshot, locale: LocaleCode) -> _Section:
    ht = health_texts()
    found = summarise(snapshot.sleep)
    hours = found.mean_total_sleep_min / 60.0
    summary = ht.get(
        "sleep_summary",
        locale,
        nights=found.nights,
        hours=_fmt(hours, 1),
        bed=_fmt(found.mean_time_in_bed_min / 60.0, 1),
        efficiency=_fmt(found.mean_efficiency, 0),
        onset=_clock(found.mean_onset_clock),
        wake=_clock(found.mean_wake_clock),
    )
    refs = default_references()
    duration = refs.get("sleep_duration_adult_min_h")
    efficiency = refs.get("sleep_efficiency_good_min_pct")
    ok_duration = hours >= duration.value
    checks = [
        ("✓ " if ok_duration else "✗ ")
        + ht.get(
            "sleep_duration_ok" if ok_duration else "sleep_duration_low",
            locale,
            target=f"{duration.value:g}",
        )
    ]
    cited = [Citation.from_source(reference_id(duration.id), duration.source)]
    # Efficiency means something only when the source records time awake in bed.
    if found.mean_time_in_bed_min > found.mean_total_sleep_min:
        ok_eff = found.mean_efficiency >= efficiency.value
        checks.append(
            ("✓ " if ok_eff else "✗ ")
            + ht.get(
                "sleep_efficiency_ok" if ok_eff else "sleep_efficiency_low",
                locale,
                efficiency=_fmt(found.mean_efficiency, 0),
                target=f"{efficiency.value:g}",
            )
        )
        cited.append(Citation.from_source(reference_id(efficiency.id), efficiency.source))
    if found.nights >= 3 and not math.isnan(found.midpoint_sd_min):
        checks.append(ht.get("sleep_timing_sd", locale, sd=_fmt(found.midpoint_sd_min, 0)))
    return _Section("sleep", summary, checks, cited, [ht.get("sleep_advice", locale)])


def _hr_limits() -> tuple[RestingHRRule | None, RestingHRRule | None]:
    rules = [r for r in default_alert_rules().rules if isinstance(r, RestingHRRule)]
    high = next((r for r in rules if r.kind == "resting_hr_average_above"), None)
    low = next((r for r in rules if r.kind == "resting_hr_average_below"), None)
    return high, low


def _heart_rate(snapshot: Snapshot, locale: LocaleCode) -> _Section:
    ht = health_texts()
    values = [p.value for p in snapshot.resting_hr]
    mean = sum(values) / len(values)
    parts = [
        ht.get(
            "hr_summary",
            locale,
            days=snapshot.days,
            count=len(values),
            mean=f"{mean:.0f}",
            low=f"{min(values):.0f}",
            high=f"{max(values):.0f}",
        )
    ]
    daily = [DailyValue(p.time.toordinal(), p.value) for p in snapshot.resting_hr]
    trend = trend_per_week(daily)
    if len(daily) >= 7 and not math.isnan(trend):
        parts.append(ht.get("hr_trend", locale, trend=f"{trend:+.1f}"))
    high, low = _hr_limits()
    checks: list[str] = []
    cited: list[Citation] = []
    if high is not None and low is not None:
        limits = {"low": f"{low.threshold:g}", "high": f"{high.threshold:g}"}
        if mean > high.threshold:
            checks.append("✗ " + ht.get("hr_high", locale, **limits))
            cited.append(Citation.from_source(alert_id(high.id), high.source))
        elif mean < low.threshold:
            checks.append("✗ " + ht.get("hr_low", locale, **limits))
            cited.append(Citation.from_source(alert_id(low.id), low.source))
        else:
            checks.append("✓ " + ht.get("hr_in_range", locale, **limits))
            cited += [
                Citation.from_source(alert_id(low.id), low.source),
                Citation.from_source(alert_id(high.id), high.source),
            ]
    return _Section("heart_rate", " ".join(parts), checks, cited, [ht.get("hr_advice", locale)])


def _weight(snapshot: Snapshot, locale: LocaleCode) -> _Section:
    ht = health_texts()
    points = snapshot.weight
    trend = weight_trend([(p.time, p.value) for p in points])
    summary = ht.get(
        "weight_summary",
        locale,
        last=f"{points[-1].value:.1f}",
        days=f"{trend.days:.0f}",
        change=f"{trend.change_kg:+.1f}",
        per_week=_fmt(trend.per_week, 2)
        if math.isnan(trend.per_week)
        else f"{trend.per_week:+.2f}",
    )
    checks: list[str] = []
    cited: list[Citation] = []
    if snapshot.height_m is not None:
        scheme = "cn" if locale == "zh-CN" else "who"
        result = classify_bmi(points[-1].value, snapshot.height_m, scheme)
        scheme_name = _bmi_scheme_name(scheme, locale)
        checks.append(
            ht.get(
                "weight_bmi",
                locale,
                height=f"{snapshot.height_m:.2f}",
                bmi=f"{result.bmi:.1f}",
                category=result.name.get(locale),
                scheme=scheme_name,
            )
        )
        cited.append(Citation.from_source(bmi_id(scheme, result.category), result.source))
    else:
        checks.append(ht.get("weight_no_height", locale))
    return _Section("weight", summary, checks, cited, [ht.get("weight_advice", locale)])


def _bmi_scheme_name(scheme: str, locale: LocaleCode) -> str:
    return default_bmi_knowledge().scheme(scheme).name.get(locale)


def _spo2(snapshot: Snapshot, locale: LocaleCode) -> _Section:
    ht = health_texts()
    rule = next(r for r in default_alert_rules().rules if isinstance(r, SpO2Rule))
    values = [p.value for p in snapshot.spo2]
    below = sum(1 for v in values if v < rule.threshold)
    summary = ht.get(
        "spo2_summary",
        locale,
        days=snapshot.days,
        count=len(values),
        mean=f"{sum(values) / len(values):.0f}",
        low=f"{min(values):.0f}",
        below=below,
        threshold=f"{rule.threshold:g}",
    )
    key = "spo2_low" if below else "spo2_ok"
    check = ("✗ " if below else "✓ ") + ht.get(key, locale, threshold=f"{rule.threshold:g}")
    cited = [Citation.from_source(alert_id(rule.id), rule.source)]
    return _Section("spo2", summary, [check], cited, [ht.get("spo2_advice", locale)])
