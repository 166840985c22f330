"""FHIR-shaped DiagnosticReport/Observations validate as FHIR; duplicates are recognised."""

from __future__ import annotations

from datetime import UTC, datetime

from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from aegle.labs.fhir import diagnostic_report, fingerprint
from aegle.labs.parse import parse_text

TEXT = "白细胞计数 12.3↑ 10^9/L 3.5-9.5\nALT 35 U/L\n尿蛋白 1+ 阴性\nCRP <0.5 mg/L 0-10\n"


def test_report_validates_as_fhir() -> None:
    report = parse_text(TEXT, sex="M", age=40)
    resource = diagnostic_report(
        report, subject="Patient/p1", issued=datetime(2025, 1, 2, 8, 30, tzinfo=UTC)
    )
    parsed = DiagnosticReport.model_validate(resource)
    assert len(parsed.result) == 4
    wbc, alt, protein, crp = resource["contained"]
    assert wbc["code"]["coding"][0] == {"system": "http://loinc.org", "code": "6690-2"}
    assert wbc["valueQuantity"]["code"] == "10*9/L"
    assert wbc["interpretation"][0]["coding"][0]["code"] == "H"
    assert alt["referenceRange"][0]["high"]["value"] == 50
    assert protein["valueString"] == "1+"
    assert crp["valueString"] == "<0.5"


def test_same_report_twice_has_the_same_fingerprint() -> None:
    first = parse_text(TEXT)
    relaid = parse_text("\n".join("   ".join(line.split()) for line in TEXT.splitlines()))
    changed = parse_text(TEXT.replace("12.3", "12.4"))
    assert fingerprint(first) == fingerprint(relaid)
    assert fingerprint(first) != fingerprint(changed)
