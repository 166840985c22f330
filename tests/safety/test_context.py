"""Context handling added in the 2026-11 round: hypothetical, historical and crisis negation."""

from __future__ import annotations

import pytest

from aegle.core.types import TriageLevel
from aegle.safety import load_default
from aegle.safety.normalize import normalize

SCREEN = load_default()


@pytest.mark.parametrize(
    "text",
    [
        "如果孩子吞了纽扣电池怎么办",
        "what should I do if my child has a febrile seizure",
        "孩子去年发烧抽搐过，怎么预防",
        "I fainted once years ago after giving blood",
        "can you overdose on vitamin C",
    ],
)
def test_hypothetical_and_past_emergencies_do_not_fire(text: str) -> None:
    assert not SCREEN.screen(text, "en").triggered


@pytest.mark.parametrize(
    "text",
    ["万一他想不开怎么办", "what if I killed myself, would anyone care"],
)
def test_hypothetical_cues_never_void_crisis_language(text: str) -> None:
    assert SCREEN.screen(text, "zh-CN").category == "crisis"


def test_crisis_negation_only_counts_right_before_the_hit() -> None:
    assert not SCREEN.screen("我从来没想过自杀", "zh-CN").triggered
    assert not SCREEN.screen("我不会自杀的", "zh-CN").triggered
    threat = SCREEN.screen("男朋友说要是我不回去他就从楼上跳下来", "zh-CN")
    assert threat.category == "crisis"


def test_same_emergency_with_and_without_the_past() -> None:
    now = SCREEN.screen("宝宝7周大，发烧38.2度", "zh-CN")
    assert now.rule_ids == ("emergency.infant_fever",)
    assert now.level is TriageLevel.EMERGENCY
    assert not SCREEN.screen("宝宝一岁半，发烧38.5，能吃能玩", "zh-CN").triggered


def test_typos_are_normalised() -> None:
    assert normalize("i wnat to die") == "i want to die"
    assert normalize("my chets hurts") == "my chest hurts"
    # Correct English words are never rewritten.
    assert normalize("stoke the fire") == "stoke the fire"
    assert SCREEN.screen("ive been thinking about sucide alot", "en").category == "crisis"


def test_self_poisoning_is_crisis_at_ambulance_level() -> None:
    result = SCREEN.screen("抑郁症三年了，今天把所有的药都吞了", "zh-CN")
    assert result.category == "crisis"
    assert result.level is TriageLevel.EMERGENCY_AMBULANCE
    assert result.call_numbers[0] == "120"
    # A toddler taking medicines is an emergency, not a crisis.
    child = SCREEN.screen("My toddler swallowed all my pills", "en")
    assert child.category == "emergency"
