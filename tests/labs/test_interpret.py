"""Interpretation: statuses, critical values first, patterns, eGFR, departments, citations."""

from __future__ import annotations

import doctest

import pytest

import aegle.labs.interpret as interpret_module
from aegle.core.types import Severity, TriageLevel
from aegle.labs.interpret import ckd_epi_2021, explain, gfr_category
from aegle.labs.parse import parse_text
from aegle.labs.render import explanation_text


def test_doctests() -> None:
    assert doctest.testmod(interpret_module).failed == 0


@pytest.mark.parametrize(
    ("scr", "age", "sex", "expected"),
    [
        # Values computed by hand from the published 2021 CKD-EPI creatinine equation.
        (1.0, 50, "M", 91.7),
        (0.7, 40, "F", 112.1),
        (2.0, 70, "M", 35.2),
        (0.5, 30, "F", 129.3),
    ],
)
def test_ckd_epi_2021(scr: float, age: float, sex: str, expected: float) -> None:
    assert ckd_epi_2021(scr, age, sex) == pytest.approx(expected, abs=0.15)


def test_gfr_categories() -> None:
    assert [gfr_category(v) for v in (95, 75, 50, 35, 20, 10)] == [
        "G1",
        "G2",
        "G3a",
        "G3b",
        "G4",
        "G5",
    ]


def test_critical_values_come_first_and_are_urgent() -> None:
    report = parse_text("性别：男 年龄：50岁\n钾 6.8 mmol/L 3.5-5.3\n血红蛋白 140 g/L 130-175\n")
    result = explain(report)
    assert result.triage == TriageLevel.EMERGENCY
    assert [a.item.test_id for a in result.critical] == ["k"]
    assert result.critical[0].severity == Severity.CRITICAL
    assert result.departments[0].code == "20"
    text = explanation_text(result, "en")
    assert text.index("Critical") < text.index("within the reference range")
    assert "Kost" in text


def test_no_critical_alarm_when_the_unit_scale_is_unknown() -> None:
    # 9.8 with no unit but a g/dL-scale printed range must not be read as 9.8 g/L.
    result = explain(parse_text("Hemoglobin 9.8 12.0-16.0"))
    assert result.critical == []
    assert result.abnormal[0].status == "low"


def test_microcytic_anaemia_pattern() -> None:
    text = (
        "血红蛋白 95 g/L 115-150\n平均红细胞体积 72 fL 82-100\n平均红细胞血红蛋白含量 22 pg 27-34\n"
    )
    result = explain(parse_text(text))
    pattern = next(p for p in result.patterns if p.id == "anaemia")
    assert "小细胞" in pattern.title.zh
    assert "hypochromic" in pattern.title.en
    assert pattern.department == "03.05"
    assert pattern.citations


def test_macrocytic_and_normocytic() -> None:
    macro = explain(parse_text("HGB 100 g/L 130-175\nMCV 108 fL 82-100"))
    assert macro.patterns[0].title.en == "Macrocytic anaemia"
    normo = explain(parse_text("HGB 100 g/L 130-175\nMCV 90 fL 82-100"))
    assert normo.patterns[0].title.en == "Normocytic anaemia"


@pytest.mark.parametrize(
    ("alt", "alp", "title"),
    [
        (400, 100, "Hepatocellular pattern"),
        (60, 400, "Cholestatic pattern"),
        (200, 150, "Mixed liver pattern"),
    ],
)
def test_liver_r_ratio(alt: int, alp: int, title: str) -> None:
    report = parse_text(f"ALT {alt} U/L 9-50\nALP {alp} U/L 45-125\n")
    pattern = next(p for p in explain(report).patterns if p.id == "liver")
    assert pattern.title.en == title


def test_egfr_needs_age_and_sex() -> None:
    without = explain(parse_text("肌酐 180 umol/L 57-111"))
    assert without.egfr is None
    report = parse_text("性别：男 年龄：70岁\n肌酐 180 umol/L 57-111\n")
    result = explain(report)
    assert result.egfr == pytest.approx(ckd_epi_2021(180 / 88.4, 70, "M"))
    kidney = next(p for p in result.patterns if p.id == "kidney")
    assert "G3b" in kidney.title.en
    assert kidney.department == "03.06"


def test_thyroid_and_urine_patterns() -> None:
    thyroid = explain(parse_text("TSH 8.5 mIU/L 0.27-4.2\nFT4 9.0 pmol/L 12-22"))
    assert thyroid.patterns[0].title.en == "Pattern of an underactive thyroid"
    sub = explain(parse_text("TSH 8.5 mIU/L 0.27-4.2\nFT4 15 pmol/L 12-22"))
    assert "subclinical" in sub.patterns[0].title.en
    uti = explain(parse_text("亚硝酸盐 阳性(+)\n白细胞酯酶 2+\n尿蛋白 阴性"))
    assert [p.id for p in uti.patterns] == ["uti"]


def test_glucose_and_lipid_context() -> None:
    result = explain(parse_text("空腹血糖 7.8 mmol/L 3.9-6.1\n甘油三酯 6.0 mmol/L <1.7"))
    ids = [p.id for p in result.patterns]
    assert "glucose" in ids
    lipids = next(p for p in result.patterns if p.id == "lipids")
    assert "pancreatitis" in lipids.detail.en


def test_normal_report_says_so_and_states_limits() -> None:
    result = explain(parse_text("白细胞计数 6.0 10^9/L 3.5-9.5\n血红蛋白 140 g/L 130-175"))
    assert result.triage == TriageLevel.SELF_CARE
    assert result.abnormal == []
    for locale in ("zh-CN", "en"):
        text = explanation_text(result, locale)
        assert result.limitations.get(locale) in text


def test_citations_resolve_and_are_numbered() -> None:
    report = parse_text("性别：女 年龄：40岁\nALT 80 U/L\n")
    result = explain(report)
    ids = {c.id for c in result.citations}
    assert all(c in ids for a in result.abnormal for c in a.citations)
    text = explanation_text(result, "zh-CN")
    assert "WS/T 404.1-2012" in text
    assert "[1]" in text


def test_children_see_paediatrics_and_get_children_s_defaults_only() -> None:
    report = parse_text(
        "性别：男  年龄：2岁\n白细胞计数  3.86  10^9/L  4.00~10.00\n血红蛋白  105  g/L\n"
        "红细胞计数  4.2  10^12/L\n"
    )
    result = explain(report)
    assert result.departments[0].code == "07"
    assert result.notes
    low_hgb = next(a for a in result.abnormal if a.item.test_id == "hgb")
    assert low_hgb.status == "low"  # 105 g/L is below WS/T 779's 112 at 2-6 years
    assert [a.item.test_id for a in result.unknown] == ["rbc"]  # no children's RBC encoded
    zh, en = explanation_text(result, "zh-CN"), explanation_text(result, "en")
    assert "儿童" in zh
    assert "WS/T 779-2021" in zh
    assert "112" in zh
    assert "WS/T 779-2021" in en
    assert any((c.title or "").startswith("WS/T 779-2021") for c in result.citations)


@pytest.mark.parametrize(
    ("age", "note", "paediatrics"),
    [("13岁", True, True), ("14岁", True, False), ("17岁", True, False), ("18岁", False, False)],
)
def test_the_children_s_note_follows_the_children_s_intervals(
    age: str, note: bool, paediatrics: bool
) -> None:
    # WS/T 779 runs to 18: a teenager of 14-17 gets children's defaults, so gets the note too;
    # 儿科 is for under 14 only. 120 g/L is low for a boy of 13-18 (129) and for a man (130).
    result = explain(parse_text(f"性别：男  年龄：{age}\n血红蛋白  120  g/L\n"))
    low = next(a for a in result.abnormal if a.item.test_id == "hgb")
    assert low.item.reference_range is not None
    source = "wst779_2021" if note else "wst405_2012"
    assert low.item.reference_range.source == source
    assert (interpret_module.CHILD_NOTE in result.notes) is note
    assert ("07" in [d.code for d in result.departments]) is paediatrics
    if note:
        assert "18" in interpret_module.CHILD_NOTE.en
        assert "未满18岁" in explanation_text(result, "zh-CN")


def test_a_finger_prick_report_says_why_it_has_no_default() -> None:
    result = explain(parse_text("性别：女  年龄：3岁  标本：末梢血\n血红蛋白  105  g/L\n"))
    assert [a.item.test_id for a in result.unknown] == ["hgb"]
    notes = [note.en for note in result.notes]
    assert any("capillary" in note for note in notes)
    assert "末梢" in explanation_text(result, "zh-CN")


def test_a_child_s_normal_value_is_not_flagged_by_adult_numbers() -> None:
    # 12.0 x10^9/L is above the adult 9.5 but inside WS/T 779's 5.1-14.1 at 1-2 years.
    result = explain(parse_text("性别：女  年龄：18个月\n白细胞计数  12.0  10^9/L\n"))
    assert [a.item.test_id for a in result.normal] == ["wbc"]
    assert result.triage == TriageLevel.SELF_CARE


def test_infection_pattern_needs_neutrophils() -> None:
    both = explain(parse_text("白细胞计数 14.2 10^9/L 3.5-9.5\n中性粒细胞计数 11.0 10^9/L 1.8-6.3"))
    assert "infection" in [p.id for p in both.patterns]
    wbc_only = explain(
        parse_text("白细胞计数 14.2 10^9/L 3.5-9.5\n淋巴细胞计数 5.0 10^9/L 1.1-3.2")
    )
    assert "infection" not in [p.id for p in wbc_only.patterns]


def test_glucose_and_lipid_cut_points_work_in_mg_dl() -> None:
    result = explain(parse_text("Glucose 140 mg/dL 70-99\nTriglycerides 600 mg/dL <150"))
    ids = [p.id for p in result.patterns]
    assert "glucose" in ids  # 140 mg/dL = 7.8 mmol/L
    lipids = next(p for p in result.patterns if p.id == "lipids")
    assert "pancreatitis" in lipids.detail.en  # 600 mg/dL = 6.8 mmol/L


def test_summary_line_counts_results() -> None:
    result = explain(parse_text("钾 6.9 mmol/L 3.5-5.3\nALT 80 U/L 9-50\n血红蛋白 140 g/L 130-175"))
    assert "3 results read: 1 critical, 1 abnormal, 1 normal." in explanation_text(result, "en")
    assert "危急 1 项" in explanation_text(result, "zh-CN")


def test_missing_sex_or_age_is_explained() -> None:
    result = explain(parse_text("血红蛋白 98 g/L\n"))
    assert result.unknown
    assert any("性别" in note.zh for note in result.notes)
    known = explain(parse_text("性别：女 年龄：30岁\n血红蛋白 98 g/L\n"))
    assert known.notes == []
    assert known.abnormal[0].status == "low"


def test_a_value_that_carries_its_unit_is_shown_with_it_once() -> None:
    result = explain(parse_text("白细胞计数  3.2E+09/L  3.5-9.5\n血红蛋白  142  g/L  130-175\n"))
    text = explanation_text(result, "en")
    assert "3.2E+09/L (low" in text
    assert "10*9/L (" not in text
    assert "Results within the reference range: 1." in text
