"""Parse the text of a lab report (pasted, from a PDF, or rebuilt from OCR) into items.

A result row is a test name followed, in any order, by the result, an optional flag
(↑ ↓ H L), a unit and a printed reference range. Names are matched against the catalogue's
aliases (longest prefix first, so OCR text with the value glued to the name still splits);
unknown names are kept when the row clearly looks like a result (value plus unit or range).
The printed range wins over the catalogue default.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from aegle.labs.catalogue import (
    AgeUnit,
    Catalogue,
    LabTest,
    age_in_years,
    default_catalogue,
    normalize_name,
)
from aegle.labs.model import (
    BloodSample,
    Comparator,
    Flag,
    LabItem,
    ParsedReport,
    Qualitative,
    RefRange,
)
from aegle.labs.units import normalize_unit

_NUM = r"\d+(?:\.\d+)?"
_SEP = r"(?:--|-|~|～|—|–|―|至|to)"
# Signed bounds for base excess and the like: "-3~+3".
RANGE_RE = re.compile(rf"^[\[(]?\s*([-+]?{_NUM})\s*{_SEP}\s*([-+]?{_NUM})\s*[\])]?$")
ONE_SIDED_RE = re.compile(rf"^[\[(]?\s*(<=|>=|≤|≥|<|>|小于|大于|低于|高于)\s*({_NUM})\s*[\])]?$")
VALUE_RE = re.compile(rf"^(<=|>=|≤|≥|<|>)?\s*([-+]?{_NUM})$")
SCI_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*[eE]\s*\+?(\d{1,2})(/[lL]|/[uμµ][lL])?$")
GLUED_FLAG_RE = re.compile(
    rf"^((?:<=|>=|≤|≥|<|>)?{_NUM})(↑↑|↓↓|↑|↓|HH|LL|H|L|\*|High|Low|HIGH|LOW)$"
)
# OCR glue: "4.6pmo1/L3.1-6.8" (value, unit, range) and "秒25-40" (unit, range).
GLUED_VALUE_UNIT_RANGE_RE = re.compile(
    rf"^((?:<=|>=|≤|≥|<|>)?{_NUM})([^\d\s<>≤≥~～-][^\s]*?)({_NUM}\s*{_SEP}\s*{_NUM})$"
)
GLUED_UNIT_RANGE_RE = re.compile(rf"^([^\d\s<>≤≥~～()\[\]-][^\d\s]*?)({_NUM}\s*{_SEP}\s*{_NUM})$")
GLUED_RANGE_UNIT_RE = re.compile(rf"^({_NUM}\s*{_SEP}\s*{_NUM})((?:\.(?!\d)|[^\d.\s]).*)$")
GLUED_VALUE_UNIT_RE = re.compile(rf"^((?:<=|>=|≤|≥|<|>)?{_NUM})([a-zA-Zμµ%/*^][^\s]*)$")
NAME_VALUE_RE = re.compile(r"^(.*?[^\d\s.+\-])(\s*(?:<=|>=|≤|≥|<|>)?\d.*)$")
SECTION_LABEL_MAX = 24
SIGN_RE = re.compile(r"^\((?:\+|-|—|±)\)$")
RANGE_LABEL_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}[:：]?(?=[<>≤≥\d])")
LAB_CODE_RE = re.compile(r"^0\d$")
LAB_CODE_GLUED_RE = re.compile(r"^0\d(?=\s|$)")
MARKER_RE = re.compile(r"^[*★☆△▲#]+\s*")
INDEX_RE = re.compile(r"^\s*(?:\d{1,2}[.、)]?\s+|\d{1,2}(?=[\u4e00-\u9fff])|[*★☆△▲#]+\s*)")
# A Chinese name followed at once by a word that makes it another measure: 甲胎蛋白异质体 is
# not AFP, 醛固酮/肾素比值 not aldosterone, 乳酸脱氢酶同工酶 not LDH, 游离睾酮指数 not free
# testosterone.
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
DERIVED_MEASURE_RE = re.compile(
    r"(?:/[\u4e00-\u9fff]{1,8})?[\u4e00-\u9fff]{0,6}?(?:比值|比率|指数|同工酶|异质体|亚型)"
)

NAME_TAIL_RE = re.compile(r"^[-—‐+.*]+(?=\s|$)")
SUFFIX_RE = re.compile(r"^\s?[(\[][^)\]\d\s]{1,16}[)\]]")

FLAGS_UP = {"↑", "↑↑", "H", "HH", "高", "偏高", "high", "High", "HIGH", "*H"}
FLAGS_DOWN = {"↓", "↓↓", "L", "LL", "低", "偏低", "low", "Low", "LOW", "*L"}
FLAGS_ABNORMAL = {"*", "A", "异常", "Abnormal", "abnormal"}

_QUAL: dict[str, Qualitative] = {
    "阴性": "negative",
    "阴性(-)": "negative",
    "阴性(—)": "negative",
    "(-)": "negative",
    "-": "negative",
    "—": "negative",
    "neg": "negative",
    "negative": "negative",
    "negative(-)": "negative",
    "未检出": "negative",
    "notdetected": "negative",
    "nonreactive": "negative",
    "±": "trace",
    "+-": "trace",
    "+/-": "trace",
    "弱阳性(±)": "trace",
    "(±)": "trace",
    "微量": "trace",
    "trace": "trace",
    "弱阳性": "positive",
    "阳性": "positive",
    "阳性(+)": "positive",
    "(+)": "positive",
    "pos": "positive",
    "positive": "positive",
    "positive(+)": "positive",
    "检出": "positive",
    "detected": "positive",
    "reactive": "positive",
}
GRADE_RE = re.compile(r"^(?:阳性)?\(?([1-4]\+|\+{1,4})\)?$")

SEX_RE = re.compile(
    r"(?:性\s*别|\bsex|\bgender)\s*[:：]?\s*(男|女|male|female|m|f)\b", re.IGNORECASE
)
# "\b" keeps "Page 2 of 3" from reading as an age of 2. Children's ages come as "6个月",
# "1岁2个月", "28天" or "3 weeks"; a bare "m" is never months ("Age: 45 M" is a sex).
AGE_RE = re.compile(
    r"(?:年\s*龄|\bage)\s*[:：]?\s*(\d{1,3})\s*"
    r"(岁|个?月|天|日|周|y(?:ears?|rs?)?\b|mo(?:nths?)?\b|days?\b|w(?:ee)?ks?\b)?"
    r"(?:\s*(\d{1,2})\s*(?:个?月|mo(?:nths?)?\b))?",
    re.I,
)
# Prefix of the printed unit (casefolded, 个 dropped) -> unit.
_AGE_UNITS: dict[str, AgeUnit] = {
    "岁": "y",
    "y": "y",
    "月": "mo",
    "mo": "mo",
    "天": "d",
    "日": "d",
    "da": "d",
    "周": "w",
    "w": "w",
}
# "标本：末梢血" / "全血(末梢)" / "Specimen: capillary": venous defaults then do not apply.
CAPILLARY_RE = re.compile(
    r"末梢|指尖血|手指血|指血|毛细血管血|\bcapillary\b|\bfinger[\s-]?(?:prick|stick)", re.I
)
VENOUS_RE = re.compile(r"静脉血|\bvenous\b", re.I)


@dataclass
class _Row:
    name: str
    tests: list[LabTest]
    rest: str
    line: int
    known: bool


@dataclass
class _Cells:
    value_text: str | None = None
    value: float | None = None
    comparator: Comparator | None = None
    qualitative: Qualitative | None = None
    grade: str | None = None
    unit: str | None = None
    ucum: str | None = None
    flag: str | None = None
    range_low: float | None = None
    range_high: float | None = None
    range_text: str | None = None
    range_expected: Qualitative | None = None
    range_sex: str | None = None
    person_sex: str | None = None
    extra: list[str] = field(default_factory=list)


# Commas inside numbers: "6,500" and "250,000" (US reports) group thousands; any other digit
# comma digit ("14,2", or OCR reading "5.36" as "5,36") is a decimal comma. Read as the digits
# before the comma, these gave 6 for a WBC of 6,500 /uL and 1 for a glucose of 1,234 mg/dL.
THOUSANDS_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])(?!\.\d*,)")
DECIMAL_COMMA_RE = re.compile(r"(?<![\d.,])(\d+),(\d+)(?![\d.,])")
_NUMBER_WORD_RE = re.compile(r"(?:(?<=\s)|^)\d+,\d+(?![\d.,])")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if "," in text:
        text = THOUSANDS_RE.sub(lambda m: m.group().replace(",", ""), text)
        text = DECIMAL_COMMA_RE.sub(r"\1.\2", text)
    # Table rules from Markdown or box-drawing pastes are column gaps.
    text = re.sub(r"[|│┃]", "  ", text)
    return text.replace("\u3000", " ").replace("\t", "  ").strip()


def _qual(token: str) -> Qualitative | None:
    key = re.sub(r"\s+", "", token).casefold().replace("（", "(").replace("）", ")")
    return _QUAL.get(key)


def _comparator(symbol: str | None) -> Comparator | None:
    mapping: dict[str, Comparator] = {
        "<": "<",
        "小于": "<",
        "低于": "<",
        "<=": "<=",
        "≤": "<=",
        ">": ">",
        "大于": ">",
        "高于": ">",
        ">=": ">=",
        "≥": ">=",
    }
    return mapping.get(symbol) if symbol else None


def _split_pieces(rest: str) -> list[str]:
    """Whitespace tokens, with glued value+flag, value+unit and range+unit pulled apart."""
    pieces: list[str] = []
    # Keep "x 10^9/L" and "< 0.5" together before splitting on spaces.
    rest = re.sub(r"([<>≤≥])\s+(?=\d)", r"\1", rest)
    # "250,000": thousands separators (a decimal comma never has exactly three digits here).
    rest = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", rest)
    rest = re.sub(r"(?<=\d)\s*([↑↓]+)\s*", r" \1 ", rest)
    rest = re.sub(r"([x×*])\s+(?=10)", r"\1", rest)
    # "0 - 0.1": a range printed with spaces around its separator is one cell.
    rest = re.sub(r"(?<=\d)\s*(--|-|~|～|—|–|―)\s*(?=\d)", r"\1", rest)
    for token in rest.split():
        pieces.extend(_split_token(token))
    return pieces


def _split_token(token: str) -> list[str]:
    if SCI_RE.match(token) or normalize_unit(token):
        return [token]  # "10~9/L" is a unit, not the range 10~9 glued to "/L"
    match = GLUED_VALUE_UNIT_RANGE_RE.match(token)
    if match and normalize_unit(match.group(2)):
        return [match.group(1), match.group(2), match.group(3)]
    match = GLUED_UNIT_RANGE_RE.match(token)
    if match and normalize_unit(match.group(1)):
        return [match.group(1), match.group(2)]
    match = GLUED_RANGE_UNIT_RE.match(token)
    if match:
        # The range is kept even when what is glued to it is not a unit we know ("p8").
        return [match.group(1), match.group(2)]
    match = GLUED_VALUE_UNIT_RE.match(token)
    if match and normalize_unit(match.group(2)):
        return [match.group(1), match.group(2)]
    return [token]


def _fill(cells: _Cells, pieces: list[str]) -> None:
    for piece in pieces:
        bare = piece.strip("()[]")
        if bare in FLAGS_UP or bare in FLAGS_DOWN or bare in FLAGS_ABNORMAL:
            if cells.value_text is not None and cells.flag is None:
                cells.flag = bare
            continue
        if cells.value_text is None and LAB_CODE_RE.match(piece):
            continue  # "Hemoglobin 01 13.2": a performing-lab code column, not the result
        if (
            cells.qualitative is not None
            and cells.range_text is None
            and SIGN_RE.match(piece)
            and _qual(piece) == cells.qualitative
        ):
            cells.value_text = f"{cells.value_text}{piece}"  # "阳性 (+)" is one result
            continue
        if cells.value_text is None:
            glued = GLUED_FLAG_RE.match(piece)
            if glued and _take_value(cells, glued.group(1)):
                cells.value_text, cells.flag = glued.group(1), glued.group(2)
                continue
            if _take_value(cells, piece):
                continue
        elif (cells.range_text is None and _take_range(cells, piece)) or (
            _better_sex_range(cells, piece) and _take_range(cells, piece)
        ):
            continue
        ucum = normalize_unit(piece)
        if ucum and cells.unit is None and cells.value_text is not None:
            cells.unit, cells.ucum = piece, ucum
            continue
        cells.extra.append(piece)


def _take_value(cells: _Cells, piece: str) -> bool:
    sci = SCI_RE.match(piece)
    if sci:
        mantissa, power, per = sci.groups()
        cells.value_text, cells.value = piece, float(mantissa)
        if per:
            unit = f"10*{int(power)}/L" if per.lower() == "/l" else f"10*{int(power)}/uL"
            cells.unit, cells.ucum = unit, unit
        else:
            cells.value = float(mantissa) * 10 ** int(power)
        return True
    match = VALUE_RE.match(piece)
    if match:
        cells.value_text = piece
        cells.comparator = _comparator(match.group(1))
        cells.value = float(match.group(2))
        return True
    qual = _qual(piece)
    if qual:
        cells.value_text, cells.qualitative = piece, qual
        return True
    grade = GRADE_RE.match(piece.replace("（", "(").replace("）", ")"))
    if grade:
        cells.value_text, cells.qualitative = piece, "positive"
        raw = grade.group(1)
        cells.grade = raw if raw[0].isdigit() else f"{len(raw)}+"
        return True
    return False


def _range_sex(piece: str) -> str | None:
    label = RANGE_LABEL_RE.match(piece)
    if label is None:
        return None
    return _sex_code(label.group(0).rstrip(":："))


def _better_sex_range(cells: _Cells, piece: str) -> bool:
    """ "男:4.3-5.8 女:3.8-5.1": replace the first range when the next one is this person's."""
    return (
        cells.person_sex is not None
        and cells.range_sex != cells.person_sex
        and _range_sex(piece) == cells.person_sex
    )


def _take_range(cells: _Cells, piece: str) -> bool:
    # "合适水平<5.2", "男:4.3-5.8": a short label in front of the printed range.
    cells.range_sex = _range_sex(piece)
    piece = RANGE_LABEL_RE.sub("", piece, count=1)
    match = RANGE_RE.match(piece)
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        if low <= high:
            cells.range_low, cells.range_high, cells.range_text = low, high, piece
            return True
        return False
    match = ONE_SIDED_RE.match(piece)
    if match:
        comparator = _comparator(match.group(1))
        bound = float(match.group(2))
        if comparator in ("<", "<="):
            cells.range_high = bound
        else:
            cells.range_low = bound
        cells.range_text = piece
        return True
    qual = _qual(piece)
    if qual and cells.qualitative is not None:
        cells.range_text, cells.range_expected = piece, qual
        return True
    return False


class ReportParser:
    """Stateless apart from the catalogue; safe to share."""

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or default_catalogue()
        self._max_key = max((len(k) for k in self.catalogue.keys_longest_first()), default=0)

    # -- names -------------------------------------------------------------------------
    def match_prefix(self, text: str) -> tuple[int, list[LabTest]] | None:
        """End index of the longest leading part of `text` that is a known alias."""
        found = self.match_prefixes(text)
        return found[-1] if found else None

    def match_prefixes(self, text: str) -> list[tuple[int, list[LabTest]]]:
        """Every leading part of `text` that is a known alias, shortest first."""
        norm: list[str] = []
        ends: list[int] = []
        for position, char in enumerate(text[: self._max_key * 2 + 4]):
            for folded in normalize_name(char):
                norm.append(folded)
                ends.append(position + 1)
        found: list[tuple[int, list[LabTest]]] = []
        key = ""
        for index, char in enumerate(norm[: self._max_key]):
            key += char
            tests = self.catalogue.lookup_key(key)
            if not tests:
                continue
            end = ends[index]
            nxt = text[end : end + 1]
            # An ASCII alias must not run into more letters ("CA" inside "CA125").
            last = text[end - 1]
            glued = bool(nxt) and nxt.isascii() and (nxt.isalnum() or nxt in "%#/")
            # "Glucose01": OCR lost the space before a performing-lab code column.
            lab_code = LAB_CODE_GLUED_RE.match(text[end:]) is not None
            if glued and last.isascii() and last.isalnum() and not lab_code:
                continue
            if _CJK_CHAR.match(last) and DERIVED_MEASURE_RE.match(text, end):
                continue
            found.append((end, tests))
        return found

    def _rows(self, text: str, line: int) -> Iterator[_Row]:
        """Candidate readings of a line, best first: known names (longest match first, so
        "TT  3 s" can still fall back to TT when "TT3" leaves no result), then unknown."""
        text = MARKER_RE.sub("", text, count=1)
        for candidate in dict.fromkeys((text, INDEX_RE.sub("", text, count=1))):
            if not candidate:
                continue
            for end, tests in reversed(self.match_prefixes(candidate)):
                # "Cl-", "K+": trailing signs that normalise away still belong to the name.
                tail = NAME_TAIL_RE.match(candidate[end:])
                if tail:
                    end += tail.end()
                suffix = SUFFIX_RE.match(candidate[end:])
                if suffix:
                    end += suffix.end()
                rest = candidate[end:].strip(" :：\t")
                yield _Row(candidate[:end].strip(), tests, rest, line, True)
        stripped = INDEX_RE.sub("", text, count=1)
        # "Urinalysis: Nitrite  Positive": a known name after a section label.
        first_cell = re.split(r"\s{2,}", stripped, maxsplit=1)[0]
        # Labels are short: looking further would make long junk lines quadratic.
        for later in re.finditer(r"(?<=[\s:：])\S", first_cell[:SECTION_LABEL_MAX]):
            found = self.match_prefix(stripped[later.start() :])
            if found:
                end = later.start() + found[0]
                rest = stripped[end:].strip(" :：\t")
                yield _Row(stripped[later.start() : end].strip(), found[1], rest, line, True)
        parts = re.split(r"\s{2,}|\t", stripped, maxsplit=1)
        if len(parts) == 2 and parts[0].strip():
            yield _Row(parts[0].strip(), [], parts[1], line, False)
        # Unknown name: the words before the first result-like word ("IgG4 1.2 g/L").
        words = stripped.split()
        for index in range(1, len(words)):
            if VALUE_RE.match(words[index]) or GLUED_FLAG_RE.match(words[index]):
                yield _Row(" ".join(words[:index]), [], " ".join(words[index:]), line, False)
                break
        match = NAME_VALUE_RE.match(stripped)
        if match and match.group(1).strip():
            yield _Row(match.group(1).strip(" :："), [], match.group(2), line, False)

    # -- the report ------------------------------------------------------------------
    def parse(self, text: str, *, sex: str | None = None, age: float | None = None) -> ParsedReport:
        """Parse every result. A file may hold several reports (a new patient header after
        results starts one); each uses its own header's sex and age for default ranges."""
        lines = [_clean(raw) for raw in _csv_as_columns(text).splitlines()]
        items: list[LabItem] = []
        first: tuple[str | None, float | None, BloodSample | None] | None = None
        for segment in _segments(lines):
            segment_text = "\n".join(line for _, line in segment)
            found_sex, found_age = _demographics(segment_text)
            seg_sex = sex or found_sex
            seg_age = age if age is not None else found_age
            sample = _blood_sample(segment_text)
            if first is None:
                first = (seg_sex, seg_age, sample)
            found: list[LabItem] = []
            for number, line in segment:
                if DEMOGRAPHICS_RE.search(line):
                    continue  # "Patient: ... Sex: F Age: 38" is a header, not a result
                for record in self.split_records(line):
                    item = self.parse_line(record, number, sex=seg_sex, age=seg_age, sample=sample)
                    if item is not None:
                        found.append(item)
            items.extend(_resolve_context(found, self.catalogue, seg_sex, seg_age, sample))
        sex, age, sample = first or (sex, age, None)
        return ParsedReport(items=items, sex=_sex_code(sex), age=age, sample=sample)

    def split_records(self, line: str) -> list[str]:
        """Two-column reports print two results on one line: split where a second known
        name starts after the current record already has its name and a result."""
        tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]
        if len(tokens) < 4:
            return [line]
        name_end = self._name_end(line, 0)
        if name_end is None:
            return [line]
        cuts: list[int] = []
        has_value = False
        for position, token in tokens:
            if position < name_end:
                continue
            if has_value and self._starts_record(token, line[position:]):
                cuts.append(position)
                name_end = self._name_end(line, position) or position + len(token)
                has_value = False
                continue
            if VALUE_RE.match(token) or _qual(token) or GLUED_FLAG_RE.match(token):
                has_value = True
        bounds = [0, *cuts, len(line)]
        return [line[a:b].strip() for a, b in itertools.pairwise(bounds)]

    def _name_end(self, line: str, start: int) -> int | None:
        text = line[start:]
        stripped = MARKER_RE.sub("", text, count=1)
        stripped = INDEX_RE.sub("", stripped, count=1)
        found = self.match_prefix(stripped)
        if found is None:
            return None
        return start + (len(text) - len(stripped)) + found[0]

    def _starts_record(self, token: str, rest: str) -> bool:
        if _is_value(token) or normalize_unit(token) or token in FLAGS_UP or token in FLAGS_DOWN:
            return False
        return self.match_prefix(MARKER_RE.sub("", rest, count=1)) is not None

    def parse_line(
        self,
        line: str,
        number: int = 0,
        *,
        sex: str | None = None,
        age: float | None = None,
        sample: BloodSample | None = None,
    ) -> LabItem | None:
        for row in self._rows(line, number):
            if len(row.name) > 60:
                continue
            cells = _Cells(person_sex=_sex_code(sex))
            _fill(cells, _split_pieces(row.rest))
            if cells.value_text is None:
                continue
            if not row.known:
                looks_like_result = cells.value is not None and (
                    cells.ucum is not None or cells.range_text is not None
                )
                if not looks_like_result or not re.search(r"[A-Za-z\u4e00-\u9fff]", row.name):
                    return None
            break
        else:
            return None
        test = _choose(row.tests, cells)
        if test is not None and test.kind == "quantitative" and cells.value_text in ("-", "—"):
            return None  # a dash in a numeric column means "not measured", not "negative"
        return build_item(row.name, test, cells, number, _sex_code(sex), age, sample)


DEMOGRAPHICS_RE = re.compile(
    r"(?:性\s*别|sex|gender)\s*[:：]?\s*(?:男|女|male|female|m|f)\b.*(?:年\s*龄|age)|"
    r"(?:年\s*龄|age)\s*[:：]?\s*\d{1,3}.*(?:性\s*别|sex|gender)",
    re.IGNORECASE,
)
HEADER_RE = re.compile(r"(?:姓\s*名|patient|name)\s*[:：]", re.IGNORECASE)


def _segments(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Split numbered non-empty lines where a patient header follows earlier result lines."""
    segments: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        if HEADER_RE.search(line) and len(segments[-1]) > 2:
            segments.append([])
        segments[-1].append((number, line))
    return segments


def _csv_as_columns(text: str) -> str:
    """A CSV export (most lines with the same number of commas) becomes column-gapped text."""
    rows = [line for line in text.splitlines() if line.strip()]
    # "WBC  6,500  /uL  4,500-11,000" and "Hb  14,2  g/dL" are report lines, not CSV rows: a
    # number with a comma that starts a space-separated word is one number (a CSV cell
    # starts after a comma).
    counts = [
        _NUMBER_WORD_RE.sub("0", THOUSANDS_RE.sub("0", line)).count(",") if "," in line else 0
        for line in rows
    ]
    if not rows or max(counts, default=0) < 2:
        return text
    common = max(set(counts), key=counts.count)
    if common < 2 or counts.count(common) < 0.6 * len(rows):
        return text
    reader = csv.reader(io.StringIO(text))
    return "\n".join("  ".join(cell.strip() for cell in row) for row in reader)


def _is_value(cell: str) -> bool:
    return bool(VALUE_RE.match(cell) or RANGE_RE.match(cell) or _qual(cell))


def _sex_code(sex: str | None) -> str | None:
    if not sex:
        return None
    key = sex.strip().casefold()
    if key in {"m", "male", "男", "man"}:
        return "M"
    if key in {"f", "female", "女", "woman"}:
        return "F"
    return None


def _demographics(text: str) -> tuple[str | None, float | None]:
    sex_match = SEX_RE.search(text)
    age_match = AGE_RE.search(text)
    age: float | None = None
    if age_match:
        unit = (age_match.group(2) or "岁").casefold().removeprefix("个")
        key = next(k for k in _AGE_UNITS if unit.startswith(k))
        age = age_in_years(float(age_match.group(1)), _AGE_UNITS[key])
        if age_match.group(3):
            age += age_in_years(float(age_match.group(3)), "mo")
    return (sex_match.group(1) if sex_match else None), age


def _blood_sample(text: str) -> BloodSample | None:
    """The sample the report says it measured; both or neither named means unknown."""
    capillary, venous = CAPILLARY_RE.search(text), VENOUS_RE.search(text)
    if capillary and not venous:
        return "capillary"
    if venous and not capillary:
        return "venous"
    return None


def _choose(tests: list[LabTest], cells: _Cells) -> LabTest | None:
    """Pick among tests sharing an alias by unit and by kind of result."""
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]

    def score(test: LabTest) -> int:
        points = 0
        if cells.ucum and test.unit and test.factor_from(cells.ucum) is not None:
            points += 4
        if cells.qualitative and test.kind == "qualitative":
            points += 3
        if cells.value is not None and cells.qualitative is None and test.kind == "quantitative":
            points += 2
        return points

    return max(tests, key=score)


def build_item(
    name: str,
    test: LabTest | None,
    cells: _Cells,
    line: int,
    sex: str | None,
    age: float | None,
    sample: BloodSample | None = None,
) -> LabItem:
    value_text = cells.value_text or ""
    ref: RefRange | None = None
    if cells.range_text is not None:
        ref = RefRange(
            low=cells.range_low,
            high=cells.range_high,
            text=cells.range_text,
            origin="printed",
            expected=cells.range_expected,
        )
    elif test is not None:
        ref = default_range(test, cells.ucum, sex, age, sample)
    return LabItem(
        name=name,
        test_id=test.id if test else None,
        loinc=test.loinc[0] if test else None,
        value_text=value_text,
        value=cells.value,
        comparator=cells.comparator,
        qualitative=cells.qualitative,
        grade=cells.grade,
        unit=cells.unit,
        ucum=cells.ucum,
        printed_flag=cells.flag,
        flag=compute_flag(cells, ref, test),
        reference_range=ref,
        line=line,
    )


def default_range(
    test: LabTest,
    ucum: str | None,
    sex: str | None,
    age: float | None,
    sample: BloodSample | None = None,
) -> RefRange | None:
    """The catalogue interval for this person, converted into the printed unit when needed."""
    if test.kind == "qualitative" and test.expected:
        return RefRange(text="阴性/negative", origin="default", expected="negative")
    interval = test.interval_for(sex, age, sample)
    if interval is None:
        return None
    factor = 1.0
    if ucum and test.unit and ucum != test.unit:
        to_test = test.factor_from(ucum)
        if to_test is None:
            return None
        factor = 1.0 / to_test
    low = None if interval.low is None else _sig(interval.low * factor)
    high = None if interval.high is None else _sig(interval.high * factor)
    if low is not None and high is not None:
        text = f"{low:g}-{high:g}"
    elif high is not None:
        text = f"<{high:g}"
    else:
        text = f">={low:g}"
    return RefRange(low=low, high=high, text=text, origin="default", source=interval.source)


def _sig(value: float) -> float:
    """Three significant figures: converted limits should not look more precise than they are."""
    return float(f"{value:.3g}")


def compute_flag(cells: _Cells, ref: RefRange | None, test: LabTest | None) -> Flag | None:
    printed = cells.flag
    if printed in FLAGS_UP:
        return "H"
    if printed in FLAGS_DOWN:
        return "L"
    if cells.qualitative is not None:
        expected = ref.expected if ref else None
        if expected is None and test is not None:
            expected = "negative" if test.expected else None
        if expected == "negative" and cells.qualitative != "negative":
            return "A"
        return "A" if printed in FLAGS_ABNORMAL else None
    if cells.value is None or ref is None:
        return "A" if printed in FLAGS_ABNORMAL else None
    value, comparator = cells.value, cells.comparator
    if ref.high is not None:
        above = value > ref.high if comparator not in ("<", "<=") else False
        if above:
            return "H"
    if ref.low is not None:
        below = value < ref.low if comparator not in (">", ">=") else False
        if comparator in ("<", "<=") and value <= ref.low:
            below = True
        if below:
            return "L"
    return "A" if printed in FLAGS_ABNORMAL else None


def _resolve_context(
    items: list[LabItem],
    catalogue: Catalogue,
    sex: str | None,
    age: float | None,
    sample: BloodSample | None,
) -> list[LabItem]:
    """Ambiguous aliases (白细胞 in blood or urine, PCT) follow the report's dominant panel."""
    panels: dict[str, int] = {}
    for item in items:
        if item.test_id:
            test = catalogue.by_id[item.test_id]
            if len(catalogue.lookup(item.name)) == 1:
                panels[test.panel] = panels.get(test.panel, 0) + 1
    if not panels:
        return items
    dominant = max(panels, key=lambda key: panels[key])
    resolved: list[LabItem] = []
    for item in items:
        candidates = catalogue.lookup(item.name)
        if len(candidates) > 1 and item.test_id:
            current = catalogue.by_id[item.test_id]
            preferred = [t for t in candidates if t.panel == dominant]
            unit_ok = [
                t for t in preferred if not item.ucum or t.factor_from(item.ucum) is not None
            ]
            if unit_ok and current.panel != dominant and item.qualitative is None:
                test = unit_ok[0]
                ref = (
                    item.reference_range
                    if item.reference_range and item.reference_range.origin == "printed"
                    else default_range(test, item.ucum, sex, age, sample)
                )
                cells = _Cells(
                    value=item.value,
                    comparator=item.comparator,
                    qualitative=item.qualitative,
                    flag=item.printed_flag,
                )
                item = item.model_copy(
                    update={
                        "test_id": test.id,
                        "loinc": test.loinc[0],
                        "reference_range": ref,
                        "flag": compute_flag(cells, ref, test),
                    }
                )
        resolved.append(item)
    return resolved


@cache
def default_parser() -> ReportParser:
    """One parser over the default catalogue: building one walks every alias (about 1.5 ms)."""
    return ReportParser()


def parse_text(text: str, *, sex: str | None = None, age: float | None = None) -> ParsedReport:
    return default_parser().parse(text, sex=sex, age=age)
