"""Printed units map to UCUM codes, including the ones drug levels, FDP, renin activity and
24-hour urine tests print."""

from __future__ import annotations

import pytest

from aegle.labs.units import generic_factor, normalize_unit


@pytest.mark.parametrize(
    ("printed", "ucum"),
    [
        ("μg/mL", "ug/mL"),
        ("ug/ml", "ug/mL"),
        ("µg/mL", "ug/mL"),  # the micro sign, not the Greek letter
        ("ng/(mL·h)", "ng/mL/h"),
        ("ng/mL/h", "ng/mL/h"),
        ("μg/24h", "ug/(24.h)"),
        ("mmol/24h", "mmol/(24.h)"),
        ("/LP", "/[LPF]"),
        ("个/LP", "/[LPF]"),
        ("mg/dL", "mg/dL"),
    ],
)
def test_printed_units_map_to_ucum(printed: str, ucum: str) -> None:
    assert normalize_unit(printed) == ucum


def test_micrograms_per_millilitre_equal_milligrams_per_litre() -> None:
    assert generic_factor("ug/mL", "mg/L") == 1.0
    assert generic_factor("mg/L", "ug/mL") == 1.0


def test_unknown_spellings_stay_unknown() -> None:
    assert normalize_unit("furlongs/fortnight") is None
