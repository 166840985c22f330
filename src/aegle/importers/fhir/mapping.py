"""Validated FHIR resources (as JSON dicts) -> our records."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Final

from aegle.importers.model import ConditionRecord, MedicationRecord, ObservationRecord
from aegle.importers.timeparse import parse_fhir_datetime
from aegle.importers.units import ucum

LOINC_SYSTEMS: Final = frozenset({"http://loinc.org", "urn:oid:2.16.840.1.113883.6.1"})
UCUM_SYSTEM: Final = "http://unitsofmeasure.org"


def _loinc(concept: Any) -> tuple[str, str] | None:
    """(code, display) of the first LOINC coding in a CodeableConcept."""
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") in LOINC_SYSTEMS and coding.get("code"):
            return str(coding["code"]), str(coding.get("display") or "")
    return None


def _first_coding(concept: Any) -> tuple[str, str, str] | None:
    """(system, code, display) of the first coding with a code."""
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            display = coding.get("display") or (concept or {}).get("text") or ""
            return str(coding.get("system") or ""), str(coding["code"]), str(display)
    return None


def _category(resource: dict[str, Any]) -> str:
    for concept in resource.get("category") or []:
        for coding in concept.get("coding") or []:
            if coding.get("code"):
                return str(coding["code"])
    return ""


def _effective(resource: dict[str, Any]) -> tuple[str | None, str | None]:
    """(start, end) as written: effectiveDateTime, effectivePeriod or effectiveInstant."""
    if resource.get("effectiveDateTime"):
        return str(resource["effectiveDateTime"]), None
    period = resource.get("effectivePeriod") or {}
    if period.get("start"):
        return str(period["start"]), period.get("end")
    if resource.get("effectiveInstant"):
        return str(resource["effectiveInstant"]), None
    return None, None


def observations(resource: dict[str, Any]) -> list[ObservationRecord]:
    """The numeric values of an Observation: its own value and each component's (a blood
    pressure panel yields systolic and diastolic). Parts without a LOINC code or a quantity
    (coded answers, text) are not measurements and are left out."""
    start, end = _effective(resource)
    if start is None:
        return []
    effective = parse_fhir_datetime(start)
    effective_end = parse_fhir_datetime(end) if end else None
    category = _category(resource)
    device = str(((resource.get("device") or {}).get("display")) or "")
    found: list[ObservationRecord] = []
    for part in [resource, *(resource.get("component") or [])]:
        quantity = part.get("valueQuantity")
        code = _loinc(part.get("code"))
        if not quantity or quantity.get("value") is None or code is None:
            continue
        unit = str(quantity.get("unit") or quantity.get("code") or "")
        ucum_code = (
            str(quantity["code"])
            if quantity.get("system") == UCUM_SYSTEM and quantity.get("code")
            else ucum(unit)
        )
        found.append(
            ObservationRecord(
                code=code[0],
                value=float(quantity["value"]),
                unit=unit,
                ucum=ucum_code,
                effective=effective,
                effective_text=start,
                effective_end=effective_end,
                device=device,
                display=code[1],
                category=category,
            )
        )
    return found


def _key(*parts: str | None) -> str:
    text = "|".join(part or "" for part in parts)
    if len(text) <= 128:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _when(text: Any) -> tuple[datetime | None, str | None]:
    if not text:
        return None, None
    return parse_fhir_datetime(str(text)), str(text)


def condition(resource: dict[str, Any]) -> ConditionRecord | None:
    coded = _first_coding(resource.get("code"))
    if coded is None:
        return None
    system, code, display = coded
    onset, onset_text = _when(
        resource.get("onsetDateTime") or ((resource.get("onsetPeriod") or {}).get("start"))
    )
    abatement, _ = _when(resource.get("abatementDateTime"))
    status = _first_coding(resource.get("clinicalStatus"))
    return ConditionRecord(
        natural_key=_key(system, code, onset_text),
        system=system,
        code=code,
        display=display,
        clinical_status=status[1] if status else "",
        onset=onset,
        onset_text=onset_text,
        abatement=abatement,
    )


def _dosage(resource: dict[str, Any]) -> str:
    texts: list[str] = []
    for dose in resource.get("dosageInstruction") or []:
        if dose.get("text"):
            texts.append(str(dose["text"]))
        elif dose.get("asNeededBoolean"):
            texts.append("as needed")
    return "; ".join(texts)[:500]


def medication(resource: dict[str, Any]) -> MedicationRecord | None:
    coded = _first_coding(resource.get("medicationCodeableConcept"))
    if coded is None:
        reference = (resource.get("medicationReference") or {}).get("display")
        if not reference:
            return None
        coded = ("", str(reference), str(reference))
    system, code, display = coded
    authored, authored_text = _when(resource.get("authoredOn"))
    return MedicationRecord(
        natural_key=_key(system, code, authored_text),
        system=system,
        code=code,
        display=display,
        status=str(resource.get("status") or ""),
        intent=str(resource.get("intent") or ""),
        authored=authored,
        authored_text=authored_text,
        dosage=_dosage(resource),
    )
