"""Free-text understanding: negation, duration, age, sex, family history; never crashes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.clinic.text import segment, understand, yes_no


def _own(text: str) -> dict[str, bool]:
    return understand(text).own()


def test_chinese_findings_and_negation() -> None:
    own = _own("拉肚子三天了，心口疼，喘不上气，没有发烧，不咳")
    assert own["diarrhea"] is True
    assert own["dyspnea"] is True
    assert own["fever"] is False
    assert own["cough"] is False
    assert understand("拉肚子三天了").duration_days == 3


def test_cue_inside_a_word_does_not_negate() -> None:
    own = _own("四肢无力，感觉不舒服")
    assert own["limb_weakness_bilateral"] is True


def test_english_negation_scopes() -> None:
    own = _own("Denies chest pain. No fever, cough or chills, but she reports a sore throat.")
    assert own["chest_pain"] is False
    assert own["fever"] is False
    assert own["cough"] is False
    assert own["sore_throat"] is True
    assert _own("I can't catch my breath")["dyspnea"] is True


def test_duration_age_and_sex() -> None:
    u = understand("45 year old woman with a cough for 2 weeks")
    assert u.age == 45
    assert u.sex == "F"
    assert u.duration_days == 14
    u2 = understand("男，62岁，胸痛半小时")
    assert u2.age == 62
    assert u2.sex == "M"


def test_family_history_kept_apart() -> None:
    u = understand("I have a headache. My mother has diabetes.")
    assert u.own().get("headache") is True
    assert "hx_diabetes" not in u.own()
    assert any(m.family and m.finding == "hx_diabetes" for m in u.findings)


def test_segmenter_knows_medical_words() -> None:
    assert "拉肚子" in segment("我拉肚子了")


def test_yes_no() -> None:
    assert yes_no("是的，有一点") is True
    assert yes_no("没有") is False
    assert yes_no("No, never") is False
    assert yes_no("not sure") is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_understand_never_raises(text: str) -> None:
    u = understand(text)
    for m in u.findings:
        assert isinstance(m.present, bool)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "没有",
                "不",
                "发烧",
                "咳嗽",
                "no",
                "fever",
                "cough",
                ",",
                "。",
                " ",
                "denies",
                "头痛",
                "三天",
                "🙂",
            ]
        ),
        max_size=30,
    )
)
def test_understand_handles_medical_word_salad(words: list[str]) -> None:
    understand("".join(words))
    understand(" ".join(words))


def test_hedged_findings_are_marked_uncertain() -> None:
    assert [m.uncertain for m in understand("可能有点发烧").findings] == [True]
    assert [m.uncertain for m in understand("I have a fever").findings] == [False]


def test_hedged_finding_moves_the_differential_less() -> None:
    from aegle.clinic.engine import Interview

    firm = Interview.start(lang="en", message="I have a fever", max_questions=0)
    soft = Interview.start(lang="en", message="maybe a fever", max_questions=0)
    shift_firm = abs(firm.log_post - firm.log_prior).max()
    shift_soft = abs(soft.log_post - soft.log_prior).max()
    assert 0 < shift_soft < shift_firm


def test_chinese_numeral_ages() -> None:
    assert understand("宝宝三个月，拉肚子两天了").age == 0
    assert understand("孩子两岁半发烧").age == 2
    assert understand("老人七十八岁，胸闷").age == 78
