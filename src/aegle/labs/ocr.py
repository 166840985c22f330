"""Photos of reports: OCR with RapidOCR (ONNX models shipped inside the PyPI wheel, so it runs
offline) and table rebuilding from the detected text boxes.

Phone photos are skewed and table cells come back as separate boxes, sometimes glued
together (two table columns in one box). Rows are rebuilt by clustering box centres after
removing the page skew; glued text is split where a known test name starts.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from statistics import median
from typing import Any

from aegle.labs.catalogue import Catalogue, default_catalogue, normalize_name

CJK = re.compile(r"[\u4e00-\u9fff]")
# A run of Chinese text that starts after something else (digits, units, ...): a new cell.
CJK_START = re.compile(r"(?<=[^\u4e00-\u9fff\s(（])(?=[\u4e00-\u9fff])")
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
# "12.703.50~10.00%": a two-decimal result glued to the range that follows it.
GLUED_NUMBERS = re.compile(r"(\d+\.\d{2})(?=\d+\.\d+\s*[~～-])")
# "4.00~10.0010~9/L": a two-decimal range glued to a 10^n unit.
GLUED_RANGE_COUNT = re.compile(r"(\d+\.\d{1,2}\s*[~～-]\s*\d+\.\d{2})(?=10\D?\d{1,2}/?[lL]?)")
TRAILING_INDEX = re.compile(r"(?<=[A-Za-z%/])\d{1,2}$")
INDEX_ONLY = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True)
class Box:
    """One OCR text box: corner points (clockwise from top-left), text and confidence."""

    points: tuple[tuple[float, float], ...]
    text: str
    score: float

    @property
    def cx(self) -> float:
        return sum(p[0] for p in self.points) / len(self.points)

    @property
    def cy(self) -> float:
        return sum(p[1] for p in self.points) / len(self.points)

    @property
    def height(self) -> float:
        ys = [p[1] for p in self.points]
        return max(ys) - min(ys)

    @property
    def slope(self) -> float | None:
        (x0, y0), (x1, y1) = self.points[0], self.points[1]
        if x1 - x0 < 40:
            return None
        return (y1 - y0) / (x1 - x0)


def boxes_from_rapidocr(result: Sequence[Any] | None) -> list[Box]:
    boxes: list[Box] = []
    for entry in result or []:
        points, text, score = entry[0], str(entry[1]), float(entry[2])
        boxes.append(Box(tuple((float(p[0]), float(p[1])) for p in points), text, score))
    return boxes


def rows_from_boxes(boxes: Sequence[Box]) -> list[list[Box]]:
    """Group boxes into table rows, correcting for the skew of a phone photo."""
    if not boxes:
        return []
    slopes = [s for s in (b.slope for b in boxes) if s is not None]
    slope = median(slopes) if slopes else 0.0
    heights = [b.height for b in boxes if b.height > 0]
    tolerance = (median(heights) if heights else 20.0) * 0.6
    # Undo the rotation: a point's row coordinate is its distance along the page's normal.
    angle = math.atan(slope)
    cos, sin = math.cos(angle), math.sin(angle)

    def row_y(box: Box) -> float:
        return box.cy * cos - box.cx * sin

    rows: list[list[Box]] = []
    centres: list[float] = []
    for box in sorted(boxes, key=row_y):
        y = row_y(box)
        if rows and abs(y - centres[-1]) <= tolerance:
            rows[-1].append(box)
            centres[-1] = sum(row_y(b) for b in rows[-1]) / len(rows[-1])
        else:
            rows.append([box])
            centres.append(y)
    return [sorted(row, key=lambda b: b.cx * cos + b.cy * sin) for row in rows]


# Units misread by OCR: "g/1" for g/l, "f1" for fl, "10E9/1." for 10E9/l.
OCR_UNIT_FIXES = ((re.compile(r"(?<=/)1\.?$"), "l"), (re.compile(r"^f1$"), "fl"))


def _fix_text(text: str) -> str:
    # "γ-谷氨酰基转移酶" comes back as "Y-谷氨酰基转移酶".
    text = re.sub(r"^[Yy](?=-?[\u4e00-\u9fff])", "γ", text)
    for pattern, replacement in OCR_UNIT_FIXES:
        text = pattern.sub(replacement, text)
    text = DECIMAL_COMMA.sub(".", text)
    text = GLUED_NUMBERS.sub(r"\1 ", text)
    return GLUED_RANGE_COUNT.sub(r"\1 ", text)


class NameFixer:
    """Maps an OCR'd Chinese name to a catalogue alias when one character is misread."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._by_length: dict[int, list[str]] = {}
        for key in catalogue.keys_longest_first():
            if len(key) >= 4 and CJK.match(key):
                self._by_length.setdefault(len(key), []).append(key)
        self._printed: dict[str, str] = {}
        for test in catalogue.tests:
            for name in (test.name_zh, *test.aliases):
                self._printed.setdefault(normalize_name(name), name)

    def fix_prefix(self, text: str) -> str:
        """Replace a misread leading name by the alias it most likely is (or leave it)."""
        run = re.match(r"[\u4e00-\u9fff]+", text)
        if not run:
            return text
        word = run.group(0)
        if self.catalogue.lookup_key(word):
            return text
        # Try the longest alias-sized head with exactly one substituted character.
        for length in range(min(len(word), 12), 3, -1):
            head = word[:length]
            if self.catalogue.lookup_key(head):
                return text
            candidates = [
                key
                for key in self._by_length.get(length, [])
                if sum(a != b for a, b in zip(key, head, strict=True)) == 1
            ]
            if len(candidates) == 1:
                return self._printed[candidates[0]] + text[length:]
        return text


@cache
def _fixer() -> NameFixer:
    return NameFixer(default_catalogue())


def text_from_boxes(
    boxes: Sequence[Box], catalogue: Catalogue | None = None, *, ocr: bool = True
) -> str:
    """Rebuild report lines: one line per table record, cells separated by two spaces.

    With `ocr=True` (photos) misread names are corrected and glued text is split; PDF text
    boxes (`ocr=False`) are exact and only need regrouping into rows.
    """
    fixer = NameFixer(catalogue) if catalogue is not None else _fixer()
    lines: list[str] = []
    for row in rows_from_boxes(boxes):
        cells: list[str] = []
        for text in _words_to_cells(row):
            pieces = _split_at_names(fixer, _fix_text(text)) if ocr else [text]
            cells.extend(piece for piece in pieces if piece)
        record: list[str] = []
        for cell in cells:
            candidate = re.sub(r"^\d{1,2}(?=[\u4e00-\u9fff])", "", cell)
            fixed = fixer.fix_prefix(candidate) if ocr else candidate
            starts_name = bool(CJK.match(fixed)) and _known_start(fixer, fixed)
            if starts_name and record:
                _emit(record, lines, ocr=ocr)
                record = []
            record.append(fixed if starts_name else cell)
        _emit(record, lines, ocr=ocr)
    return "\n".join(lines)


def _words_to_cells(row: list[Box]) -> list[str]:
    """Boxes closer than about half a character are one cell ("Free" + "T4" -> "Free T4");
    wider gaps are column gaps."""
    heights = [b.height for b in row if b.height > 0]
    gap_limit = (median(heights) if heights else 20.0) * 0.6
    cells: list[str] = []
    right: float | None = None
    for box in row:
        left = min(p[0] for p in box.points)
        text = box.text.strip()
        if cells and right is not None and left - right < gap_limit:
            cells[-1] = f"{cells[-1]} {text}"
        else:
            cells.append(text)
        right = max(p[0] for p in box.points)
    return cells


def _split_at_names(fixer: NameFixer, text: str) -> list[str]:
    """Cut glued OCR text where a known Chinese test name starts after other characters
    ("1.80~6.40109/L15红细胞平均体积90.1"); "C反应蛋白" stays whole."""
    cuts = [0]
    for match in CJK_START.finditer(text):
        rest = fixer.fix_prefix(text[match.start() :])
        if _known_start(fixer, rest):
            cuts.append(match.start())
    cuts.append(len(text))
    return [text[a:b].strip() for a, b in itertools.pairwise(cuts) if text[a:b].strip()]


def _emit(record: list[str], lines: list[str], *, ocr: bool = True) -> None:
    """Close a record, dropping row numbers: a lone index, or the next row's index at the end."""
    if not record or all(INDEX_ONLY.match(cell) for cell in record):
        return
    if len(record) > 2 and INDEX_ONLY.match(record[-1]):
        record = record[:-1]
    elif len(record) > 2 and ocr:
        record = [*record[:-1], TRAILING_INDEX.sub("", record[-1]) or record[-1]]
    lines.append("  ".join(record))


def _known_start(fixer: NameFixer, text: str) -> bool:
    run = re.match(r"[\u4e00-\u9fff]+", text)
    if not run:
        return False
    word = run.group(0)
    return any(fixer.catalogue.lookup_key(word[:end]) for end in range(len(word), 1, -1))


# onnxruntime threads: two (the machine's cores) for one photo, and no spin-waiting. By default
# idle pool threads spin for work; on a machine shared with other jobs the spinning threads
# steal the CPU the working ones need (measured: a CBC photo at load 3 took 4.7 s with
# spinning, 2.0 s without; see bench/labs_parse.py).
OCR_THREADS = 2


def _session(model_path: str, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        model_path, sess_options=options, providers=["CPUExecutionProvider"]
    )


@cache
def _engine() -> Any:
    # Imported lazily: onnxruntime start-up costs ~0.5 s and text/PDF input never needs it.
    from pathlib import Path

    import rapidocr_onnxruntime
    from rapidocr_onnxruntime import RapidOCR
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml

    engine = RapidOCR(
        det_intra_op_num_threads=OCR_THREADS,
        rec_intra_op_num_threads=OCR_THREADS,
        # Report photos are upright (EXIF applied first): the direction classifier is unused.
        use_cls=False,
    )
    # RapidOCR (pinned 1.4.4) exposes threads but not spinning: swap in sessions made with
    # the options above. Should its internals move, the stock sessions still work.
    config = read_yaml(DEFAULT_CFG_PATH)
    root = Path(rapidocr_onnxruntime.__file__).parent
    holders = ((engine.text_det, "infer", "Det"), (engine.text_rec, "session", "Rec"))
    for owner, attribute, section in holders:
        wrapper = getattr(owner, attribute, None)
        if wrapper is not None and hasattr(wrapper, "session"):
            wrapper.session = _session(str(root / config[section]["model_path"]), OCR_THREADS)
    return engine


def ocr_image(data: bytes | Any) -> list[Box]:
    """Run OCR on encoded image bytes (JPEG/PNG) or a decoded RGB PIL image; models load from
    the installed wheel."""
    result, _elapsed = _engine()(data, use_cls=False)
    return boxes_from_rapidocr(result)
