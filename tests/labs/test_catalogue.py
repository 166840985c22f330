"""The lab test catalogue: size, provenance, LOINC integrity, WS/T reference intervals and the
aliases that real reports print (checked through the report parser)."""

from __future__ import annotations

import re

import pytest

from aegle.labs.catalogue import LabTest, load_catalogue
from aegle.labs.parse import ReportParser

CATALOGUE = load_catalogue()
PARSER = ReportParser(CATALOGUE)

# Default intervals may only come from these named standards and guidelines.
INTERVAL_SOURCES = {
    "wst405_2012",
    "wst404_1_2012",
    "wst404_2_2012",
    "wst404_3_2012",
    "wst404_4_2018",
    "wst404_5_2015",
    "wst404_6_2015",
    "wst404_7_2015",
    "wst404_8_2015",
    "wst779_2021",
    "wst780_2021",
    "cn_lipid_2023",
    "cn_t2dm_2020",
}


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 check digit (Luhn on the part before the hyphen)."""
    number, check = code.split("-")
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(check)


def test_loinc_check_digit_catches_typos() -> None:
    assert loinc_check_digit_ok("2160-0")
    assert loinc_check_digit_ok("1763-2")
    assert not loinc_check_digit_ok("1763-1")
    assert not loinc_check_digit_ok("2160-1")


def test_catalogue_holds_at_least_250_tests() -> None:
    assert len(CATALOGUE.tests) >= 250
    panels = {test.panel for test in CATALOGUE.tests}
    assert {"cbc", "liver", "kidney", "metabolic", "endocrine", "markers", "urine"} <= panels
    assert {"coagulation", "immunology", "drugs"} <= panels


@pytest.mark.parametrize("test", CATALOGUE.tests, ids=lambda test: test.id)
def test_every_test_carries_provenance(test: LabTest) -> None:
    assert test.loinc, test.id
    for code in test.loinc:
        assert loinc_check_digit_ok(code), (test.id, code)
    assert re.search(r"[\u4e00-\u9fff]", test.name_zh), test.id
    assert test.name_en.isascii() or "ü" in test.name_en, test.id
    assert test.source_ids() <= set(CATALOGUE.sources), test.id
    for source_id in test.source_ids():
        source = CATALOGUE.sources[source_id]
        assert source.title, source_id
        assert source.publisher, source_id
        assert source.edition, source_id
        assert source.section, source_id
    if test.kind == "quantitative":
        assert test.unit, test.id
    for interval in test.reference_intervals:
        assert interval.source in INTERVAL_SOURCES, (test.id, interval.source)
    if test.meaning is not None:
        texts = [test.meaning.high, test.meaning.low, test.meaning.positive]
        assert any(text is not None for text in texts), test.id
    if test.kind == "qualitative" and test.expected == "negative":
        assert test.meaning is not None, test.id
        assert test.meaning.positive is not None, test.id


def test_loinc_codes_are_on_one_test_each() -> None:
    seen: dict[str, str] = {}
    for test in CATALOGUE.tests:
        for code in test.loinc:
            assert code not in seen, (code, seen.get(code), test.id)
            seen[code] = test.id


def test_corrected_codes_stay_corrected() -> None:
    # 17842-6 is CA 27.29, 20507-0 is the RPR (reagin) test, 1763-2 is serum aldosterone.
    assert CATALOGUE.by_loinc["17843-4"].id == "ca724"
    assert "17842-6" not in CATALOGUE.by_loinc
    assert CATALOGUE.by_loinc["20507-0"].id == "rpr"
    assert CATALOGUE.by_loinc["24110-9"].id == "tpab"
    assert CATALOGUE.by_loinc["1763-2"].id == "aldosterone"


def test_shared_aliases_are_told_apart_by_unit_or_result_kind() -> None:
    for name in ("白细胞", "红细胞", "尿白细胞", "尿红细胞", "CK-MB", "PCT", "肌酸激酶同工酶"):
        tests = CATALOGUE.lookup(name)
        assert len(tests) > 1, name
        for a in tests:
            for b in tests:
                if a is b or a.kind != b.kind:
                    continue
                assert a.unit != b.unit, (name, a.id, b.id)
                assert b.unit is None or a.factor_from(b.unit) is None, (name, a.id, b.id)


@pytest.mark.parametrize(
    ("line", "loinc"),
    [
        ("尿白细胞  1+  阴性", "5799-2"),  # strip: leukocyte esterase
        ("尿白细胞  30  /uL  0-25", "30405-5"),  # analyser count
        ("尿白细胞  3  /HPF  0-5", "5821-4"),  # microscopy
        ("尿红细胞  2+", "5794-3"),  # strip: blood
        ("尿红细胞  12  /uL  0-17", "30391-7"),
    ],
)
def test_urine_cells_printed_with_the_urine_prefix_are_read(line: str, loinc: str) -> None:
    # Chinese urinalysis reports often print 尿白细胞 / 尿红细胞; a graded strip result under an
    # unknown name used to be dropped without a word.
    (item,) = PARSER.parse(line).items
    assert item.loinc == loinc


# Adult intervals as published (sex, age in years, low, high), transcribed independently of the
# YAML: WS/T 405-2012 (blood count) and WS/T 404.1-404.8 (chemistry).
WS_T = [
    ("wbc", "M", 40, 3.5, 9.5),
    ("neut_abs", "F", 40, 1.8, 6.3),
    ("lymph_abs", "F", 40, 1.1, 3.2),
    ("rbc", "M", 40, 4.3, 5.8),
    ("rbc", "F", 40, 3.8, 5.1),
    ("hgb", "M", 40, 130, 175),
    ("hgb", "F", 40, 115, 150),
    ("hct", "F", 40, 0.35, 0.45),
    ("mcv", "M", 40, 82, 100),
    ("mchc", "M", 40, 316, 354),
    ("plt", "M", 40, 125, 350),
    ("alt", "M", 40, 9, 50),
    ("alt", "F", 40, 7, 40),
    ("ast", "M", 40, 15, 40),
    ("ast", "F", 40, 13, 35),
    ("alp", "M", 40, 45, 125),
    ("alp", "F", 40, 35, 100),
    ("alp", "F", 55, 50, 135),
    ("ggt", "M", 40, 10, 60),
    ("ggt", "F", 40, 7, 45),
    ("tp", "F", 40, 65, 85),
    ("alb", "M", 40, 40, 55),
    ("alb", "M", 70, 35, 50),
    ("k", "M", 40, 3.5, 5.3),
    ("na", "F", 40, 137, 147),
    ("cl", "M", 40, 99, 110),
    ("urea", "M", 40, 3.1, 8.0),
    ("urea", "M", 70, 3.6, 9.5),
    ("urea", "F", 40, 2.6, 7.5),
    ("urea", "F", 70, 3.1, 8.8),
    ("crea", "M", 40, 57, 97),
    ("crea", "M", 70, 57, 111),
    ("crea", "F", 40, 41, 73),
    ("crea", "F", 70, 41, 81),
    ("ca", "F", 40, 2.11, 2.52),
    ("phos", "M", 40, 0.85, 1.51),
    ("mg", "M", 40, 0.75, 1.02),
    ("fe", "M", 40, 10.6, 36.7),
    ("fe", "F", 40, 7.8, 32.2),
    ("ldh", "M", 40, 120, 250),
    ("ck", "M", 40, 50, 310),
    ("ck", "F", 40, 40, 200),
    ("amy", "F", 40, 35, 135),
]


@pytest.mark.parametrize(("test_id", "sex", "age", "low", "high"), WS_T)
def test_adult_intervals_match_ws_t(
    test_id: str, sex: str, age: float, low: float, high: float
) -> None:
    interval = CATALOGUE.by_id[test_id].interval_for(sex, age)
    assert interval is not None, test_id
    assert (interval.low, interval.high) == (low, high)
    assert interval.source.startswith("wst40")


def test_no_default_interval_for_children_or_assay_dependent_tests() -> None:
    # Children get only what WS/T 779/780 publish: never an adult number, never a lipid cut-point.
    for test_id in ("rbc", "mcv", "k", "urea", "tc", "ldl"):
        assert CATALOGUE.by_id[test_id].interval_for("M", 8) is None, test_id
    for test_id in ("hgb", "alt", "crea"):
        interval = CATALOGUE.by_id[test_id].interval_for("M", 8)
        assert interval is not None, test_id
        assert interval.source in ("wst779_2021", "wst780_2021"), test_id
    for test_id in ("tsh", "afp", "scc", "he4", "il6", "che", "tba", "pta"):
        assert not CATALOGUE.by_id[test_id].reference_intervals, test_id


def test_test_specific_conversions() -> None:
    assert CATALOGUE.by_id["che"].factor_from("k[IU]/L") == 1000
    assert CATALOGUE.by_id["bctx"].factor_from("pg/mL") == pytest.approx(0.001)
    assert CATALOGUE.by_id["uacr"].factor_from("mg/mmol") == pytest.approx(8.84)
    assert CATALOGUE.by_id["ogtt_2h"].factor_from("mg/dL") == pytest.approx(0.0555)


REPORT = """姓名: 王五  性别: 男  年龄: 45岁
项目名称            结果      单位      参考范围
胆碱酯酶            4200      U/L       5000-12000
总胆汁酸            15.2      umol/L    0-10
谷草/谷丙           1.6
促甲状腺激素受体抗体 3.2      IU/L      0-1.75
胃泌素释放肽前体    45.2      pg/mL     0-65.7
细胞角蛋白19片段    2.1       ng/mL     0-3.3
凝血酶原活动度      85        %         70-130
抗凝血酶III         95        %         80-120
乙肝e抗体           阳性(+)
HBV-DNA             <20       IU/mL
梅毒RPR             阴性
白细胞介素6         12.3      pg/mL     0-7
CK-MB               18        U/L       0-24
IgG4                1.2       g/L       0.03-2.01
OGTT 2h血糖         8.6       mmol/L
红细胞              12        /μL       0-17
"""

EXPECTED_LOINC = {
    "胆碱酯酶": "2098-2",
    "总胆汁酸": "14628-2",
    "谷草/谷丙": "1916-6",
    "促甲状腺激素受体抗体": "5385-0",
    "胃泌素释放肽前体": "96461-9",
    "细胞角蛋白19片段": "25390-6",
    "凝血酶原活动度": "5894-1",
    "抗凝血酶III": "27811-9",
    "乙肝e抗体": "22320-6",
    "HBV-DNA": "42595-9",
    "梅毒RPR": "20507-0",
    "白细胞介素6": "26881-3",
    "CK-MB": "32673-6",
    "IgG4": "2469-5",
    "OGTT 2h血糖": "14995-5",
    "红细胞": "30391-7",
}


def test_report_aliases_map_to_their_tests() -> None:
    items = PARSER.parse(REPORT).items
    found = {item.name: item.loinc for item in items}
    assert found == EXPECTED_LOINC
    by_name = {item.name: item for item in items}
    assert by_name["胆碱酯酶"].flag == "L"
    assert by_name["白细胞介素6"].flag == "H"
    # No printed range: the CDS 2020 cut-point (OGTT 2 h < 7.8 mmol/L) is the default.
    ogtt = by_name["OGTT 2h血糖"]
    assert ogtt.reference_range is not None
    assert ogtt.reference_range.origin == "default"
    assert ogtt.flag == "H"


@pytest.mark.parametrize(
    "name",
    ["视黄醇结合蛋白", "纤溶酶原激活物抑制剂", "有核红细胞计数", "未成熟粒细胞绝对值", "细菌培养"],
)
def test_new_aliases_do_not_swallow_longer_unknown_names(name: str) -> None:
    assert PARSER.match_prefix(f"{name} 12.3") is None
