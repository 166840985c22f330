"""Value objects produced by the lab-report parser."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from aegle.core.types import Frozen

Flag = Literal["H", "L", "A"]
Origin = Literal["printed", "default"]
Qualitative = Literal["negative", "trace", "positive"]
Comparator = Literal["<", "<=", ">", ">="]
# The blood the report says it measured: venous (静脉血) or finger-prick capillary (末梢血).
BloodSample = Literal["venous", "capillary"]


class RefRange(Frozen):
    low: float | None = None
    high: float | None = None
    text: str | None = None
    origin: Origin
    source: str | None = Field(default=None, description="Catalogue source id for a default range")
    expected: Qualitative | None = Field(default=None, description="Qualitative reference")


class LabItem(Frozen):
    name: str = Field(min_length=1, description="Name as printed (OCR slips mapped to an alias)")
    test_id: str | None = None
    loinc: str | None = None
    value_text: str = Field(min_length=1, description="The result exactly as printed")
    value: float | None = None
    comparator: Comparator | None = None
    qualitative: Qualitative | None = None
    grade: str | None = Field(default=None, description="Semi-quantitative grade such as 2+")
    unit: str | None = Field(default=None, description="Unit as printed")
    ucum: str | None = None
    printed_flag: str | None = None
    flag: Flag | None = None
    reference_range: RefRange | None = None
    line: int = 0

    @property
    def shown(self) -> str:
        """The result as printed with its unit, once: `3.2E+09/L` already carries its unit."""
        if self.unit and not _UNIT_IN_VALUE.search(self.value_text):
            return f"{self.value_text} {self.unit}"
        return self.value_text


_UNIT_IN_VALUE = re.compile(r"\d\s*[eE]\s*\+?\d{1,2}/")


class ParsedReport(Frozen):
    items: list[LabItem]
    sex: Literal["M", "F"] | None = None
    age: float | None = None
    sample: BloodSample | None = Field(default=None, description="Blood sample, when printed")
    warnings: list[str] = Field(default_factory=list)
