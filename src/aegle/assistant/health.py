"""Health data in the chat: the person's device data, judged by the vitals engine, as a reply.

The conversation service reads the data (it needs the database); this module is pure.
"""

from __future__ import annotations

import math

from aegle.assistant.model import Card, Reply
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts
from aegle.core.types import Citation, LocaleCode
from aegle.vitals.cgm import summary as stats
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.targets import assess, range_metric

MGDL_PER_MMOL = 18.0
DEFAULT_GROUP = "t1d_t2d_adult"


def glucose_reply(series: GlucoseSeries, locale: LocaleCode, texts: AssistantTexts) -> Reply:
    if series.size == 0:
        return Reply(text=texts.get("glucose_none", locale), intent="health_data")
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
    sources = {check.source.title: check.source for check in assessment.checks}
    citations = tuple(
        Citation.from_source(f"vitals:{index}", source)
        for index, source in enumerate(sources.values())
    )
    cards = (
        Card(
            kind="info",
            title=texts.get("glucose_targets_title", locale),
            body=assessment.sufficiency_text.get(locale),
            items=tuple(
                ("✓ " if check.met else "✗ " if check.met is False else "? ")
                + check.text.get(locale)
                for check in assessment.checks
            ),
            citations=citations,
        ),
        Card(kind="info", title="", body=texts.get("glucose_group_note", locale)),
        disclaimer_card(texts, locale),
    )
    return Reply(text=summary, cards=cards, intent="health_data")


def _fmt(value: float, digits: int) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"
