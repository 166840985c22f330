"""SVG charts: well-formed, localised, and drawn from the metrics."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aegle.core.types import LocalizedText
from aegle.vitals.cgm import day_by_day, read_cgm_table
from aegle.vitals.charts import agp_svg, time_in_ranges, trend_svg

DATA = Path(__file__).resolve().parents[2] / "../shared/data/cgm-iglu"
NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own generated markup, not untrusted input


def _subject() -> tuple[object, object]:
    series = read_cgm_table((DATA / "example_data_Subject_2.csv").read_text(), "Asia/Shanghai")
    s = next(iter(series.values()))
    return s, day_by_day(s)


def test_agp_is_valid_svg_with_bands_median_and_tir_bar() -> None:
    s, grid = _subject()
    svg = agp_svg(grid, s.glucose, "zh-CN")  # type: ignore[attr-defined, arg-type]
    root = _parse(svg)
    assert root.tag == f"{NS}svg"
    assert len(root.findall(f"{NS}polygon")) >= 2  # 5-95 and 25-75 bands
    assert root.findall(f"{NS}polyline")  # the median
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "动态血糖图谱" in texts
    assert "目标 70–180" in texts
    assert "nan" not in svg.lower()


def test_agp_english_mmol_labels() -> None:
    s, grid = _subject()
    svg = agp_svg(grid, s.glucose, "en", unit="mmol/L")  # type: ignore[attr-defined, arg-type]
    root = _parse(svg)
    texts = [t.text or "" for t in root.iter(f"{NS}text")]
    assert "Ambulatory Glucose Profile (AGP)" in texts
    assert "10.0" in texts  # 180 mg/dL line labelled in mmol/L
    assert any(t.startswith("In range 3.9–10.0") for t in texts)


def test_time_in_ranges_partition() -> None:
    s, _ = _subject()
    tir = time_in_ranges(s.glucose)  # type: ignore[attr-defined]
    assert sum(tir.values()) == pytest.approx(100)
    assert tir["in_range"] == pytest.approx(26.44043831742665, rel=1e-9)  # iglu's value


def test_trend_chart_for_blood_pressure() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    days = [datetime(2024, 6, 1, 7, tzinfo=tz) + timedelta(days=d) for d in range(10)]
    svg = trend_svg(
        {"SBP": [(d, 130 + i) for i, d in enumerate(days)], "DBP": [(d, 85.0) for d in days]},
        LocalizedText(zh="血压", en="Blood pressure"),
        "mmHg",
        "en",
        reference_lines=(135, 85),
    )
    root = _parse(svg)
    assert len(root.findall(f"{NS}polyline")) == 2
    texts = [t.text or "" for t in root.iter(f"{NS}text")]
    assert "Blood pressure (mmHg)" in texts
    assert "2024-06-01" in texts
    assert "2024-06-10" in texts
    empty = _parse(trend_svg({}, LocalizedText(zh="体重", en="Weight"), "kg"))
    assert empty.findall(f"{NS}polyline") == []
