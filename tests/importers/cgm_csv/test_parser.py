"""CGM exports -> glucose observations in mg/dL, with quarantine reasons for what can't be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import InvalidInput
from aegle.importers.cgm_csv import CGM_LOINC, parse_cgm_csv

HERE = Path(__file__).resolve().parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _read(name: str, tz: str = "Asia/Shanghai", **options: object) -> tuple[str, object]:
    return parse_cgm_csv((HERE / name).read_bytes(), tz, **options)  # type: ignore[arg-type]


def test_dexcom_mgdl_keeps_egv_rows_and_quarantines_the_rest() -> None:
    layout, parsed = parse_cgm_csv((HERE / "dexcom_clarity_mgdl.csv").read_bytes(), "Asia/Shanghai")
    assert layout == "dexcom"
    assert [o.value for o in parsed.observations] == [112.0, 118.0, 131.0, 97.0]
    first = parsed.observations[0]
    assert first.code == CGM_LOINC
    assert first.unit == "mg/dL"
    assert first.device == "Dexcom Android G6 8XYZ12"
    assert first.effective == datetime(2025, 3, 1, 8, 0, 12, tzinfo=SHANGHAI)
    assert first.effective.astimezone(UTC) == datetime(2025, 3, 1, 0, 0, 12, tzinfo=UTC)
    reasons = {q.where: q.reason for q in parsed.quarantined}
    assert set(reasons) == {"line 12", "line 13", "line 15"}  # Low, High, 5000 mg/dL
    assert "outside the sensor's range" in reasons["line 12"]
    assert "impossible glucose 5000" in reasons["line 15"]


def test_dexcom_mmol_is_converted_with_18() -> None:
    _, parsed = parse_cgm_csv((HERE / "dexcom_clarity_mmol.csv").read_bytes(), "Asia/Shanghai")
    assert [round(o.value, 6) for o in parsed.observations] == [111.6, 117.0, 127.8]
    assert parsed.observations[0].effective == datetime(2025, 3, 1, 8, 0, 40, tzinfo=SHANGHAI)


def test_libreview_day_first_mmol_takes_historic_and_scan_only() -> None:
    layout, parsed = parse_cgm_csv((HERE / "libreview_dmy_mmol.csv").read_bytes(), "Europe/Berlin")
    assert layout == "libreview"
    values = [round(o.value, 6) for o in parsed.observations]
    assert values == [104.4, 115.2, 124.2, 138.6, 149.4]  # the strip reading (type 2) is not CGM
    berlin = ZoneInfo("Europe/Berlin")
    assert parsed.observations[0].effective == datetime(2025, 3, 13, 7, 2, tzinfo=berlin)
    assert parsed.observations[0].device.startswith("FreeStyle LibreLink 3f2a77c1")


def test_libreview_month_first_with_am_pm() -> None:
    _, parsed = parse_cgm_csv((HERE / "libreview_mdy_mgdl.csv").read_bytes(), "America/New_York")
    times = [o.effective.replace(tzinfo=None) for o in parsed.observations]
    assert times == [
        datetime(2025, 3, 13, 23, 58),
        datetime(2025, 3, 14, 0, 3),
        datetime(2025, 3, 14, 0, 8),
    ]


def test_generic_skips_missing_readings() -> None:
    layout, parsed = parse_cgm_csv((HERE / "generic.csv").read_bytes(), "UTC")
    assert layout == "generic"
    assert [o.value for o in parsed.observations] == [101.0, 104.0, 110.0]
    assert not parsed.quarantined


def test_generic_mmol_by_option_and_several_subjects() -> None:
    text = b"id,time,gl\nA,2025-01-01 00:00,5.5\nB,2025-01-01 00:00,6.0\n"
    with pytest.raises(InvalidInput):
        parse_cgm_csv(text, "UTC", unit="mmol/L")
    _, parsed = parse_cgm_csv(text, "UTC", unit="mmol/L", subject="B")
    assert [o.value for o in parsed.observations] == [108.0]


def test_clock_going_back_keeps_both_passes_of_the_repeated_hour() -> None:
    # Europe/Berlin, 2025-10-26: 03:00 CEST becomes 02:00 CET.
    times = ["01:55", "02:00", "02:30", "02:55", "02:00", "02:30", "03:00"]
    rows = "".join(f"A,2025-10-26 {t},{100 + i}\n" for i, t in enumerate(times))
    _, parsed = parse_cgm_csv(f"id,time,glucose\n{rows}".encode(), "Europe/Berlin")
    instants = [o.effective.astimezone(UTC) for o in parsed.observations]
    assert len(instants) == 7
    assert instants == sorted(instants)
    assert instants[4] - instants[1] == timedelta(hours=1)


def test_skipped_hour_is_quarantined() -> None:
    # Europe/Berlin, 2025-03-30: 02:00 does not exist.
    text = (
        b"id,time,glucose\nA,2025-03-30 01:55,100\nA,2025-03-30 02:10,101\nA,2025-03-30 03:00,102\n"
    )
    _, parsed = parse_cgm_csv(text, "Europe/Berlin")
    assert [o.value for o in parsed.observations] == [100.0, 102.0]
    [skipped] = parsed.quarantined
    assert "does not exist" in skipped.reason


def test_duplicate_times() -> None:
    text = (
        b"id,time,glucose\nA,2025-01-01 00:00,100\nA,2025-01-01 00:00,100\nA,2025-01-01 00:00,140\n"
    )
    _, parsed = parse_cgm_csv(text, "UTC")
    assert [o.value for o in parsed.observations] == [100.0]
    [conflict] = parsed.quarantined
    assert conflict.where == "line 4"
    assert "different value" in conflict.reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Unknown CGM export"),
        (b"a,b,c\n1,2,3\n", "Unknown CGM export"),
        (b"\xff\xd8\xff\xe0 binary", "not UTF-8"),
        (b"id,time,glucose\nA,01/02/2025 10:00,100\n", "day-month or month-day"),
    ],
)
def test_bad_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_cgm_csv(content, "UTC")


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        parse_cgm_csv((HERE / "generic.csv").read_bytes(), "Mars/Olympus")


def test_unreadable_times_and_numbers_are_quarantined() -> None:
    text = b"id,time,glucose\nA,yesterday,100\nA,2025-01-01 00:05,abc\nA,2025-01-01 00:10,95\n"
    _, parsed = parse_cgm_csv(text, "UTC")
    assert len(parsed.quarantined) == 2
    assert [o.value for o in parsed.observations] == [95.0]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_are_refused(data: bytes) -> None:
    try:
        _, parsed = parse_cgm_csv(data, "UTC")
    except InvalidInput:
        return
    for item in parsed.observations:
        assert 10 <= item.value <= 1000


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)),
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5)),
        ),
        max_size=20,
    )
)
def test_generic_rows_never_crash(rows: list[tuple[datetime, object]]) -> None:
    body = "".join(f"A,{t.isoformat(sep=' ', timespec='seconds')},{v}\n" for t, v in rows)
    try:
        _, parsed = parse_cgm_csv(f"id,time,glucose\n{body}".encode(), "Asia/Shanghai")
    except InvalidInput:
        return
    assert len(parsed.observations) + len(parsed.quarantined) <= len(rows)
