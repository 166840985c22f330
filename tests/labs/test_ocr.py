"""Photos: table rows rebuilt from OCR boxes; the two real CBC photos against a hand-made gold
file; OCR must run with the network blocked (models ship inside the wheel)."""

from __future__ import annotations

import json
import math
import re
import socket
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.labs.ocr import Box, text_from_boxes
from aegle.labs.reader import read_report
from aegle.labs.render import report_json

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "../shared/data/cn-cbc-report-ocr"
GOLD = Path(__file__).resolve().parent / "gold" / "cn_cbc_photos.json"


def box(x: float, y: float, text: str, slope: float = 0.0, width: float = 120) -> Box:
    h = 24.0
    dy = slope * width
    points = ((x, y), (x + width, y + dy), (x + width, y + dy + h), (x, y + h))
    return Box(points, text, 0.99)


def test_rows_are_rebuilt_from_a_skewed_two_column_photo() -> None:
    slope = math.tan(math.radians(3))
    boxes = []
    rows = [("1白细胞计数", "3.86", "4.00~10.00"), ("2中性粒细胞计数", "1.68", "1.80~6.40")]
    right = [("14红细胞压积", "39.2", "42.0~49.0"), ("15红细胞平均体积", "90.1", "82.0~95.0")]
    for index, (left_row, right_row) in enumerate(zip(rows, right, strict=True)):
        y = 100 + index * 45
        for column, cell in enumerate((*left_row, *right_row)):
            x = 50 + column * 140
            boxes.append(box(x, y + slope * x, cell, slope))
    lines = text_from_boxes(boxes).splitlines()
    assert lines == [
        "白细胞计数  3.86  4.00~10.00",
        "红细胞压积  39.2  42.0~49.0",
        "中性粒细胞计数  1.68  1.80~6.40",
        "红细胞平均体积  90.1  82.0~95.0",
    ]


def test_one_misread_character_is_mapped_to_the_known_name() -> None:
    lines = text_from_boxes([box(10, 10, "默巴细胞计数"), box(200, 10, "1.93")]).splitlines()
    assert lines == ["淋巴细胞计数  1.93"]
    # Two misread characters are not guessed.
    assert text_from_boxes([box(10, 10, "默默细胞计数")]).startswith("默默")


def test_glued_value_and_range_are_split() -> None:
    text = text_from_boxes([box(10, 10, "9单核细胞百分比12.703.50~10.00%")])
    assert text == "单核细胞百分比12.70 3.50~10.00%"


def test_models_ship_inside_the_wheel() -> None:
    spec = find_spec("rapidocr_onnxruntime")
    assert spec is not None
    assert spec.origin is not None
    models = list((Path(spec.origin).parent / "models").glob("*.onnx"))
    assert len(models) >= 2


@pytest.fixture(scope="module")
def photo_results() -> dict[str, list[dict[str, Any]]]:
    # Block every outgoing connection while OCR runs: it must work offline.
    original = socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        raise OSError(f"network disabled in tests: {address}")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    try:
        results = {}
        for name in ("bloodtestreport.jpg", "bloodtestreport2.jpg"):
            _doc, report = read_report((PHOTOS / name).read_bytes())
            results[name] = report_json(report)["items"]
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
    return results


def _same(a: object, b: object) -> bool:
    try:
        return abs(float(str(a)) - float(str(b))) < 1e-9
    except ValueError:
        return str(a).strip() == str(b).strip()


def test_photo_item_accuracy_against_the_gold_file(
    photo_results: dict[str, list[dict[str, Any]]],
) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    total = read = flags = 0
    for name, items in photo_results.items():
        for want in gold[name]["items"]:
            total += 1
            match = next(
                (
                    i
                    for i in items
                    if re.sub(r"\s+", "", i["name"]) == want["name_zh"]
                    and _same(i["value"], want["value"])
                ),
                None,
            )
            if match is None:
                continue
            read += 1
            expected = {"↑": "H", "↓": "L", None: None}[want["flag"]]
            flags += match["flag"] == expected
    assert total == 40
    # Measured 38/40 = 0.95 here (two digits misread by the OCR model: 37.5 -> 37.6 and
    # 39.2 -> 89.2). The floor leaves room for one more misread on a CPU whose ONNX kernels
    # round differently; the referee figure is reported from ../shared/eval/labs_gold.py.
    assert read / total >= 0.925
    assert flags / total >= 0.925


def test_blank_image_reports_no_text(tmp_path: Path) -> None:
    from io import BytesIO

    from PIL import Image

    from aegle.labs.errors import NoTextFound

    buffer = BytesIO()
    Image.new("RGB", (320, 240), "white").save(buffer, format="PNG")
    with pytest.raises(NoTextFound):
        read_report(buffer.getvalue())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 2000),
            st.floats(0, 2000),
            st.text(alphabet="白细胞计数血红蛋白0123456789.~-/L%↑ ", max_size=20),
            st.floats(-0.2, 0.2),
        ),
        max_size=40,
    )
)
def test_fuzz_rows_from_any_boxes(raw: list[tuple[float, float, str, float]]) -> None:
    boxes = [box(x, y, text, slope) for x, y, text, slope in raw]
    text = text_from_boxes(boxes)
    # No blank records, and no Chinese text is lost (row numbers may be dropped; a name with
    # one misread character may be corrected, which keeps its length).
    assert all(line.strip() for line in text.splitlines())
    kept = re.sub(r"[^\u4e00-\u9fff]", "", text)
    given_chinese = re.sub(r"[^\u4e00-\u9fff]", "", "".join(b.text for b in boxes))
    assert len(kept) == len(given_chinese)
