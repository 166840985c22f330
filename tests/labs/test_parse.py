"""Parsing pasted report text: value styles, flags, ranges, units, names; fuzzed."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.labs.catalogue import age_in_years, default_catalogue
from aegle.labs.parse import ReportParser, parse_text

PARSER = ReportParser()


def one(line: str, **kwargs: object):  # type: ignore[no-untyped-def]
    items = PARSER.parse(line, **kwargs).items  # type: ignore[arg-type]
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize(
    ("line", "value", "comparator", "flag"),
    [
        ("白细胞计数 12.3↑ 10^9/L 3.5-9.5", 12.3, None, "H"),
        ("血红蛋白 98 ↓ g/L 130-175", 98.0, None, "L"),
        ("ALT 88 H U/L 9-50", 88.0, None, "H"),
        ("Hemoglobin 10.1 L g/dL 12.0-16.0", 10.1, None, "L"),
        ("C反应蛋白 <0.5 mg/L 0-10", 0.5, "<", None),
        ("肌钙蛋白I  >50.0  ng/mL  0-0.04", 50.0, ">", "H"),
        ("血小板计数 245 ×10^9/L 125～350", 245.0, None, None),
        ("谷草转氨酶：45 U/L (15-40)", 45.0, None, "H"),
    ],
)
def test_numeric_values_and_flags(
    line: str, value: float, comparator: str | None, flag: str | None
) -> None:
    item = one(line)
    assert item.value == value
    assert item.comparator == comparator
    assert item.flag == flag


def test_scientific_notation_carries_its_unit() -> None:
    item = one("白细胞 3.2E+09/L 3.5-9.5")
    assert item.value == pytest.approx(3.2)
    assert item.ucum == "10*9/L"
    assert item.flag == "L"


def test_qualitative_results() -> None:
    negative = one("尿隐血 阴性(-) 阴性")
    assert negative.qualitative == "negative"
    assert negative.flag is None
    graded = one("尿蛋白 1+ 阴性")
    assert (graded.qualitative, graded.grade, graded.flag) == ("positive", "1+", "A")
    assert one("尿蛋白 ++").grade == "2+"
    assert one("亚硝酸盐 阳性(+)").flag == "A"
    assert one("Nitrite  Negative").flag is None


def test_printed_range_wins_over_default() -> None:
    item = one("ALT 45 U/L 0-40", sex="M", age=40)
    assert item.reference_range is not None
    assert item.reference_range.origin == "printed"
    assert item.flag == "H"  # the default (9-50 for men) would call it normal


def test_default_range_by_sex_and_age_from_the_header() -> None:
    report = parse_text("姓名：李四  性别：女  年龄：65岁\n肌酐  78  umol/L\n")
    item = report.items[0]
    assert report.sex == "F"
    assert report.age == 65
    assert item.reference_range is not None
    assert item.reference_range.origin == "default"
    assert (item.reference_range.low, item.reference_range.high) == (41, 81)
    assert item.flag is None


def test_default_range_is_converted_into_the_printed_unit() -> None:
    item = one("Creatinine 1.5 mg/dL", sex="M", age=40)
    assert item.reference_range is not None
    assert item.reference_range.high == pytest.approx(97 / 88.4, rel=0.01)
    assert item.flag == "H"


def test_children_get_the_ws_t_779_band_for_their_age() -> None:
    toddler = one("血红蛋白 105 g/L", sex="M", age=2)
    assert toddler.reference_range is not None
    assert (toddler.reference_range.low, toddler.reference_range.high) == (112, 149)
    assert toddler.reference_range.origin == "default"
    assert toddler.reference_range.source == "wst779_2021"
    assert toddler.flag == "L"
    infant = one("血红蛋白 105 g/L", sex="M", age=0.5)  # 6 months: 97-141, so not low
    assert infant.reference_range is not None
    assert (infant.reference_range.low, infant.reference_range.high) == (97, 141)
    assert infant.flag is None
    adult = one("血红蛋白 105 g/L", sex="M", age=18)  # the 18th birthday starts WS/T 405
    assert adult.reference_range is not None
    assert adult.reference_range.source == "wst405_2012"


def test_a_printed_range_still_wins_for_a_child() -> None:
    item = one("血红蛋白 105 g/L 110-160", sex="M", age=2)
    assert item.reference_range is not None
    assert item.reference_range.origin == "printed"
    assert (item.reference_range.low, item.reference_range.high) == (110, 160)


def test_no_default_for_a_child_where_no_children_s_standard_is_encoded() -> None:
    for line in ("红细胞计数 4.1 10^12/L", "钾 4.0 mmol/L", "总胆固醇 4.0 mmol/L"):
        item = one(line, sex="F", age=5)
        assert item.reference_range is None, line
        assert item.flag is None, line
    newborn = one("血红蛋白 150 g/L", sex="F", age=age_in_years(20, "d"))  # WS/T 779 starts at 28 d
    assert newborn.reference_range is None


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("年龄：27天", None, None),  # below 28 days: no children's band
        ("年龄：28天", 4.3, 14.2),
        ("年龄：4周", 4.3, 14.2),
        ("年龄：5个月", 4.3, 14.2),
        ("年龄：6个月", 4.8, 14.6),
        ("年龄：11月", 4.8, 14.6),
        ("年龄：1岁", 5.1, 14.1),
        ("年龄：1岁11个月", 5.1, 14.1),
        ("年龄：2岁", 4.4, 11.9),
        ("Age: 7 months", 4.8, 14.6),
        ("年龄：12岁", 4.3, 11.3),
        ("年龄：13岁", 4.1, 11.0),
        ("年龄：17岁", 4.1, 11.0),
        ("年龄：18岁", 3.5, 9.5),
    ],
)
def test_printed_child_ages_pick_the_band_at_its_edges(
    header: str, low: float | None, high: float | None
) -> None:
    report = PARSER.parse(f"性别：女  {header}\n白细胞计数 9.0 10^9/L")
    ref = report.items[0].reference_range
    got = (ref.low, ref.high) if ref else (None, None)
    assert got == (low, high)


@pytest.mark.parametrize(
    ("header", "sample", "has_default"),
    [
        ("标本：末梢血", "capillary", False),
        ("样本类型：全血（末梢）", "capillary", False),
        ("Specimen: capillary blood", "capillary", False),
        ("标本：静脉血", "venous", True),
        ("标本：全血", None, True),  # not stated: the venous default applies, as for adults
    ],
)
def test_a_finger_prick_blood_count_gets_no_venous_default(
    header: str, sample: str | None, has_default: bool
) -> None:
    report = PARSER.parse(f"性别：男  年龄：4岁  {header}\n白细胞计数 12.5 10^9/L\nALT 20 U/L")
    assert report.sample == sample
    wbc, alt = report.items
    assert (wbc.reference_range is not None) is has_default
    assert wbc.flag == ("H" if has_default else None)
    assert alt.reference_range is not None  # WS/T 780 chemistry is serum, unaffected
    adult = PARSER.parse(f"性别：女  年龄：40岁  {header}\n血红蛋白 100 g/L")
    assert (adult.items[0].reference_range is not None) is has_default  # WS/T 405 is venous too


def test_sex_is_never_read_as_months() -> None:
    report = PARSER.parse("Age: 45 M\nWBC 6.0 10^9/L")
    assert report.age == 45


def test_names_as_printed_and_ocr_glued_values() -> None:
    assert one("3淋巴细胞计数 1.48 1.00~3.30").name == "淋巴细胞计数"
    glued = one("嗜酸性粒细胞计数0.17  0.00~0.50 109/L")
    assert (glued.name, glued.value, glued.test_id) == ("嗜酸性粒细胞计数", 0.17, "eos_abs")
    assert one("CA19-9 12.5 U/mL <37").test_id == "ca199"
    assert one("GRA% 50 % 40-75").test_id == "neut_pct"


def test_ambiguous_aliases_follow_unit_and_kind() -> None:
    assert one("PCT 0.25 % 0.11-0.28").test_id == "pct_plt"
    assert one("PCT 0.03 ng/mL <0.05").test_id == "procalcitonin"
    assert one("白细胞 阴性").test_id == "u_le"
    assert one("白细胞 6.1 10^9/L").test_id == "wbc"


def test_header_and_noise_lines_are_not_results() -> None:
    text = "检查日期 2016-09-21\n项目名称 结果 单位 参考范围\n第2页 共3页\n电话：0512-62627777\n"
    assert parse_text(text).items == []


def test_unknown_tests_are_kept_when_they_look_like_results() -> None:
    item = one("某新项目  5.5  mmol/L  1.0-3.0")
    assert item.test_id is None
    assert item.flag == "H"


# -- fuzzing -----------------------------------------------------------------------------

CATALOGUE = default_catalogue()
QUANT = [t for t in CATALOGUE.tests if t.kind == "quantitative" and t.unit]
SEPARATORS = ["-", "~", "～", "—", " - ", "--"]


@st.composite
def rows(draw: st.DrawFn) -> tuple[str, str, float, str | None, float, float]:
    test = draw(st.sampled_from(QUANT))
    names = [test.name_zh, test.name_en, *test.aliases]
    # Only names that resolve to this one test (ambiguous aliases are tested above).
    names = [n for n in names if [t.id for t in CATALOGUE.lookup(n)] == [test.id]]
    name = draw(st.sampled_from(names or [test.name_zh]))
    low_tenths = draw(st.integers(0, 500))
    low, high = low_tenths / 10, (low_tenths + draw(st.integers(1, 500))) / 10
    value = draw(st.integers(0, 2000)) / 100
    decimals = draw(st.integers(0, 2))
    value_text = f"{value:.{decimals}f}"
    value = float(value_text)
    flag = draw(st.sampled_from([None, "↑", "↓", "H", "L"]))
    unit = test.unit or ""
    sep = draw(st.sampled_from(SEPARATORS))
    gap = draw(st.sampled_from(["  ", "\t", " "]))
    cells = [value_text + (flag if flag in ("↑", "↓") and draw(st.booleans()) else "")]
    if flag and not cells[0].endswith(flag):
        cells.append(flag)
    tail = [unit, f"{low:g}{sep}{high:g}"]
    if draw(st.booleans()):
        tail.reverse()
    line = gap.join([name, *cells, *tail])
    return line, test.id, value, flag, low, high


@settings(max_examples=300, deadline=None)
@given(rows())
def test_fuzz_rows_round_trip(row: tuple[str, str, float, str | None, float, float]) -> None:
    line, test_id, value, flag, low, high = row
    item = one(line)
    assert item.test_id == test_id, line
    assert item.value == pytest.approx(value)
    assert item.reference_range is not None
    assert (item.reference_range.low, item.reference_range.high) == (low, high), line
    assert item.reference_range.origin == "printed"
    if flag in ("↑", "H"):
        assert item.flag == "H"
    elif flag in ("↓", "L"):
        assert item.flag == "L"
    else:
        expected = "H" if value > high else "L" if value < low else None
        assert item.flag == expected, line


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(string.printable) + list("血红蛋白↑↓阴性（）～×μ")),
        max_size=200,
    )
)
def test_fuzz_never_crashes(text: str) -> None:
    report = parse_text(text)
    for item in report.items:
        assert item.value_text
        assert item.name
        if item.reference_range and item.reference_range.low is not None:
            assert item.reference_range.high is None or (
                item.reference_range.low <= item.reference_range.high
            )


def test_us_style_report() -> None:
    text = (
        "Test                Result    Flag   Reference Range   Units\n"
        "Glucose, fasting    105       H      70-99             mg/dL\n"
        "Platelets           250,000          150,000-400,000   /uL\n"
        "WBC                 11.2      H      4.5-11.0          K/uL\n"
        "Urinalysis: Nitrite Positive  A      Negative\n"
    )
    glucose, platelets, wbc, nitrite = parse_text(text).items
    assert (glucose.test_id, glucose.value, glucose.flag) == ("glu", 105, "H")
    assert platelets.value == 250000
    assert platelets.reference_range is not None
    assert platelets.reference_range.high == 400000
    assert wbc.ucum == "10*3/uL"
    assert (nitrite.name, nitrite.test_id, nitrite.flag) == ("Nitrite", "u_nit", "A")


def test_long_junk_lines() -> None:
    # These took over 20 s when the section-label search was unbounded (quadratic).
    for junk in ("血红蛋白 " * 3000, "1 " * 10000, "a" * 20000):
        assert parse_text(junk).items == []
    assert len(parse_text("血红蛋白 12 " * 2000).items) == 2000


def test_two_reports_in_one_file_use_their_own_headers() -> None:
    text = (
        "姓名：甲  性别：男  年龄：45岁\n肌酐  100  umol/L\n尿素  5.0  mmol/L\n血红蛋白 140 g/L\n"
        "姓名：乙  性别：女  年龄：45岁\n肌酐  100  umol/L\n"
    )
    report = parse_text(text)
    first, *_, last = report.items
    assert first.flag == "H"  # men 57-97
    assert last.reference_range is not None
    assert last.reference_range.high == 73  # women 41-73
    assert last.flag == "H"
    assert report.sex == "M"


def test_code_columns_and_bracketed_flags() -> None:
    labcorp = one("Hemoglobin 01 13.2 g/dL 13.0-17.7")
    assert (labcorp.value, labcorp.flag) == (13.2, None)
    assert one("Hemoglobin 01 0 g/dL 13.0-17.7").value == 0
    bracketed = one("白细胞计数  12.5  (↑)  10^9/L  3.5-9.5")
    assert bracketed.flag == "H"
    nhs = one("Haemoglobin  135 g/L  (130 - 180)")
    assert nhs.reference_range is not None
    assert (nhs.reference_range.low, nhs.reference_range.high) == (130, 180)
    coded = one("1  WBC  白细胞计数  6.5  10^9/L  3.5--9.5")
    assert (coded.test_id, coded.value) == ("wbc", 6.5)


def test_sign_after_a_qualitative_result_is_part_of_it() -> None:
    positive = one("乙肝表面抗原  阳性  (+)  阴性")
    assert (positive.value_text, positive.flag) == ("阳性(+)", "A")
    assert positive.reference_range is not None
    assert positive.reference_range.expected == "negative"
    assert one("尿蛋白  阴性 (-)  阴性").flag is None


def test_labels_in_front_of_printed_ranges() -> None:
    item = one("总胆固醇  5.80  ↑  mmol/L  合适水平<5.2")
    assert item.reference_range is not None
    assert (item.reference_range.origin, item.reference_range.high) == ("printed", 5.2)
    rbc = one("红细胞计数 4.0 10^12/L 男:4.3-5.8")
    assert rbc.reference_range is not None
    assert rbc.reference_range.low == 4.3
    assert rbc.flag == "L"


def test_sex_specific_printed_ranges_follow_the_person() -> None:
    line = "红细胞计数 4.0 10^12/L 男:4.3-5.8 女:3.8-5.1"
    male, female = one(line, sex="M"), one(line, sex="F")
    assert male.reference_range is not None
    assert female.reference_range is not None
    assert (male.reference_range.low, male.flag) == (4.3, "L")
    assert (female.reference_range.low, female.flag) == (3.8, None)


def test_page_numbers_are_not_ages_and_dashes_are_not_results() -> None:
    report = parse_text("Page 2 of 3\nHemoglobin 13.5 g/dL 12.0-16.0\nHbA1c  -  %  4.0-6.0\n")
    assert report.age is None
    assert [i.test_id for i in report.items] == ["hgb"]
    assert one("尿蛋白  -  阴性").qualitative == "negative"


def test_signed_values_and_ranges() -> None:
    item = one("BE  -4.5  mmol/L  -3~+3")
    assert (item.test_id, item.value, item.flag) == ("bg_be", -4.5, "L")
    assert item.reference_range is not None
    assert (item.reference_range.low, item.reference_range.high) == (-3, 3)


def test_signs_attached_to_names() -> None:
    assert one("Cl-  0  mmol/L  0-0.1").name == "Cl-"
    assert one("K+ 4.1 mmol/L 3.5-5.3").test_id == "k"


def test_ocr_style_glue_and_unit_slips() -> None:
    us = one("Glucose01  112High  98  01/02/2024  mg/dL  70-99")
    assert (us.name, us.value, us.flag) == ("Glucose", 112, "H")
    glued = one("游离三碘甲状腺原氨酸4.6pmo1/L3.1-6.8")
    assert (glued.value, glued.ucum) == (4.6, "pmol/L")
    assert glued.reference_range is not None
    assert glued.reference_range.high == 6.8
    arrow = one("活化部分凝血活酶时间41.5↑秒25-40")
    assert (arrow.flag, arrow.ucum) == ("H", "s")
    assert one("白细胞计数  1.89  10~9/L  3.5-9.5").ucum == "10*9/L"
    assert one("IgG4 1.2 g/L 0.03-2.0").name == "IgG4"


def test_csv_exports() -> None:
    text = (
        "Test,Result,Unit,Range\n"
        "Hemoglobin,10.5,g/dL,12.0-16.0\n"
        '"Platelets","250,000",/uL,"150,000-400,000"\n'
    )
    hgb, plt = parse_text(text).items
    assert (hgb.value, hgb.flag) == (10.5, "L")
    assert plt.value == 250000
    # Ordinary text with a few commas is left alone.
    assert one("血红蛋白 135 g/L 130-175, 复查").value == 135


@pytest.mark.parametrize(
    ("line", "value", "low", "high"),
    [
        ("WBC  6,500  /uL  4,500-11,000", 6500, 4500, 11000),  # US thousands
        ("Platelets  250,000  /uL  150,000-400,000", 250000, 150000, 400000),
        ("Glucose  1,234.5  mg/dL  70-99", 1234.5, 70, 99),
        ("Hemoglobin  14,2  g/dL  13,5-17,5", 14.2, 13.5, 17.5),  # decimal comma
        ("血糖  5,6  mmol/L  3,9-6,1", 5.6, 3.9, 6.1),  # OCR read the points as commas
    ],
)
def test_commas_in_numbers_are_thousands_or_a_decimal_comma(
    line: str, value: float, low: float, high: float
) -> None:
    # These used to be read up to the comma: a WBC of 6,500 /uL as 6, a glucose of 1,234 as 1.
    (item,) = parse_text(line).items
    assert item.value == value
    assert item.reference_range is not None
    assert (item.reference_range.low, item.reference_range.high) == (low, high)
