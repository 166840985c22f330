"""Consultation inside the chat: interview protocol messages in, chat replies out, and the
person's typed reply turned back into a protocol answer. Pure: the conversation service keeps
the interview's state.
"""

from __future__ import annotations

import re
from typing import Any

from aegle.assistant.model import Action, Card, Reply
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts
from aegle.core.types import Citation, LocaleCode, TriageLevel

ProtocolMessage = dict[str, Any]

_YES = {"是", "是的", "有", "对", "嗯", "会", "yes", "y", "yeah", "yep", "true"}
_NO = {"否", "不是", "没有", "无", "不", "没", "不会", "no", "n", "nope", "false"}
_UNSURE = {"不确定", "不知道", "不清楚", "说不清", "not sure", "unsure", "don't know", "unknown"}
_STOP = {"结束", "结束问诊", "不问了", "直接看结果", "stop", "finish", "enough", "done"}
_PUNCTUATION = re.compile(r"[\s。，,.!！?？、~～]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
MAX_BUTTONS = 8


def _normal(text: str) -> str:
    return _PUNCTUATION.sub(" ", text).strip().lower()


def wants_to_stop(text: str) -> bool:
    return _normal(text) in _STOP


def answer_from_text(text: str, question: ProtocolMessage) -> ProtocolMessage:
    """The protocol answer for what the person typed to `question`.

    Exact replies (是/否/不确定, an option's text, a number for a scale) become structured
    answers; anything else goes to the engine as free text, which it reads itself.
    """
    qid = str(question.get("id", ""))
    normal = _normal(text)
    if normal in _UNSURE:
        return {"type": "answer", "id": qid, "unknown": True}
    kind = question.get("kind")
    if kind == "boolean":
        if normal in _YES:
            return {"type": "answer", "id": qid, "present": True}
        if normal in _NO:
            return {"type": "answer", "id": qid, "present": False}
    if kind in ("choice", "multi"):
        picked = _split_choices(text)
        chosen = [
            str(option["code"])
            for option in question.get("options", [])
            if _normal(str(option.get("text", ""))) in picked
        ]
        if chosen:
            return {"type": "answer", "id": qid, "values": chosen}
    if kind == "scale":
        number = _NUMBER.fullmatch(normal)
        if number:
            return {"type": "answer", "id": qid, "value": float(number.group())}
    return {"type": "answer", "id": qid, "message": text}


def _split_choices(text: str) -> set[str]:
    """What was typed, whole and split at list separators, each normalised."""
    parts = {_normal(part) for part in re.split(r"[;；/、,，]|和|\band\b", text)}
    return {part for part in parts if part} | {_normal(text)}


def question_reply(question: ProtocolMessage, locale: LocaleCode, texts: AssistantTexts) -> Reply:
    """Ask the engine's next question, with one-tap answers where the question has them."""
    kind = question.get("kind")
    actions: list[Action] = []
    hints = [texts.get("consult_free_text_hint", locale)]
    if kind == "boolean":
        for key in ("consult_yes", "consult_no", "consult_unsure"):
            label = texts.get(key, locale)
            actions.append(Action(kind="message", label=label, value=label))
    elif kind in ("choice", "multi"):
        options = question.get("options", [])
        # A long list (body sites, say) is easier to answer in words than to scan as buttons.
        for option in options if len(options) <= MAX_BUTTONS else []:
            label = str(option.get("text", ""))
            if label:
                actions.append(Action(kind="message", label=label, value=label))
        unsure = texts.get("consult_unsure", locale)
        actions.append(Action(kind="message", label=unsure, value=unsure))
    elif kind == "scale":
        hints.insert(
            0,
            texts.get(
                "consult_scale_hint",
                locale,
                min=_number(question.get("min", 0)),
                max=_number(question.get("max", 10)),
            ),
        )
    text = "\n\n".join([str(question.get("text", "")), *hints])
    return Reply(text=text, actions=tuple(actions), intent="consult")


def result_reply(
    result: ProtocolMessage, locale: LocaleCode, texts: AssistantTexts, *, stopped: bool = False
) -> Reply:
    """The consultation's outcome: urgency first, then possible causes, departments, advice."""
    level = _level(result)
    level_text = texts.get(f"triage_{level.value}", locale)
    triage = result.get("triage") or {}
    summary = texts.get(
        "consult_summary",
        locale,
        asked=str(result.get("questions_asked", 0)),
        level=level_text,
    )
    paragraphs = [texts.get("consult_stopped", locale)] if stopped else []
    paragraphs.append(summary)
    # The result's citations are `Citation` dumps (clinic/entries.py ids): keep title and
    # section so the card names what it cites.
    citations = tuple(
        Citation.model_validate(c)
        for c in result.get("citations", [])
        if isinstance(c, dict) and c.get("id")
    )
    cards = [
        Card(
            kind="triage",
            title=level_text,
            level=level,
            items=tuple(str(reason) for reason in triage.get("reasons", [])),
        )
    ]
    causes = tuple(
        texts.get(
            "differential_item",
            locale,
            name=_name(item, locale),
            percent=str(round(float(item.get("probability", 0)) * 100)),
        )
        for item in result.get("differential", [])[:5]
    )
    if causes:
        cards.append(Card(kind="info", title=texts.get("differential_title", locale), items=causes))
    departments = tuple(
        f"{_name(d, locale)} ({d.get('code', '')})" for d in result.get("departments", [])[:3]
    )
    if departments:
        cards.append(
            Card(kind="info", title=texts.get("departments_title", locale), items=departments)
        )
    advice = tuple(str(a) for a in result.get("advice", []))
    if advice:
        cards.append(
            Card(
                kind="info",
                title=texts.get("advice_title", locale),
                items=advice,
                citations=citations,
            )
        )
    flags = tuple(str(flag) for flag in result.get("red_flags", []))
    if flags:
        cards.append(Card(kind="info", title=texts.get("warning_signs_title", locale), items=flags))
    cards.append(disclaimer_card(texts, locale))
    actions: tuple[Action, ...] = ()
    if level is TriageLevel.EMERGENCY_AMBULANCE:
        number = "120" if locale == "zh-CN" else "911"
        actions = (
            Action(kind="call", label=texts.get("call_label", locale, number=number), value=number),
        )
    return Reply(
        text="\n\n".join(paragraphs), cards=tuple(cards), actions=actions, intent="consult"
    )


def _level(result: ProtocolMessage) -> TriageLevel:
    raw = (result.get("triage") or {}).get("level")
    try:
        return TriageLevel(str(raw))
    except ValueError:
        # An engine answer without a known level is treated as needing a doctor soon.
        return TriageLevel.URGENT


def _name(item: dict[str, Any], locale: LocaleCode) -> str:
    if locale == "en" and item.get("name_en"):
        return str(item["name_en"])
    return str(item.get("name") or item.get("name_en") or "")


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
