"""Blood-pressure exports -> systolic, diastolic and pulse observations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import InvalidInput
from aegle.importers.bp_csv import DIASTOLIC, PULSE, SYSTOLIC, parse_bp_csv

HERE = Path(__file__).resolve().parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_omron_connect_layout() -> None:
    parsed = parse_bp_csv((HERE / "omron_connect.csv").read_bytes(), "Asia/Shanghai")
    readings = [(o.code, o.value) for o in parsed.observations]
    assert readings[:3] == [(SYSTOLIC, 138.0), (DIASTOLIC, 88.0), (PULSE, 66.0)]
    # four usable readings; the one without a pulse yields two values
    assert [c for c, _ in readings].count(SYSTOLIC) == 4
    assert [c for c, _ in readings].count(PULSE) == 3
    first = parsed.observations[0]
    assert first.effective == datetime(2025, 3, 1, 6, 52, tzinfo=SHANGHAI)
    assert (first.unit, first.device) == ("mm[Hg]", "HEM-7600T")
    reasons = {q.where: q.reason for q in parsed.quarantined}
    assert reasons == {"line 6": "diastolic is not below systolic", "line 7": "Not a number: ''"}


def test_generic_layout_with_device_option() -> None:
    parsed = parse_bp_csv((HERE / "generic.csv").read_bytes(), "UTC", device="cuff")
    assert [o.value for o in parsed.observations if o.code == SYSTOLIC] == [122.0, 119.0]
    assert {o.device for o in parsed.observations} == {"cuff"}


def test_kpa_is_converted() -> None:
    parsed = parse_bp_csv(b"time,systolic (kPa),diastolic (kPa)\n2025-01-01 08:00,16,10.7\n", "UTC")
    assert [o.value for o in parsed.observations] == [120.0, 80.3]


@pytest.mark.parametrize(
    "content",
    [b"", b"time,weight\n2025-01-01,70\n", b"systolic,diastolic\n120,80\n"],
)
def test_tables_that_are_not_blood_pressure_are_refused(content: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_bp_csv(content, "UTC")


def test_impossible_values_are_quarantined() -> None:
    parsed = parse_bp_csv(b"time,systolic,diastolic\n2025-01-01 08:00,1200,80\n", "UTC")
    assert not parsed.observations
    assert "impossible systolic" in parsed.quarantined[0].reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_are_refused(data: bytes) -> None:
    try:
        parsed = parse_bp_csv(b"time,systolic,diastolic\n" + data, "UTC")
    except InvalidInput:
        return
    systolic = [o.value for o in parsed.observations if o.code == SYSTOLIC]
    assert all(50 <= value <= 300 for value in systolic)
