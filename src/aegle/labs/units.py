"""UCUM units: map the spellings printed on reports (and common OCR slips) to UCUM codes, and
convert between units that differ only by a power of ten (no molar mass needed).

Test-specific conversions (mg/dL <-> mmol/L for glucose, ...) live in the catalogue.
"""

from __future__ import annotations

import re
import unicodedata

# Printed spelling (normalised: NFKC, casefold, no spaces) -> UCUM code.
_ALIASES: dict[str, str] = {
    "g/l": "g/L",
    "g/dl": "g/dL",
    "mg/l": "mg/L",
    "mg/dl": "mg/dL",
    "ug/l": "ug/L",
    "μg/l": "ug/L",
    "µg/l": "ug/L",
    "ug/dl": "ug/dL",
    "μg/dl": "ug/dL",
    "ng/ml": "ng/mL",
    "ug/ml": "ug/mL",
    "μg/ml": "ug/mL",
    "µg/ml": "ug/mL",
    "ng/ml/h": "ng/mL/h",
    "ng/ml·h": "ng/mL/h",
    "ng/ml.h": "ng/mL/h",
    "ng/l": "ng/L",
    "ng/dl": "ng/dL",
    "pg/ml": "pg/mL",
    "pg": "pg",
    "fl": "fL",
    "mmol/l": "mmol/L",
    "mmol/mol": "mmol/mol",
    "umol/l": "umol/L",
    "μmol/l": "umol/L",
    "µmol/l": "umol/L",
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "u/l": "U/L",
    "iu/l": "U/L",
    "ku/l": "k[IU]/L",
    "kiu/l": "k[IU]/L",
    "u/ml": "U/mL",
    "iu/ml": "[IU]/mL",
    "miu/l": "m[IU]/L",
    "miu/ml": "m[IU]/mL",
    "uiu/ml": "u[IU]/mL",
    "μiu/ml": "u[IU]/mL",
    "µiu/ml": "u[IU]/mL",
    "%": "%",
    "l/l": "L/L",
    "s": "s",
    "sec": "s",
    "秒": "s",
    "mm/h": "mm/h",
    "mm/hr": "mm/h",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m²": "mL/min/{1.73_m2}",
    "ratio": "{ratio}",
    "/ul": "/uL",
    "/μl": "/uL",
    "/hp": "/[HPF]",
    "/hpf": "/[HPF]",
    "个/hp": "/[HPF]",
    "/lp": "/[LPF]",
    "/lpf": "/[LPF]",
    "个/lp": "/[LPF]",
    "个/ul": "/uL",
    "个/μl": "/uL",
    "g/24h": "g/(24.h)",
    "mg/24h": "mg/(24.h)",
    "ug/24h": "ug/(24.h)",
    "μg/24h": "ug/(24.h)",
    "µg/24h": "ug/(24.h)",
    "mmol/24h": "mmol/(24.h)",
    "mg/g": "mg/g",
    "mg/mmol": "mg/mmol",
    "meq/l": "meq/L",
    "mmhg": "mm[Hg]",
    "ug/g": "ug/g",
    "μg/g": "ug/g",
    "µg/g": "ug/g",
    "k/ul": "10*3/uL",
    "k/μl": "10*3/uL",
    "thou/ul": "10*3/uL",
    "m/ul": "10*6/uL",
    "mil/ul": "10*6/uL",
    "kpa": "kPa",
    "mosm/kg": "mosm/kg",
    "mosm/kgh2o": "mosm/kg",
    "ph": "[pH]",
}

_UCUM_CODES = frozenset(_ALIASES.values()) | {
    "10*9/L",
    "10*12/L",
    "10*3/uL",
    "10*6/uL",
    "[IU]/L",
    "[IU]/mL",
    "U/mL",
    "ug/dL",
}

# Cell counts: "10E9/L", "10^9/L", "×10⁹/L", "10*9/L", "10~9/L", "G/L", OCR "109/L" ...
_COUNT = re.compile(r"^[x×*]?10[\^*e~`ˆ’']?(9|12|3|6)/(l|ul|μl|µl)$")

# (from, to) -> factor such that value_from * factor == value_to.
_FACTORS: dict[tuple[str, str], float] = {
    ("g/dL", "g/L"): 10.0,
    ("mg/dL", "mg/L"): 10.0,
    ("mg/L", "mg/dL"): 0.1,
    ("g/L", "mg/L"): 1000.0,
    ("mg/L", "g/L"): 0.001,
    ("%", "L/L"): 0.01,
    ("L/L", "%"): 100.0,
    ("10*3/uL", "10*9/L"): 1.0,
    ("10*6/uL", "10*12/L"): 1.0,
    ("u[IU]/mL", "m[IU]/L"): 1.0,
    ("m[IU]/mL", "[IU]/L"): 1.0,
    ("ng/mL", "ug/L"): 1.0,
    ("ug/mL", "mg/L"): 1.0,
    ("mg/L", "ug/mL"): 1.0,
    ("ug/L", "ng/mL"): 1.0,
    ("pg/mL", "ng/L"): 1.0,
    ("ng/L", "pg/mL"): 1.0,
    ("ng/mL", "ng/L"): 1000.0,
    ("ng/L", "ng/mL"): 0.001,
    ("umol/L", "mmol/L"): 0.001,
    ("mmol/L", "umol/L"): 1000.0,
    ("k[IU]/L", "U/mL"): 1.0,
    ("U/mL", "k[IU]/L"): 1.0,
}


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", "", folded).replace("（", "(").replace("）", ")")


def normalize_unit(printed: str | None) -> str | None:
    """UCUM code for a printed unit, or None when it is not a unit we know."""
    if not printed:
        return None
    if printed in _UCUM_CODES:
        return printed
    key = _key(printed).strip("()[]")
    if key in _ALIASES:
        return _ALIASES[key]
    unbracketed = key.replace("(", "").replace(")", "")  # ng/(mL·h) -> ng/ml·h
    if unbracketed in _ALIASES:
        return _ALIASES[unbracketed]
    # OCR reads "l" as "1" inside units: "mmo1/L", "pmo1/L", "μmo1/L".
    repaired = re.sub(r"(?<=mo)1(?=/)", "l", key)
    if repaired != key and repaired in _ALIASES:
        return _ALIASES[repaired]
    match = _COUNT.match(key)
    if match:
        power, per = match.groups()
        return f"10*{power}/L" if per == "l" else f"10*{power}/uL"
    if key == "t/l":
        return "10*12/L"
    return None


def looks_like_unit(token: str) -> bool:
    return normalize_unit(token) is not None


def generic_factor(unit_from: str, unit_to: str) -> float | None:
    if unit_from == unit_to:
        return 1.0
    return _FACTORS.get((unit_from, unit_to))
