"""Health-data charts: valid SVG/PNG in both languages, deterministic, honest when empty."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aegle.core.errors import InvalidInput
from aegle.services.health_charts import CHART_NAMES, render
from aegle.vitals.alerts import Point
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.sleep import SleepSession
from aegle.vitals.snapshot import Snapshot

TZ = "Asia/Shanghai"
END = datetime(2025, 3, 4, tzinfo=ZoneInfo(TZ))
START = END - timedelta(days=3)


def _snapshot(*, empty: bool = False) -> Snapshot:
    if empty:
        series = GlucoseSeries.build(np.array([]), np.array([]), TZ, "p")
        return Snapshot(tz=TZ, start=START, end=END, glucose=series)
    t = np.arange(START.timestamp(), END.timestamp(), 300.0)
    g = 130 + 60 * np.sin(t / 86400 * 2 * np.pi)
    days = [START + timedelta(days=d, hours=8) for d in range(3)]
    return Snapshot(
        tz=TZ,
        start=START,
        end=END,
        glucose=GlucoseSeries.build(t, g, TZ, "p"),
        bp=tuple(BPReading(day, 142.0, 88.0) for day in days),
        sleep=tuple(
            SleepSession(day - timedelta(hours=9), day - timedelta(hours=1)) for day in days
        ),
        resting_hr=tuple(Point(day, 61.0) for day in days),
        weight=tuple(Point(day, 70.0) for day in days),
        spo2=tuple(Point(day, 97.0) for day in days),
    )


def _svg_text(content: bytes) -> str:
    root = ElementTree.fromstring(content)  # noqa: S314 - our own output
    return " ".join(t for t in root.itertext() if t.strip())


@pytest.mark.parametrize("name", CHART_NAMES)
def test_every_chart_is_valid_svg_and_png(name: str) -> None:
    snapshot = _snapshot()
    svg = render(name, snapshot, "en", "svg")
    assert svg.media_type == "image/svg+xml"
    assert _svg_text(svg.content)
    png = render(name, snapshot, "zh-CN", "png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.filename == f"{name}.png"


def test_agp_has_the_report_parts_in_the_locale() -> None:
    zh = _svg_text(render("agp", _snapshot(), "zh-CN", "svg").content)
    assert "动态血糖图谱" in zh
    assert "各范围内时间" in zh
    assert "mmol/L" in zh  # zh-CN defaults to mmol/L
    en = _svg_text(render("agp", _snapshot(), "en", "svg").content)
    assert "Time in ranges" in en
    assert "Daily glucose profiles" in en
    assert "mg/dL" in en
    # Same data, same file: charts can be cached and compared.
    assert render("bp", _snapshot(), "en").content == render("bp", _snapshot(), "en").content


def test_empty_data_says_so_and_bad_requests_are_refused() -> None:
    text = _svg_text(render("agp", _snapshot(empty=True), "zh-CN", "svg").content)
    assert "这段时间没有数据" in text
    assert "No data" in _svg_text(render("weight", _snapshot(empty=True), "en").content)
    with pytest.raises(InvalidInput):
        render("pie", _snapshot(), "en")
    with pytest.raises(InvalidInput):
        render("agp", _snapshot(), "en", "gif")
