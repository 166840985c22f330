"""Open mHealth data points -> observations; unmapped schemas and bad points quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import InvalidInput
from aegle.importers.open_mhealth import parse_open_mhealth

HERE = Path(__file__).resolve().parent


def test_data_points_map_to_loinc() -> None:
    parsed = parse_open_mhealth((HERE / "data_points.json").read_bytes())
    got = [(o.code, o.value, o.ucum, o.device) for o in parsed.observations]
    assert got == [
        ("2339-0", 110.0, "mg/dL", "Contour Next One"),
        ("105272-9", 6.4, "mmol/L", "Libre 3"),  # a CGM reading in mmol/L
        ("8480-6", 142.0, "mm[Hg]", "Omron HEM-7600T"),
        ("8462-4", 91.0, "mm[Hg]", "Omron HEM-7600T"),
        ("8867-4", 64.0, "/min", ""),
        ("55423-8", 7939.0, "1", ""),
        ("29463-7", 63.4, "kg", ""),
    ]
    first = parsed.observations[0]
    assert first.effective == datetime(2025, 3, 1, 15, 25, tzinfo=UTC)
    assert first.effective.utcoffset() == timedelta(hours=-8)
    steps = parsed.observations[5]
    assert steps.effective_end == datetime(2025, 3, 2, tzinfo=timezone(timedelta(hours=8)))
    reasons = [q.reason for q in parsed.quarantined]
    assert reasons == [
        "schema 'physical-activity' is not imported",
        "time without an offset: '2025-03-01T09:30:00'",
    ]


def test_single_point_and_data_wrapper() -> None:
    points = json.loads((HERE / "data_points.json").read_bytes())
    single = parse_open_mhealth(json.dumps(points[3]).encode())
    wrapped = parse_open_mhealth(json.dumps({"data": points[3:4]}).encode())
    assert [o.value for o in single.observations] == [o.value for o in wrapped.observations]


@pytest.mark.parametrize("content", [b"", b"{", b'{"x": 1}', b"42", b'"text"'])
def test_non_data_is_refused(content: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_open_mhealth(content)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.dictionaries(
        st.sampled_from(["value", "unit"]), st.one_of(st.floats(), st.text(max_size=3))
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["blood-glucose", "heart-rate", "blood-pressure", "step-count", "x"]),
    value=_values,
    when=st.one_of(st.none(), st.text(max_size=30), st.just("2025-01-01T00:00:00Z")),
)
def test_odd_points_never_crash(name: str, value: object, when: object) -> None:
    point = {
        "header": {"schema_id": {"name": name}},
        "body": {
            "blood_glucose": value,
            "heart_rate": value,
            "systolic_blood_pressure": value,
            "diastolic_blood_pressure": value,
            "step_count": value,
            "effective_time_frame": {"date_time": when},
        },
    }
    parsed = parse_open_mhealth(json.dumps([point]).encode())
    assert len(parsed.quarantined) + bool(parsed.observations) == 1
    for item in parsed.observations:
        assert item.value >= 0
