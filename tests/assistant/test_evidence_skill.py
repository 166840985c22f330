from __future__ import annotations

from aegle.assistant.model import TurnContext
from aegle.assistant.orchestrator import build_default_assistant


def test_evidence_question_is_answered_with_numbered_sources() -> None:
    reply = build_default_assistant().turn(
        TurnContext(text="Is it true that salt raises blood pressure?", locale="en")
    )
    assert reply.intent == "evidence"
    assert "[1]" in reply.text
    sources = reply.cards[0]
    assert sources.items[0].startswith("[1] ")
    assert sources.citations
    assert reply.cards[-1].kind == "disclaimer"


def test_unanswerable_question_abstains_in_the_users_language() -> None:
    reply = build_default_assistant().turn(
        TurnContext(text="听说喝醋能软化血管，是真的吗？", locale="zh-CN")
    )
    assert reply.intent == "evidence"
    assert "没有找到" in reply.text
    assert reply.cards == ()
