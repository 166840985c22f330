"""The compositional concept rules (crisis_concepts.yaml), sentence scope, the literal index
and negation over comma lists.

The phrasings below are not in any evaluation set: they check that a rule fires on the
combination of concepts it encodes, whatever the surrounding words, and not on one concept alone.
"""

from __future__ import annotations

import pytest

from aegle.safety import load_default

SCREEN = load_default()


def _rules(text: str, locale: str = "zh-CN") -> tuple[str, ...]:
    return SCREEN.screen(text, "en" if locale == "en" else "zh-CN").rule_ids


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("要是哪天早上不用醒来就好了", "zh-CN"),
        ("真希望能长睡不醒", "zh-CN"),
        ("I keep thinking about how nice it would be to just stop existing", "en"),
        ("some nights I pray I fall asleep and never wake up", "en"),
    ],
)
def test_a_wish_and_a_death_euphemism_in_one_sentence_is_crisis(text: str, locale: str) -> None:
    assert "crisis.concept.wish_not_to_wake" in _rules(text, locale)


def test_the_two_halves_in_different_sentences_do_not_combine() -> None:
    # "want" and "not wake up" are each harmless, and here they belong to different thoughts.
    text = "I want a better mattress. My husband could sleep through anything and not wake up."
    assert "crisis.concept.wish_not_to_wake" not in _rules(text, "en")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("要是没有我，爸妈肯定会轻松很多", "zh-CN"),
        ("my kids would honestly be happier if i wasn't around", "en"),
    ],
)
def test_self_gone_and_others_better_off_is_crisis(text: str, locale: str) -> None:
    assert "crisis.concept.better_off_gone" in _rules(text, locale)


def test_two_warning_signs_fire_one_alone_does_not() -> None:
    assert not SCREEN.screen("我把旧游戏机送给表弟了", "zh-CN").triggered
    both = _rules("我把游戏机送给表弟了，反正以后也用不上了", "zh-CN")
    assert "crisis.concept.warning_cluster" in both
    assert not SCREEN.screen("I gave my old guitar to my nephew", "en").triggered
    assert "crisis.concept.warning_cluster" in _rules(
        "I gave my old guitar to my nephew and told him to take care of mom for me", "en"
    )


def test_bereavement_and_wanting_to_join_the_dead_person() -> None:
    assert "crisis.concept.reunion_with_the_dead" in _rules("老伴走了以后，我就只想去陪她")
    assert "crisis.concept.reunion_with_the_dead" not in _rules("我想去找奶奶玩")


def test_lingering_at_a_height_is_crisis_in_one_sentence() -> None:
    assert "crisis.concept.lingering_at_a_height" in _rules(
        "the bridge near work looks so peaceful at night", "en"
    )
    assert not SCREEN.screen("我们在江边吃了烧烤，很开心", "zh-CN").triggered


def test_three_different_concepts_fire_even_unpaired_two_do_not() -> None:
    # A wish, a river bank and an apology: no rule pairs them, three classes together fire.
    assert "crisis.concept.many_signals" in _rules("好想去江边走走，对不起大家")
    assert "crisis.concept.many_signals" not in _rules("好想去江边走走")


def test_hoarding_needs_a_hazardous_drug_or_a_large_amount() -> None:
    assert "crisis.concept.hoarded_means" in _rules("I have been stashing my xanax in a sock", "en")
    assert not SCREEN.screen("妈妈攒了一些药在家备用", "zh-CN").triggered
    assert "crisis.concept.hoarded_enough" in _rules("我一直没吃药，攒起来已经有几十片了")


def test_bulk_ingestion_with_distress_is_self_poisoning_without_distress_an_overdose() -> None:
    result = SCREEN.screen("和男朋友吵架后我把一整盒药都吞了", "zh-CN")
    assert result.category == "crisis"
    assert "crisis.concept.self_poisoning" in result.rule_ids
    assert result.level is not None
    assert result.level.value == "emergency_ambulance"
    accidental = SCREEN.screen("my roommate took a bunch of xanax and I can't wake her up", "en")
    assert accidental.category == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "这个月工作累死了，真希望能永远睡到自然醒",
        "考完试就解脱了，谢谢老师这些年的照顾",
        "吃这个药会不会拖累肾脏",
        "Chemo will be a financial burden on my family",
        "I hope the rash goes away for good",
        "手上又多了几道口子，冬天太干了",
        "全麻手术我好怕醒不过来",
        "I want to disappear for a week somewhere with no wifi",
        "I ran 5 kms this morning and my knee hurts",
    ],
)
def test_look_alikes_of_concepts_do_not_fire(text: str) -> None:
    # The concept rules only; the n-gram stage is tested in test_ngram.py.
    locale = "en" if text.isascii() else "zh-CN"
    fired = SCREEN.screen(text, locale).rule_ids
    assert not [r for r in fired if r != "crisis.similar_language"], fired


def test_a_negation_covers_a_closed_comma_list_only() -> None:
    assert not SCREEN.screen("Denies fever, chest pain or shortness of breath.", "en").triggered
    assert not SCREEN.screen("no cough, chest pain or sweating", "en").triggered
    # Not a closed list: the red flags after the comma are affirmed.
    assert SCREEN.screen("No fever, crushing chest pain and sweating", "en").triggered
    assert SCREEN.screen("No, chest pain and sweating for an hour", "en").triggered
