"""Bad input gets a clear message in both languages: every refusal and every quarantine reason a
parser produces is a message id with a zh translation and all its values filled in."""

from __future__ import annotations

import string
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aegle.core.errors import AegleError, InvalidInput
from aegle.core.i18n import translate
from aegle.importers.apple_health import AppleHealthExport
from aegle.importers.bp_csv import parse_bp_csv
from aegle.importers.cgm_csv import parse_cgm_csv
from aegle.importers.fhir import parse_bundle
from aegle.importers.model import Quarantined
from aegle.importers.open_mhealth import parse_open_mhealth
from tests.importers.apple_health.test_parser import HOSTILE

PO = Path(__file__).resolve().parents[2] / "src/aegle/locale/zh_CN/LC_MESSAGES/messages.po"


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


ZH = _catalogue()


def _check(error: AegleError) -> str:
    """The error's message is in the catalogue, translated, and formats with its params."""
    message = error.detail or error.title
    assert message in ZH, f"no zh translation for {message!r}"
    names = {n for _, n, _, _ in string.Formatter().parse(message) if n}
    assert names <= set(error.params), f"{message!r} misses {names - set(error.params)}"
    zh = translate("zh-CN", message, **error.params)
    assert "{" not in zh.replace(str(error.params), "")
    return zh


def _check_quarantined(items: list[Quarantined]) -> None:
    for item in items:
        assert item.message in ZH, item
        assert item.text("zh-CN") != item.reason or not item.reason.isascii()
        assert "{" not in item.reason


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused_in_chinese(tmp_path: Path, name: str) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        list(AppleHealthExport(path).rows())
    zh = _check(caught.value)
    if name == "billion laughs":
        assert "XML 炸弹" in zh


def test_truncated_zip_message(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", "<HealthData>" + "<x/>" * 50_000)
    path.write_bytes(path.read_bytes()[:4000])
    with pytest.raises(InvalidInput) as caught:
        list(AppleHealthExport(path).rows())
    _check(caught.value)


def test_impossible_glucose_is_quarantined_with_a_reason_in_both_languages() -> None:
    data = b"id,time,glucose\np,2025-03-01 08:00,110\np,2025-03-01 08:05,5000\n"
    _, parsed = parse_cgm_csv(data, "Asia/Shanghai")
    assert len(parsed.observations) == 1
    [bad] = parsed.quarantined
    assert bad.where == "line 3"
    assert bad.reason == "impossible glucose 5000 mg/dL"
    assert bad.text("zh-CN") == "不可能的血糖值 5000 mg/dL"
    assert bad.text("en") == bad.reason


def test_mmol_values_under_a_mg_dl_header_are_quarantined() -> None:
    # A unit mix-up (5.6 written as mg/dL) is impossible, not a severe low.
    data = b"id,time,glucose (mg/dL)\np,2025-03-01 08:00,5.6\np,2025-03-01 08:05,6.1\n"
    _, parsed = parse_cgm_csv(data, "Asia/Shanghai")
    assert parsed.observations == []
    assert [q.reason for q in parsed.quarantined] == [
        "impossible glucose 5.6 mg/dL",
        "impossible glucose 6.1 mg/dL",
    ]


def test_wrong_columns_time_formats_and_clock_changes_in_chinese() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_cgm_csv(b"name,age\nx,3\n", "UTC")
    assert "无法识别的动态血糖导出文件" in _check(caught.value)
    with pytest.raises(InvalidInput) as zone:
        parse_cgm_csv(b"id,time,glucose\np,2025-03-01 08:00,110\n", "Mars/Base")
    assert "未知的时区" in _check(zone.value)
    # 02:30 on 2024-03-10 never happened in New York (clocks went forward).
    data = b"id,time,glucose\np,2024-03-10 01:55,110\np,2024-03-10 02:30,111\np,2024/99/99,1\n"
    _, parsed = parse_cgm_csv(data, "America/New_York")
    _check_quarantined(parsed.quarantined)
    texts = [q.text("zh-CN") for q in parsed.quarantined]
    assert any("时钟拨快" in t for t in texts)
    with pytest.raises(InvalidInput) as bp:
        parse_bp_csv(b"date,weight\n2025-01-01,70\n", "UTC")
    assert "不是血压导出文件" in _check(bp.value)


def _parse_any(kind: str, data: bytes) -> list[Quarantined]:
    if kind == "cgm":
        return parse_cgm_csv(data, "Asia/Shanghai")[1].quarantined
    if kind == "bp":
        return parse_bp_csv(data, "Asia/Shanghai").quarantined
    if kind == "fhir":
        return parse_bundle(data).quarantined
    return parse_open_mhealth(data).quarantined


_CSV_CELLS = st.sampled_from(
    [
        "id",
        "time",
        "glucose",
        "systolic",
        "diastolic",
        "date",
        "2025-03-01 08:00",
        "31/12/2024 7:00",
        "5000",
        "120",
        "80",
        "abc",
        "",
        "NA",
        "Low",
        "1e9",
        "-3",
        "2024-03-10 02:30",
        "mmol/L",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["cgm", "bp"]),
    rows=st.lists(st.lists(_CSV_CELLS, min_size=1, max_size=4), min_size=0, max_size=6),
)
def test_every_csv_message_is_translated(kind: str, rows: list[list[str]]) -> None:
    data = "\n".join(",".join(row) for row in rows).encode()
    try:
        _check_quarantined(_parse_any(kind, data))
    except AegleError as error:
        _check(error)


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(["fhir", "omh"]), data=st.binary(max_size=200))
def test_every_json_message_is_translated(kind: str, data: bytes) -> None:
    try:
        _parse_any(kind, data)
    except AegleError as error:
        _check(error)
