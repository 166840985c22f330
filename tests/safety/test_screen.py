from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.ports import SafetyAssessment, SafetyScreen
from aegle.core.types import TriageLevel
from aegle.safety import RuleSafetyScreen, load_default
from tests.safety.cases import (
    BENIGN,
    CRISIS,
    EMERGENCY,
    ROUND2_BENIGN,
    ROUND2_CRISIS,
    ROUND2_EMERGENCY,
    ROUND3_BENIGN,
    ROUND3_CRISIS,
    ROUND3_EMERGENCY,
    ROUND4_BENIGN,
    ROUND4_CRISIS,
    ROUND4_EMERGENCY,
)

SHARED = Path(__file__).resolve().parents[2] / "../shared/data"

SCREEN = load_default()


def test_implements_the_port() -> None:
    screen: SafetyScreen = SCREEN
    assert isinstance(screen.screen("hi", "en"), SafetyAssessment)


def test_table_is_big_enough() -> None:
    assert len(CRISIS) + len(EMERGENCY) >= 60
    assert len(BENIGN) >= 40


@pytest.mark.parametrize("text", CRISIS + ROUND2_CRISIS + ROUND3_CRISIS + ROUND4_CRISIS)
def test_crisis_fires(text: str) -> None:
    result = SCREEN.screen(text, "zh-CN")
    assert result.category == "crisis", result.rule_ids
    assert result.triggered


@pytest.mark.parametrize("text", EMERGENCY + ROUND2_EMERGENCY + ROUND3_EMERGENCY + ROUND4_EMERGENCY)
def test_emergency_fires(text: str) -> None:
    result = SCREEN.screen(text, "en")
    assert result.category == "emergency", result.rule_ids
    assert result.level in (TriageLevel.EMERGENCY_AMBULANCE, TriageLevel.EMERGENCY)


@pytest.mark.parametrize("text", BENIGN + ROUND2_BENIGN + ROUND3_BENIGN + ROUND4_BENIGN)
def test_look_alikes_do_not_fire(text: str) -> None:
    result = SCREEN.screen(text, "zh-CN")
    assert result == SafetyAssessment(), result.rule_ids


def test_negation_is_scoped_to_its_clause() -> None:
    assert not SCREEN.screen("我没有胸痛，也没有出汗", "zh-CN").triggered
    fired = SCREEN.screen("没有胸痛，但是喘不上气，嘴唇发紫", "zh-CN")
    assert fired.rule_ids == ("emergency.cannot_breathe",)
    assert SCREEN.screen("No chest pain but I can't breathe", "en").triggered
    assert SCREEN.screen("I don't know why, I just want to die", "en").category == "crisis"


def test_uncertainty_is_not_negation() -> None:
    # "Is it ... or not" and "I'm not sure" must not switch a red flag off.
    assert SCREEN.screen("不知道是不是胸痛，一直出冷汗", "zh-CN").triggered
    assert SCREEN.screen("not sure if this is chest pain but I'm sweating a lot", "en").triggered
    # 睡不着 is "cannot sleep", not a negation of what follows.
    assert SCREEN.screen("晚上睡不着胸口疼还出冷汗", "zh-CN").triggered


def test_chinese_reply_offers_chinese_hotlines_and_says_not_a_doctor() -> None:
    result = SCREEN.screen("我不想活了", "zh-CN")
    assert result.call_numbers[0] == "12356"
    assert "400-161-9995" in result.call_numbers
    assert "120" in result.call_numbers
    assert "不是医生" in result.message
    for number in result.call_numbers:
        assert number in result.message


def test_english_crisis_reply_offers_988_and_911() -> None:
    result = SCREEN.screen("I want to kill myself", "en")
    assert result.call_numbers == ("988", "911")
    assert "not a doctor" in result.message
    assert "Are you safe right now?" in result.message


def test_emergency_reply_leads_with_the_ambulance_and_cites_sources() -> None:
    result = SCREEN.screen("胸口像压了块石头一样疼，出冷汗", "zh-CN")
    assert result.level is TriageLevel.EMERGENCY_AMBULANCE
    assert result.call_numbers == ("120",)
    assert result.message.startswith("你描述的情况可能是需要立即急救")
    assert any("American Heart Association" in c.source for c in result.citations)
    assert all(c.id.startswith("safety:") for c in result.citations)
    assert result.reasons
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in result.reasons)


def test_overdose_with_suicidal_intent_is_crisis_at_ambulance_level() -> None:
    result = SCREEN.screen("我吃了一整瓶安眠药想死", "zh-CN")
    assert result.category == "crisis"
    assert result.level is TriageLevel.EMERGENCY_AMBULANCE
    assert result.call_numbers[0] == "120"
    assert "12356" in result.call_numbers
    assert "emergency.poisoning" in result.rule_ids


def test_rule_specific_hotlines_follow_the_locale() -> None:
    en = SCREEN.screen("My toddler swallowed bleach", "en")
    assert en.call_numbers == ("911", "1-800-222-1222")
    zh = SCREEN.screen("孩子误喝了消毒液", "zh-CN")
    assert zh.call_numbers == ("120",)


def test_harm_to_others_offers_the_police() -> None:
    assert "110" in SCREEN.screen("我真想杀了他", "zh-CN").call_numbers


def test_stroke_needs_two_signs_or_suddenness() -> None:
    assert not SCREEN.screen("孩子说话口齿不清，是不是发育慢", "zh-CN").triggered
    assert SCREEN.screen("他说话突然口齿不清", "zh-CN").rule_ids == (
        "emergency.stroke_sudden_sign",
    )
    assert (
        "emergency.stroke_two_signs"
        in SCREEN.screen("Slurred speech and his left arm is weak", "en").rule_ids
    )


def test_deterministic() -> None:
    text = "胸口疼，出冷汗，而且不想活了"
    assert SCREEN.screen(text, "zh-CN") == SCREEN.screen(text, "zh-CN")
    assert RuleSafetyScreen.load_default().screen(text, "en") == SCREEN.screen(text, "en")


def test_crisis_language_buried_in_a_long_message() -> None:
    padding = "我想问一下体检报告的事情。" * 200
    assert SCREEN.screen(padding + "其实我最近不想活了。" + padding, "zh-CN").category == "crisis"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["zh-CN", "en"]))
def test_arbitrary_text_never_crashes(text: str, locale: str) -> None:
    result = SCREEN.screen(text, "en" if locale == "en" else "zh-CN")
    assert result.triggered == bool(result.rule_ids)
    if result.triggered:
        assert all((result.message, result.call_numbers, result.citations))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="胸口疼痛没有不想活死了出汗冷汗, 。!?iamnotchestpain", max_size=60))
def test_lexicon_soup_never_crashes(text: str) -> None:
    SCREEN.screen(text, "zh-CN")


def test_rarely_fires_on_real_medical_search_queries() -> None:
    """KUAKE-QIC (CBLUE) holds 6,931 real Chinese medical search queries, nearly all routine.

    A few are genuine red flags (误喝浓盐酸, 喝酒吐血了), so the bar is a low rate, not zero.
    """
    rows = json.loads((SHARED / "kuake-qic/KUAKE-QIC_train.json").read_text(encoding="utf-8"))
    fired = [r["query"] for r in rows if SCREEN.screen(r["query"], "zh-CN").triggered]
    assert len(rows) > 6000
    assert len(fired) / len(rows) <= 0.01
    assert "五十岁老年人误喝下浓盐酸，请问会不会有生命" in fired


def test_literal_prefilter_never_changes_what_is_found() -> None:
    """The substring prefilter and the rule pruning are only shortcuts: with them switched off
    (every term's regex searched on every message), the same terms and the same rules fire."""
    import json
    from pathlib import Path

    from aegle.safety import RuleSafetyScreen
    from aegle.safety.normalize import normalize

    fast = RuleSafetyScreen.load_default()
    slow = RuleSafetyScreen.load_default(prefilter=False)
    data = Path(__file__).resolve().parent / "data"
    texts = [
        json.loads(line)["text"]
        for path in sorted(data.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(texts) > 500
    # Every fourth message keeps the test fast (the unfiltered screen is slow by design).
    for text in texts[::4]:
        normal = normalize(text)
        assert fast.find_terms(normal).keys() == slow.find_terms(normal).keys(), text
        fired = [(rule.id, evidence) for rule, evidence in fast.fired_rules(text)]
        assert fired == [(rule.id, evidence) for rule, evidence in slow.fired_rules(text)], text
