"""FHIR bundles -> records: values as in the source, panels split, bad resources quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import InvalidInput
from aegle.importers.fhir import parse_bundle

HERE = Path(__file__).resolve().parent
SYNTHEA = (Path(__file__).resolve().parents[3] / "../shared/data/synthea-fhir-r4").resolve()


def test_small_bundle_maps_every_kind() -> None:
    parsed = parse_bundle((HERE / "small_bundle.json").read_bytes())
    by_code = {o.code: o for o in parsed.observations}
    assert sorted(by_code) == ["2339-0", "29463-7", "8462-4", "8480-6"]
    systolic = by_code["8480-6"]
    assert (systolic.value, systolic.unit, systolic.ucum) == (142.0, "mm[Hg]", "mm[Hg]")
    assert systolic.effective == datetime(2025, 3, 4, 7, 30, tzinfo=timezone(timedelta(hours=8)))
    assert systolic.effective_text == "2025-03-04T07:30:00+08:00"
    assert systolic.category == "vital-signs"
    glucose = by_code["2339-0"]  # LOINC found after a SNOMED coding; unit text made UCUM
    assert (glucose.value, glucose.unit, glucose.ucum) == (6.1, "mmol/l", "mmol/L")
    assert glucose.effective == datetime(2025, 3, 4, 8, 5, tzinfo=UTC)
    weight = by_code["29463-7"]
    assert weight.effective_end == weight.effective + timedelta(minutes=1)
    [broken] = parsed.quarantined
    assert "broken" not in {o.code for o in parsed.observations}
    assert "value" in broken.reason
    assert "entry[5]" in broken.where
    [condition] = parsed.conditions
    assert (condition.code, condition.display, condition.clinical_status) == (
        "38341003",
        "Hypertensive disorder",
        "active",
    )
    assert condition.onset == datetime(2019, 6, 1)  # a date: zone unknown, kept naive
    [medication] = parsed.medications
    assert (medication.code, medication.dosage, medication.intent) == (
        "17767",
        "5 mg once daily",
        "order",
    )


@pytest.mark.parametrize("path", sorted(SYNTHEA.glob("*.json")), ids=lambda p: p.name[:12])
def test_synthea_bundles_yield_every_quantity(path: Path) -> None:
    bundle = json.loads(path.read_bytes())
    expected = 0
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Observation":
            continue
        for part in [resource, *resource.get("component", [])]:
            expected += "valueQuantity" in part
    parsed = parse_bundle(path.read_bytes())
    assert len(parsed.observations) == expected
    assert not parsed.quarantined
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert bool(parsed.conditions) == ("Condition" in kinds)
    assert bool(parsed.medications) == ("MedicationRequest" in kinds)


def test_synthea_blood_pressure_components_share_the_panel_time() -> None:
    path = next(iter(sorted(SYNTHEA.glob("George_Kutch*.json"))))
    parsed = parse_bundle(path.read_bytes())
    systolic = {o.effective for o in parsed.observations if o.code == "8480-6"}
    diastolic = {o.effective for o in parsed.observations if o.code == "8462-4"}
    assert systolic
    assert systolic == diastolic


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"entry": []}', b'{"resourceType": "Bundle", "entry": {}}'],
)
def test_files_that_are_not_fhir_are_refused(content: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_bundle(content)


def test_an_unreadable_time_quarantines_only_that_resource() -> None:
    bundle = json.loads((HERE / "small_bundle.json").read_bytes())
    bundle["entry"][2]["resource"]["effectiveDateTime"] = "yesterday"
    parsed = parse_bundle(json.dumps(bundle).encode())
    assert "2339-0" not in {o.code for o in parsed.observations}
    assert len(parsed.quarantined) == 2
    assert len(parsed.observations) == 3


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "entry",
                    "resource",
                    "code",
                    "coding",
                    "system",
                    "valueQuantity",
                    "value",
                    "unit",
                    "component",
                    "effectiveDateTime",
                    "status",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(document=_json)
def test_arbitrary_json_is_parsed_or_refused_cleanly(document: object) -> None:
    try:
        parsed = parse_bundle(json.dumps(document).encode())
    except InvalidInput:
        return
    for item in parsed.observations:
        assert isinstance(item.value, float)


@settings(max_examples=100, deadline=None)
@given(value=st.floats(min_value=-1e6, max_value=1e6), unit=st.text(max_size=6))
def test_observation_values_and_units_pass_through(value: float, unit: str) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
                    "effectiveDateTime": "2025-01-01T00:00:00Z",
                    "valueQuantity": {"value": value, "unit": unit},
                }
            }
        ],
    }
    parsed = parse_bundle(json.dumps(bundle).encode())
    if parsed.quarantined:  # e.g. a unit the FHIR string type refuses
        assert not parsed.observations
        return
    [item] = parsed.observations
    assert item.value == value
    assert item.unit == unit
