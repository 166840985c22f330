"""The health-data answer: the kind asked about, its metrics, a chart card, the interpretation
against the guideline with sources, advice, zh and en; no data says how to import."""

from __future__ import annotations

import doctest
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import aegle.assistant.health as health_module
from aegle.assistant.health import KINDS, health_reply, health_texts, topics, window_days
from aegle.assistant.model import Reply
from aegle.assistant.texts import default_texts
from aegle.vitals.alerts import Point
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.sleep import SleepSession
from aegle.vitals.snapshot import Snapshot

TZ = ZoneInfo("Asia/Shanghai")
END = datetime(2025, 3, 15, 12, 0, tzinfo=TZ)
START = END - timedelta(days=14)
EMPTY = GlucoseSeries.build(np.array([]), np.array([]), "Asia/Shanghai", "p")


def _snapshot(**kinds: object) -> Snapshot:
    return Snapshot(tz="Asia/Shanghai", start=START, end=END, glucose=EMPTY, **kinds)  # type: ignore[arg-type]


def _bp(sbp: float, dbp: float) -> tuple[BPReading, ...]:
    out = []
    for day in range(7):
        for hour in (7, 20):
            out.append(BPReading(START + timedelta(days=7 + day, hours=hour - 12), sbp, dbp))
    return tuple(out)


def _ask(text: str, snapshot: Snapshot, locale: str = "en") -> Reply:
    return health_reply(text, snapshot, locale, default_texts())  # type: ignore[arg-type]


def test_doctests() -> None:
    assert doctest.testmod(health_module).failed == 0


def test_topics_and_windows_in_both_languages() -> None:
    assert topics("我最近血压怎么样") == ("bp",)
    assert topics("how was my blood pressure this week") == ("bp",)
    assert topics("我睡得怎么样，心率正常吗") == ("sleep", "heart_rate")
    assert topics("what's my SpO2") == ("spo2",)
    assert topics("how am I doing") == ()
    assert topics("subpoena") == ()  # "bp" only as a word
    assert window_days("这周体重") == 7
    assert window_days("blood pressure this month") == 30


@pytest.mark.parametrize(
    ("locale", "question"),
    [("zh-CN", "我最近血压怎么样"), ("en", "how was my blood pressure this week")],
)
def test_high_home_blood_pressure(locale: str, question: str) -> None:
    reply = _ask(question, _snapshot(bp=_bp(142, 88)), locale)
    assert reply.intent == "health_data"
    assert "142/88" in reply.text
    kinds = [c.kind for c in reply.cards]
    assert kinds[0] == "chart"
    assert reply.cards[0].items == ("bp", "14")
    interpretation = reply.cards[1]
    assert interpretation.items[0].startswith("✗")
    assert "135/85" in interpretation.items[0]
    assert any("2024" in c.source for c in interpretation.citations)
    assert kinds[-1] == "disclaimer"
    advice = reply.cards[-2]
    assert len(advice.items) == 2  # how to measure, and see a doctor


def test_normal_blood_pressure_and_acc_aha_scheme() -> None:
    reply = _ask("blood pressure?", _snapshot(bp=_bp(118, 76)))
    assert reply.cards[1].items[0].startswith("✓")
    acc = health_reply(
        "bp", _snapshot(bp=_bp(132, 82)), "en", default_texts(), bp_scheme="acc_aha2017"
    )
    assert "130/80" in acc.cards[1].items[0]
    assert acc.cards[1].items[0].startswith("✗")


def test_sleep_weight_heart_rate_and_spo2() -> None:
    nights = tuple(
        SleepSession(
            START + timedelta(days=d, hours=11),
            START + timedelta(days=d, hours=18),
            (
                (
                    START + timedelta(days=d, hours=11, minutes=30),
                    START + timedelta(days=d, hours=17),
                ),
            ),
        )
        for d in range(5)
    )
    sleep = _ask("how did I sleep", _snapshot(sleep=nights))
    assert "5.5 hours" in sleep.text
    assert sleep.cards[1].items[0].startswith("✗")  # below 7 h
    assert sleep.cards[1].items[1].startswith("✗")  # 79% efficiency < 85%
    assert any("Watson" in c.source for c in sleep.cards[1].citations)

    weights = tuple(Point(START + timedelta(days=d), 80.0 - 0.2 * d) for d in range(14))
    height = _ask("我的体重", _snapshot(weight=weights, height_m=1.75), "zh-CN")
    assert "BMI 为 25.3" in height.cards[1].items[0]
    assert "超重" in height.cards[1].items[0]
    no_height = _ask("weight", _snapshot(weight=weights))
    assert "BMI cannot be calculated" in no_height.cards[1].items[0]

    fast = tuple(Point(START + timedelta(days=d), 104.0) for d in range(7))
    hr = _ask("resting heart rate", _snapshot(resting_hr=fast))
    assert hr.cards[1].items[0].startswith("✗")
    assert any("Supraventricular" in (c.title or "") for c in hr.cards[1].citations)

    spo2 = _ask("血氧", _snapshot(spo2=(Point(END, 97.0), Point(END, 88.0))), "zh-CN")
    assert "最低 88%" in spo2.text
    assert spo2.cards[1].items[0].startswith("✗")


def test_overview_and_no_data() -> None:
    none = _ask("how am I doing", _snapshot(), "zh-CN")
    assert "aegle import apple-health" in none.text
    assert [c.kind for c in none.cards] == ["disclaimer"]
    asked = _ask("how was my blood pressure", _snapshot(weight=(Point(END, 70.0),)))
    assert "don't have any blood pressure data" in asked.text
    assert any("aegle import bp" in c.body for c in asked.cards)
    overview = _ask("how am I doing", _snapshot(bp=_bp(118, 76), weight=(Point(END, 70.0),)))
    assert [c.items for c in overview.cards if c.kind == "chart"] == [
        ("bp", "14"),
        ("weight", "14"),
    ]


def test_every_text_has_both_languages_and_kind_names() -> None:
    texts = health_texts().texts
    for kind in KINDS:
        assert f"kind_{kind}" in texts
        assert f"chart_{kind}" in texts
    for value in texts.values():
        assert value.zh
        assert value.en
