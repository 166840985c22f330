"""Apple HealthKit record types and units -> LOINC codes and UCUM units.

Only types with a clear LOINC concept are mapped (sleep stages get our own `apple-health|`
codes, as LOINC has none per stage); other types are counted as skipped, not guessed.
HealthKit writes oxygen saturation as a fraction with unit "%", so it is scaled by 100.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Target(NamedTuple):
    code: str
    ucum: str
    factor: float
    low: float = 0.0
    high: float = float("inf")


# Values outside these cannot be physiological (after conversion to the UCUM unit); they are
# quarantined instead of stored. Wide on purpose: they catch unit mix-ups and typos only.
_LIMITS: Final[dict[tuple[str, str], tuple[float, float]]] = {
    ("8867-4", "/min"): (20.0, 300.0),
    ("40443-4", "/min"): (20.0, 250.0),
    ("8480-6", "mm[Hg]"): (50.0, 300.0),
    ("8462-4", "mm[Hg]"): (20.0, 200.0),
    ("59408-5", "%"): (50.0, 100.0),
    ("2339-0", "mg/dL"): (10.0, 1000.0),
    ("15074-8", "mmol/L"): (0.5, 55.0),
    ("9279-1", "/min"): (2.0, 80.0),
    ("8310-5", "Cel"): (25.0, 45.0),
    ("29463-7", "kg"): (0.5, 650.0),
    ("29463-7", "[lb_av]"): (1.0, 1450.0),
    ("8302-2", "cm"): (20.0, 280.0),
    ("39156-5", "kg/m2"): (5.0, 150.0),
}


def _bounded(code: str, ucum: str, factor: float) -> Target:
    low, high = _LIMITS.get((code, ucum), (0.0, float("inf")))
    return Target(code, ucum, factor, low, high)


SLEEP_TYPE: Final = "HKCategoryTypeIdentifierSleepAnalysis"
SLEEP_VALUE_PREFIX: Final = "HKCategoryValueSleepAnalysis"
SLEEP_CODE_PREFIX: Final = "apple-health|sleep-"

# type -> (LOINC, {HealthKit unit: (UCUM unit, factor)})
_QUANTITY: Final[dict[str, tuple[str, dict[str, tuple[str, float]]]]] = {
    "HKQuantityTypeIdentifierHeartRate": ("8867-4", {"count/min": ("/min", 1.0)}),
    "HKQuantityTypeIdentifierRestingHeartRate": ("40443-4", {"count/min": ("/min", 1.0)}),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("80404-7", {"ms": ("ms", 1.0)}),
    "HKQuantityTypeIdentifierBloodPressureSystolic": ("8480-6", {"mmHg": ("mm[Hg]", 1.0)}),
    "HKQuantityTypeIdentifierBloodPressureDiastolic": ("8462-4", {"mmHg": ("mm[Hg]", 1.0)}),
    "HKQuantityTypeIdentifierOxygenSaturation": ("59408-5", {"%": ("%", 100.0)}),
    "HKQuantityTypeIdentifierRespiratoryRate": ("9279-1", {"count/min": ("/min", 1.0)}),
    "HKQuantityTypeIdentifierBodyTemperature": ("8310-5", {"degC": ("Cel", 1.0)}),
    "HKQuantityTypeIdentifierBodyMass": (
        "29463-7",
        {"kg": ("kg", 1.0), "lb": ("[lb_av]", 1.0), "g": ("g", 1.0)},
    ),
    "HKQuantityTypeIdentifierHeight": (
        "8302-2",
        {"cm": ("cm", 1.0), "m": ("m", 1.0), "in": ("[in_i]", 1.0), "ft": ("[ft_i]", 1.0)},
    ),
    "HKQuantityTypeIdentifierBodyMassIndex": ("39156-5", {"count": ("kg/m2", 1.0)}),
    "HKQuantityTypeIdentifierStepCount": ("55423-8", {"count": ("1", 1.0)}),
}

# Blood glucose: mass or molar concentration, each with its own LOINC code (no conversion).
_GLUCOSE: Final = "HKQuantityTypeIdentifierBloodGlucose"


def target(kind: str, unit: str) -> Target | None:
    """Where a (type, unit) goes, or None when we don't import it."""
    if kind == _GLUCOSE:
        if unit == "mg/dL":
            return _bounded("2339-0", "mg/dL", 1.0)
        if unit.startswith("mmol") and unit.endswith("/L"):  # "mmol<180.15588...>/L"
            return _bounded("15074-8", "mmol/L", 1.0)
        return None
    found = _QUANTITY.get(kind)
    if found is None:
        return None
    code, units = found
    converted = units.get(unit)
    if converted is None:
        return None
    return _bounded(code, converted[0], converted[1])
