from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.assistant.intents import KeywordIntentClassifier
from aegle.assistant.model import INTENTS, Classification, Intent, Reply, TurnContext
from aegle.assistant.orchestrator import Assistant, build_default_assistant
from aegle.assistant.skills import ComingSoonSkill, SmalltalkSkill, default_skills
from aegle.assistant.texts import default_texts, placeholders
from aegle.core.errors import ConfigurationError
from aegle.core.ports import SafetyAssessment, SafetyScreen
from aegle.core.types import LocaleCode, TriageLevel
from tests.assistant.intent_cases import DEV

ASSISTANT = build_default_assistant()
CJK = re.compile(r"[\u4e00-\u9fff]")


class RecordingSkill:
    """A real skill that remembers what it was asked (a fake, not a mock)."""

    def __init__(self) -> None:
        self.turns: list[TurnContext] = []

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        self.turns.append(turn)
        return Reply(text="recorded", intent="report")  # a wrong intent the orchestrator fixes


class NeverFires:
    def screen(self, text: str, locale: LocaleCode) -> SafetyAssessment:
        return SafetyAssessment()


def recording_assistant(safety: SafetyScreen | None = None) -> tuple[Assistant, RecordingSkill]:
    skill = RecordingSkill()
    skills = dict.fromkeys(INTENTS, skill)
    screen = safety if safety is not None else ASSISTANT.safety
    return Assistant(screen, KeywordIntentClassifier.load_default(), skills), skill


def say(text: str, locale: LocaleCode = "zh-CN") -> Reply:
    return ASSISTANT.turn(TurnContext(text=text, locale=locale))


def test_safety_runs_first_and_no_skill_runs_when_it_fires() -> None:
    assistant, skill = recording_assistant()
    reply = assistant.turn(TurnContext(text="你好，其实我不想活了", locale="zh-CN"))
    assert skill.turns == []
    assert reply.safety.category == "crisis"
    assert [c.kind for c in reply.cards] == ["safety"]
    assert reply.intent == "smalltalk"  # still recorded, even though no skill ran


def test_skill_reply_carries_intent_and_assessment() -> None:
    assistant, skill = recording_assistant()
    reply = assistant.turn(TurnContext(text="医保能报销多少", locale="zh-CN"))
    assert len(skill.turns) == 1
    assert reply.text == "recorded"
    assert reply.intent == "insurance"
    assert reply.safety == SafetyAssessment()


def test_another_safety_screen_can_be_plugged_in() -> None:
    assistant, skill = recording_assistant(NeverFires())
    assistant.turn(TurnContext(text="我不想活了", locale="zh-CN"))
    assert len(skill.turns) == 1


def test_every_intent_needs_a_skill() -> None:
    skills = default_skills()
    del skills["medication"]
    with pytest.raises(ConfigurationError, match="medication"):
        Assistant(ASSISTANT.safety, ASSISTANT.classifier, skills)


def test_crisis_reply_has_call_actions_level_reasons_and_citations() -> None:
    reply = say("I want to kill myself", "en")
    card = reply.cards[0]
    assert card.kind == "safety"
    assert card.level is TriageLevel.EMERGENCY
    assert card.items == reply.safety.reasons
    assert card.citations
    assert [(a.kind, a.value, a.label) for a in reply.actions] == [
        ("call", "988", "Call 988"),
        ("call", "911", "Call 911"),
    ]
    assert "not a doctor" in reply.text


def test_emergency_reply_in_chinese() -> None:
    reply = say("我爸突然嘴歪了，说话不清楚")
    assert reply.safety.level is TriageLevel.EMERGENCY_AMBULANCE
    assert reply.cards[0].title.startswith("可能是紧急情况")
    assert reply.actions[0].value == "120"
    assert reply.actions[0].label == "拨打 120"


@pytest.mark.parametrize(("text", "label"), DEV[::4])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_reply_is_in_the_users_language(text: str, label: Intent, locale: LocaleCode) -> None:
    reply = ASSISTANT.turn(TurnContext(text=text, locale=locale))
    assert reply.intent == label
    shown = [*(c.title for c in reply.cards), *(c.body for c in reply.cards)]
    if label != "evidence":  # evidence answers are quotations, in the language of the passage
        shown += [reply.text, *(item for c in reply.cards for item in c.items)]
    for string in filter(None, shown):
        assert bool(CJK.search(string)) == (locale == "zh-CN"), string


def test_consult_is_honest_and_points_to_a_doctor() -> None:
    zh = say("我这两天头疼得厉害")
    assert zh.cards[0].kind == "coming_soon"
    assert "开发中" in zh.text
    assert "去看医生" in zh.text
    assert "120" in zh.text
    en = say("I've had a headache for three days", "en")
    assert "still being built" in en.text
    assert "see a doctor" in en.text
    assert "911" in en.text


def test_other_capabilities_say_what_they_will_do_without_emergency_advice() -> None:
    for text, intent in [("医保能报销多少？", "insurance"), ("推荐一个心内科医生", "doctor")]:
        reply = say(text)
        assert reply.intent == intent
        assert default_texts().capability(intent).will_do.zh in reply.text
        assert "120" not in reply.text
        assert reply.cards[-1].kind == "disclaimer"


def test_what_can_you_do_lists_every_capability_with_its_status() -> None:
    reply = say("你能做什么")
    info = reply.cards[0]
    assert info.kind == "info"
    assert len(info.items) == len(INTENTS) - 1
    built = [item for item in info.items if "建设中" not in item]
    assert len(built) == 4  # consultations, lab reports, glucose data and evidence are built
    assert reply.cards[1].kind == "disclaimer"
    assert "不做诊断" in reply.cards[1].body
    assert {a.kind for a in reply.actions} == {"message"}
    skill = SmalltalkSkill(available=["report"])
    ready = skill.respond(
        TurnContext(text="what can you do", locale="en"), Classification(intent="smalltalk")
    )
    assert sum("(available)" in item for item in ready.cards[0].items) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谢谢", "不客气"),
        ("thank you!", "You're welcome"),
        ("再见", "再见"),
        ("who are you", "not a doctor"),
    ],
)
def test_smalltalk_kinds(text: str, expected: str) -> None:
    reply = say(text, "en" if text.isascii() else "zh-CN")
    assert reply.intent == "smalltalk"
    assert expected in reply.text


def test_empty_message_gets_a_greeting() -> None:
    reply = say("")
    assert reply.intent == "smalltalk"
    assert "Aegle" in reply.text
    assert not reply.safety.triggered


def test_coming_soon_refuses_smalltalk() -> None:
    with pytest.raises(ValueError, match="smalltalk"):
        ComingSoonSkill("smalltalk")


def test_texts_are_complete_and_consistent() -> None:
    texts = default_texts()
    for name in type(texts.texts).model_fields:
        value = getattr(texts.texts, name)
        if re.sub(r"\{\w+\}", "", value.zh).strip("（）：() :"):
            assert CJK.search(value.zh), name
        assert not CJK.search(value.en), name
        assert placeholders(value.zh) == placeholders(value.en)
        assert "， " not in value.zh


def test_deterministic() -> None:
    turn = TurnContext(text="胸口疼，出冷汗", locale="zh-CN")
    fresh = build_default_assistant.__wrapped__()  # a second build, not the process's shared one
    assert fresh is not ASSISTANT
    assert ASSISTANT.turn(turn) == fresh.turn(turn)


def test_the_default_assistant_is_built_once_per_process() -> None:
    assert build_default_assistant() is ASSISTANT


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["zh-CN", "en"]))
def test_any_text_gets_a_reply(text: str, locale: str) -> None:
    reply = ASSISTANT.turn(TurnContext(text=text, locale="en" if locale == "en" else "zh-CN"))
    assert reply.text
    assert reply.intent in INTENTS


def test_stays_with_the_person_after_a_crisis_message() -> None:
    history = (("user", "我不想活了"), ("assistant", "听到你这么说，我很担心你"))
    reply = ASSISTANT.turn(TurnContext(text="嗯，我也不知道", locale="zh-CN", history=history))
    assert not reply.safety.triggered
    assert reply.cards[0].kind == "safety"
    assert "12356" in reply.text
    assert [a.value for a in reply.actions][:2] == ["12356", "400-161-9995"]
    # A clear new request is answered by its skill.
    other = ASSISTANT.turn(TurnContext(text="医保能报销多少", locale="zh-CN", history=history))
    assert other.intent == "insurance"
    assert other.cards[0].kind == "coming_soon"
    # Only the previous user message counts.
    later = (*history, ("user", "谢谢"), ("assistant", "不客气"))
    assert ASSISTANT.turn(TurnContext(text="你好", locale="zh-CN", history=later)).cards[
        0
    ].kind != ("safety")


def test_memoized_screen_gives_the_same_answers() -> None:
    from aegle.assistant.orchestrator import MemoizedSafetyScreen
    from aegle.safety import RuleSafetyScreen

    plain = RuleSafetyScreen.load_default()
    memo = MemoizedSafetyScreen(plain, size=2)
    for text in ["我不想活了", "头疼", "我不想活了", "crushing chest pain and sweating", "头疼"]:
        for locale in ("zh-CN", "en"):
            assert memo.screen(text, locale) == plain.screen(text, locale)


def test_diagnosis_and_prescription_requests_get_the_scope_notice() -> None:
    reply = say("开点抗生素给我吧")
    assert any(card.kind == "scope" for card in reply.cards)
    plain = say("推荐一个心内科医生")
    assert all(card.kind != "scope" for card in plain.cards)


def test_during_a_consultation_no_skill_runs_but_safety_still_does() -> None:
    quiet = ASSISTANT.turn(TurnContext(text="帮我看看这个化验单", locale="zh-CN", consulting=True))
    assert quiet.intent == "consult"
    assert quiet.text == ""
    alarm = ASSISTANT.turn(TurnContext(text="我不想活了", locale="zh-CN", consulting=True))
    assert alarm.safety.category == "crisis"
