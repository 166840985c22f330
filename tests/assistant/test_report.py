"""Lab-report reading in the chat, through the real labs engine."""

from __future__ import annotations

from aegle.assistant.model import TurnContext
from aegle.assistant.orchestrator import build_default_assistant

REPORT_ZH = """帮我看看化验单
白细胞计数 WBC 12.5 ×10^9/L 3.5-9.5 ↑
血红蛋白 HGB 98 g/L 130-175 ↓
血小板计数 PLT 210 ×10^9/L 125-350
谷丙转氨酶 ALT 25 U/L 9-50"""

CRITICAL_EN = """Please explain my blood test
Potassium 6.9 mmol/L 3.5-5.3 H
Sodium 139 mmol/L 137-147
Glucose 5.1 mmol/L 3.9-6.1"""


def test_pasted_report_is_explained_with_sources() -> None:
    reply = build_default_assistant().turn(TurnContext(text=REPORT_ZH, locale="zh-CN"))
    assert reply.intent == "report"
    assert "4 项结果" in reply.text
    abnormal = next(card for card in reply.cards if card.title == "超出参考范围")
    assert any(item.startswith("血红蛋白: 98 g/L (偏低") for item in abnormal.items)
    normal = next(card for card in reply.cards if card.title == "在参考范围内")
    assert all("正常" in item for item in normal.items)
    limits = next(card for card in reply.cards if card.title == "化验单不能告诉你的")
    assert limits.citations
    assert reply.cards[-1].kind == "disclaimer"


def test_critical_value_comes_first_as_urgent() -> None:
    reply = build_default_assistant().turn(TurnContext(text=CRITICAL_EN, locale="en"))
    assert reply.intent == "report"
    first = reply.cards[0]
    assert first.kind == "triage"
    assert first.level is not None
    assert first.level.rank <= 2  # urgent or more
    assert any(item.startswith("Potassium") for item in first.items)


def test_asking_without_results_explains_how() -> None:
    reply = build_default_assistant().turn(TurnContext(text="帮我看看这个化验单", locale="zh-CN"))
    assert reply.intent == "report"
    assert "粘贴" in reply.text
    assert reply.cards == ()
