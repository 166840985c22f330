from __future__ import annotations

from typing import Any

import pytest

from aegle.assistant.consult import answer_from_text, question_reply, result_reply, wants_to_stop
from aegle.assistant.texts import default_texts

BOOLEAN = {"type": "question", "id": "q3", "kind": "boolean", "text": "您发烧吗？", "codes": []}
CHOICE = {
    "type": "question",
    "id": "q4",
    "kind": "multi",
    "text": "疼痛是什么性质？",
    "codes": [],
    "options": [
        {"code": "ddxplus:V_1", "text": "刺痛"},
        {"code": "ddxplus:V_2", "text": "烧灼样"},
    ],
}
SCALE = {"type": "question", "id": "q5", "kind": "scale", "text": "疼痛几分？", "min": 0, "max": 10}


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        ("是", BOOLEAN, {"present": True}),
        ("没有。", BOOLEAN, {"present": False}),
        ("Yes", BOOLEAN, {"present": True}),
        ("不确定", BOOLEAN, {"unknown": True}),
        ("有一点，晚上更厉害", BOOLEAN, {"message": "有一点，晚上更厉害"}),
        ("刺痛", CHOICE, {"values": ["ddxplus:V_1"]}),
        ("刺痛、烧灼样", CHOICE, {"values": ["ddxplus:V_1", "ddxplus:V_2"]}),
        ("像针扎一样", CHOICE, {"message": "像针扎一样"}),
        ("7", SCALE, {"value": 7.0}),
        ("挺疼的", SCALE, {"message": "挺疼的"}),
    ],
)
def test_answer_from_text(text: str, question: dict[str, Any], expected: dict[str, Any]) -> None:
    answer = answer_from_text(text, question)
    assert answer == {"type": "answer", "id": question["id"], **expected}


def test_stop_words() -> None:
    assert wants_to_stop("结束")
    assert wants_to_stop(" Stop! ")
    assert not wants_to_stop("结束了吗我还疼")


def test_question_reply_offers_one_tap_answers() -> None:
    texts = default_texts()
    zh = question_reply(BOOLEAN, "zh-CN", texts)
    assert [a.value for a in zh.actions] == ["是", "否", "不确定"]
    assert zh.text.startswith("您发烧吗？")
    scale = question_reply(SCALE, "en", texts)
    assert "0" in scale.text
    assert "10" in scale.text


def test_result_reply_puts_urgency_first_and_never_drops_the_disclaimer() -> None:
    texts = default_texts()
    result = {
        "type": "result",
        "questions_asked": 4,
        "triage": {"level": "emergency_ambulance", "reasons": ["胸痛伴出汗"]},
        "differential": [
            {"name": "急性心肌梗死", "name_en": "Myocardial infarction", "probability": 0.62}
        ],
        "departments": [{"code": "20", "name": "急诊医学科", "name_en": "Emergency medicine"}],
        "red_flags": ["胸痛伴出汗"],
        "advice": ["立即停止活动"],
        "citations": [{"id": "clinic:acs", "source": "AHA 2021"}],
    }
    reply = result_reply(result, "en", texts)
    assert reply.cards[0].kind == "triage"
    assert reply.cards[0].level == "emergency_ambulance"
    assert reply.cards[-1].kind == "disclaimer"
    assert reply.actions[0].kind == "call"
    assert any("Myocardial infarction (about 62%)" in item for c in reply.cards for item in c.items)
    unknown = result_reply({"type": "result", "triage": {"level": "weird"}}, "zh-CN", texts)
    assert unknown.cards[0].level == "urgent"


def test_long_option_lists_are_answered_in_words() -> None:
    many = {**CHOICE, "options": [{"code": f"c{i}", "text": f"部位{i}"} for i in range(40)]}
    reply = question_reply(many, "zh-CN", default_texts())
    assert [a.value for a in reply.actions] == ["不确定"]
    assert answer_from_text("部位7", many)["values"] == ["c7"]
