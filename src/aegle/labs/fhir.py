"""FHIR-shaped output of a parsed report (R4 JSON): one DiagnosticReport with its
Observations contained, and a fingerprint that recognises the same report uploaded twice.

Storage keeps these shapes; this module stays pure (plain dicts, no I/O).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from aegle.labs.model import LabItem, ParsedReport

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_FLAG_CODES = {"H": ("H", "High"), "L": ("L", "Low"), "A": ("A", "Abnormal")}
# FHIR has no field for where a reference range came from (printed on the report, or the
# catalogue default); an extension on the range says so.
RANGE_ORIGIN = "urn:aegle:fhir:lab-reference-range-origin"


def fingerprint(report: ParsedReport) -> str:
    """Same results (names, values, units, printed ranges) -> same id, whatever the layout."""
    rows = sorted(
        (
            item.test_id or item.name,
            item.value_text,
            item.ucum or item.unit or "",
            item.reference_range.text if item.reference_range else "",
        )
        for item in report.items
    )
    canonical = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def observation(
    item: LabItem, index: int, subject: str | None, effective: datetime | None = None
) -> dict[str, Any]:
    code: dict[str, Any] = {"text": item.name}
    if item.loinc:
        code["coding"] = [{"system": LOINC, "code": item.loinc}]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"obs{index}",
        "status": "final",
        "category": [
            {"coding": [{"system": CATEGORY, "code": "laboratory", "display": "Laboratory"}]}
        ],
        "code": code,
    }
    if subject:
        resource["subject"] = {"reference": subject}
    if effective is not None:
        resource["effectiveDateTime"] = effective.isoformat()
    if item.value is not None and item.qualitative is None and item.comparator is None:
        quantity: dict[str, Any] = {"value": item.value}
        if item.unit or item.ucum:
            quantity["unit"] = item.unit or item.ucum
        if item.ucum:
            quantity.update(system=UCUM, code=item.ucum)
        resource["valueQuantity"] = quantity
    else:
        resource["valueString"] = item.value_text
    if item.flag:
        flag_code, display = _FLAG_CODES[item.flag]
        resource["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": flag_code, "display": display}]}
        ]
    ref = item.reference_range
    if ref is not None:
        entry: dict[str, Any] = {}
        for key in ("low", "high"):
            bound = getattr(ref, key)
            if bound is not None:
                entry[key] = {"value": bound, **({"unit": item.ucum} if item.ucum else {})}
        if ref.text:
            entry["text"] = ref.text
        if entry:
            entry["extension"] = [{"url": RANGE_ORIGIN, "valueCode": ref.origin}]
            resource["referenceRange"] = [entry]
    return resource


def diagnostic_report(
    report: ParsedReport,
    *,
    subject: str | None = None,
    issued: datetime | None = None,
    effective: datetime | None = None,
    report_id: str | None = None,
) -> dict[str, Any]:
    """`report_id` names a stored report; without it the fingerprint names the resource."""
    observations = [
        observation(item, i, subject, effective) for i, item in enumerate(report.items, 1)
    ]
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": report_id or fingerprint(report)[:32],
        "identifier": [
            {"system": "urn:aegle:lab-report-fingerprint", "value": fingerprint(report)}
        ],
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}
        ],
        "code": {"text": "Laboratory report"},
        "contained": observations,
        "result": [{"reference": f"#{obs['id']}"} for obs in observations],
    }
    if subject:
        resource["subject"] = {"reference": subject}
    if issued:
        resource["issued"] = issued.isoformat()
    if effective:
        resource["effectiveDateTime"] = effective.isoformat()
    return resource
