"""Open mHealth schemas and units -> LOINC codes and UCUM units."""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from aegle.importers.units import ucum


class Measure(NamedTuple):
    key: str  # the body property holding the value
    code: str  # LOINC
    display: str


# schema name -> what it measures (several for blood pressure)
SCHEMAS: Final[dict[str, tuple[Measure, ...]]] = {
    "blood-pressure": (
        Measure("systolic_blood_pressure", "8480-6", "Systolic blood pressure"),
        Measure("diastolic_blood_pressure", "8462-4", "Diastolic blood pressure"),
    ),
    "heart-rate": (Measure("heart_rate", "8867-4", "Heart rate"),),
    "body-weight": (Measure("body_weight", "29463-7", "Body weight"),),
    "body-height": (Measure("body_height", "8302-2", "Body height"),),
    "body-mass-index": (Measure("body_mass_index", "39156-5", "Body mass index"),),
    "oxygen-saturation": (Measure("oxygen_saturation", "59408-5", "Oxygen saturation"),),
    "body-temperature": (Measure("body_temperature", "8310-5", "Body temperature"),),
    "respiratory-rate": (Measure("respiratory_rate", "9279-1", "Respiratory rate"),),
    "step-count": (Measure("step_count", "55423-8", "Number of steps"),),
    "sleep-duration": (Measure("sleep_duration", "93832-4", "Sleep duration"),),
}
_OMH_UNITS: Final = {
    "beats/min": "/min",
    "breaths/min": "/min",
    "steps": "1",
    "C": "Cel",
    "F": "[degF]",
    "in": "[in_i]",
    "lb": "[lb_av]",
    "kg/m^2": "kg/m2",
}


def unit_ucum(text: str) -> str:
    return _OMH_UNITS.get(text, ucum(text))


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def glucose(body: dict[str, Any]) -> Measure:
    unit = str(as_dict(body.get("blood_glucose")).get("unit") or "")
    if str(body.get("specimen_source") or "") == "interstitial fluid":  # a CGM
        if unit == "mmol/L":
            return Measure("blood_glucose", "105272-9", "Glucose [Moles/volume] in ISF")
        return Measure("blood_glucose", "99504-3", "Glucose [Mass/volume] in ISF")
    if unit == "mmol/L":
        return Measure("blood_glucose", "15074-8", "Glucose [Moles/volume] in Blood")
    return Measure("blood_glucose", "2339-0", "Glucose [Mass/volume] in Blood")
