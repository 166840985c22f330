"""Unit spellings seen in device exports and FHIR `unit` texts -> UCUM codes.

Only spellings we have met are listed; an unknown unit is kept as written (and still stored),
so nothing is silently converted into a wrong unit.
"""

from __future__ import annotations

from typing import Final

_UCUM: Final[dict[str, str]] = {
    "mg/dl": "mg/dL",
    "mmol/l": "mmol/L",
    "mmhg": "mm[Hg]",
    "mm[hg]": "mm[Hg]",
    "bpm": "/min",
    "beats/min": "/min",
    "count/min": "/min",
    "/min": "/min",
    "%": "%",
    "kg": "kg",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "cm": "cm",
    "m": "m",
    "kg/m2": "kg/m2",
    "kg/m^2": "kg/m2",
    "ms": "ms",
    "count": "1",
    "{count}": "1",
    "1": "1",
    "cel": "Cel",
    "degc": "Cel",
    "°c": "Cel",
    "min": "min",
    "h": "h",
    "kcal": "kcal",
    "km": "km",
}


def ucum(unit: str) -> str:
    """The UCUM code for `unit`, or `unit` itself (stripped) when we don't know it."""
    text = unit.strip()
    return _UCUM.get(text.lower(), text)
