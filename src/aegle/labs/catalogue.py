"""The lab test catalogue: strict models and the loader for `labs/knowledge/*.yaml`.

Every test carries LOINC codes, zh/en names, the aliases printed on real reports, a UCUM unit
with conversions, reference intervals by sex and age band and, where known, critical limits.
Every interval, limit and explanation names a source id that must resolve in `sources.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal, cast

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aegle.core.errors import ConfigurationError
from aegle.core.types import Frozen, LocalizedText, Source
from aegle.labs.model import BloodSample

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"

Sex = Literal["any", "M", "F"]
Specimen = Literal["blood", "serum", "plasma", "urine", "stool", "calculated"]
Kind = Literal["quantitative", "qualitative"]
LOINC_PATTERN = r"^\d{1,7}-\d$"

# Ages are years (float). Children's bands start at 28 days or 6 months, so the knowledge files
# may write an age bound as "28d", "6mo" or "13y"; the loader and the report parser convert with
# the same function, so a printed "28天" lands exactly on a band's edge.
AgeUnit = Literal["d", "w", "mo", "y"]
_DAYS_PER_YEAR = 365
_AGE_BOUND_RE = re.compile(r"^(\d+(?:\.\d+)?)(d|w|mo|y)$")
# A band that ends by this age is a child's band; without an age it is never a candidate.
ADULT_AGE = 18


def age_in_years(amount: float, unit: AgeUnit) -> float:
    """An age given in days, weeks, months or years, in years."""
    if unit == "d":
        return amount / _DAYS_PER_YEAR
    if unit == "w":
        return amount * 7 / _DAYS_PER_YEAR
    if unit == "mo":
        return amount / 12
    return float(amount)


def _age_bound(value: object) -> object:
    """`28d` / `6mo` / `13y` -> years; numbers pass through; any other string is an error."""
    if not isinstance(value, str):
        return value
    match = _AGE_BOUND_RE.match(value.strip())
    if match is None:
        raise ValueError(f"age bound {value!r}: write years or a number with d, w, mo or y")
    return age_in_years(float(match.group(1)), cast(AgeUnit, match.group(2)))


class Conversion(Frozen):
    """`value_in_unit * factor == value_in_the_test's_unit` (test-specific, e.g. molar mass)."""

    unit: str = Field(min_length=1)
    factor: float = Field(gt=0)
    source: str = Field(min_length=1)


class ReferenceInterval(Frozen):
    """A default interval; age band is [age_min, age_max) in years (see `age_in_years`)."""

    sex: Sex = "any"
    age_min: float = Field(default=0, ge=0)
    age_max: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    sample: BloodSample | None = Field(
        default=None, description="Blood the interval was established on (WS/T 405/779: venous)"
    )
    note: LocalizedText | None = None

    _ages = field_validator("age_min", "age_max", mode="before")(_age_bound)

    @model_validator(mode="after")
    def _bounds(self) -> ReferenceInterval:
        if self.low is None and self.high is None:
            raise ValueError("a reference interval needs low or high")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        if self.age_max is not None and self.age_max <= self.age_min:
            raise ValueError("age_max must be above age_min")
        return self

    @property
    def covers_adults(self) -> bool:
        return self.age_max is None or self.age_max > ADULT_AGE

    def applies(
        self, sex: str | None, age: float | None, sample: BloodSample | None = None
    ) -> bool:
        # A venous interval is no default for a finger-prick sample (and a capillary one would
        # need the report to say capillary); an unstated sample is taken as venous.
        if self.sample is not None and self.sample != (sample or "venous"):
            return False
        if self.sex != "any" and sex is not None and sex != self.sex:
            return False
        if self.sex != "any" and sex is None:
            return False
        if age is None:
            # Without an age only an adult band that starts at adulthood is a safe default.
            return self.covers_adults and self.age_min <= 20
        return self.age_min <= age and (self.age_max is None or age < self.age_max)


class CriticalLimits(Frozen):
    """Values beyond these need urgent clinical attention (in the test's unit)."""

    low: float | None = None
    high: float | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _bounds(self) -> CriticalLimits:
        if self.low is None and self.high is None:
            raise ValueError("critical limits need low or high")
        return self


class Meaning(Frozen):
    """What an abnormal result can mean, in our own words, with its source."""

    high: LocalizedText | None = None
    low: LocalizedText | None = None
    positive: LocalizedText | None = None
    source: str = Field(min_length=1)


class BiologicalVariation(Frozen):
    """Within-subject biological variation of a test, for the reference change value.

    `analytical: desirable` means no published analytical CV is used and the analytical
    imprecision is taken as the desirable specification 0.5 x CVI (Fraser and Petersen's
    hierarchy); `published` needs `cv_analytical` from the named source.
    """

    cv_within: float = Field(gt=0, lt=100, description="CVI, %")
    analytical: Literal["desirable", "published"] = "desirable"
    cv_analytical: float | None = Field(default=None, gt=0, lt=100, description="CVA, %")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _analytical(self) -> BiologicalVariation:
        if self.analytical == "published" and self.cv_analytical is None:
            raise ValueError("a published analytical CV needs cv_analytical")
        if self.analytical == "desirable" and self.cv_analytical is not None:
            raise ValueError("cv_analytical is derived (0.5 x CVI) when analytical is desirable")
        return self

    @property
    def cva(self) -> float:
        """The analytical CV used in the RCV, %."""
        return self.cv_analytical if self.cv_analytical is not None else 0.5 * self.cv_within


class LabTest(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    loinc: list[str] = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    panel: str = Field(default="", description="Filled from the file's panel by the loader")
    specimen: Specimen
    kind: Kind = "quantitative"
    unit: str | None = None
    conversions: list[Conversion] = Field(default_factory=list)
    reference_intervals: list[ReferenceInterval] = Field(default_factory=list)
    expected: Literal["negative"] | None = None
    critical: CriticalLimits | None = None
    meaning: Meaning | None = None
    biological_variation: BiologicalVariation | None = None
    department: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{2})?$")
    loinc_source: str = "loinc"

    @model_validator(mode="after")
    def _consistent(self) -> LabTest:
        for code in self.loinc:
            if not re.match(LOINC_PATTERN, code):
                raise ValueError(f"bad LOINC code {code!r}")
        if self.kind == "quantitative" and not self.unit:
            raise ValueError(f"{self.id}: a quantitative test needs a unit")
        if self.biological_variation is not None and self.kind != "quantitative":
            raise ValueError(f"{self.id}: biological variation is for quantitative tests only")
        for interval in self.reference_intervals:
            if interval.unit != self.unit:
                raise ValueError(f"{self.id}: interval unit {interval.unit} != {self.unit}")
        return self

    def source_ids(self) -> set[str]:
        ids = {self.loinc_source}
        ids.update(c.source for c in self.conversions)
        ids.update(r.source for r in self.reference_intervals)
        if self.critical:
            ids.add(self.critical.source)
        if self.meaning:
            ids.add(self.meaning.source)
        if self.biological_variation:
            ids.add(self.biological_variation.source)
        return ids

    def interval_for(
        self, sex: str | None, age: float | None, sample: BloodSample | None = None
    ) -> ReferenceInterval | None:
        """The default interval for this person; with no age, only when one band fits all
        adults of that sex (never guess between age bands; children's bands need an age)."""
        matches = [r for r in self.reference_intervals if r.applies(sex, age, sample)]
        if age is None:
            same_sex = [r for r in self.reference_intervals if r.sex in ("any", sex)]
            adult = [r for r in same_sex if r.covers_adults]
            return matches[0] if len(adult) == 1 and matches else None
        return matches[0] if matches else None

    def factor_from(self, unit: str) -> float | None:
        """Factor that converts a value in `unit` into this test's unit (None if unknown)."""
        from aegle.labs.units import generic_factor

        if self.unit is None:
            return None
        if unit == self.unit:
            return 1.0
        for conversion in self.conversions:
            if conversion.unit == unit:
                return conversion.factor
        return generic_factor(unit, self.unit)


class TestFile(Frozen):
    """One `knowledge/tests_*.yaml` file."""

    panel: str = Field(min_length=1)
    tests: list[LabTest] = Field(min_length=1)


class SourcesFile(Frozen):
    sources: dict[str, Source]


def normalize_name(text: str) -> str:
    """Key for alias lookup: NFKC (full-width -> half-width), casefold, no spaces or dots.

    `%` and `#` are kept because `LYM` and `LYM%` are different tests.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s·._:：*\-—‐]+", "", folded)


class Catalogue:
    """All tests with an alias index. Aliases may repeat across tests with different units."""

    def __init__(self, tests: Iterable[LabTest], sources: dict[str, Source]) -> None:
        self.tests: list[LabTest] = list(tests)
        self.sources = sources
        self.by_id: dict[str, LabTest] = {}
        self.by_loinc: dict[str, LabTest] = {}
        self._index: dict[str, list[LabTest]] = {}
        for test in self.tests:
            if test.id in self.by_id:
                raise ConfigurationError(f"duplicate lab test id {test.id}")
            self.by_id[test.id] = test
            for code in test.loinc:
                if code in self.by_loinc:
                    raise ConfigurationError(f"LOINC {code} is on two tests")
                self.by_loinc[code] = test
            missing = test.source_ids() - set(sources)
            if missing:
                raise ConfigurationError(f"{test.id}: unknown source ids {sorted(missing)}")
            for name in {test.name_zh, test.name_en, *test.aliases}:
                bucket = self._index.setdefault(normalize_name(name), [])
                if test not in bucket:
                    bucket.append(test)
        self._keys_by_length = sorted(self._index, key=len, reverse=True)

    def lookup(self, name: str) -> list[LabTest]:
        return list(self._index.get(normalize_name(name), []))

    def lookup_key(self, key: str) -> list[LabTest]:
        """Lookup by an already normalised key (hot path of the parser)."""
        return self._index.get(key, [])

    def keys_longest_first(self) -> list[str]:
        """Normalised names, longest first (for prefix matching of glued OCR text)."""
        return self._keys_by_length


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_catalogue(directory: Path = KNOWLEDGE_DIR) -> Catalogue:
    """Load and validate every knowledge file; any unknown key or bad value is an error."""
    try:
        sources = SourcesFile.model_validate(_read_yaml(directory / "sources.yaml")).sources
        tests: list[LabTest] = []
        for path in sorted(directory.glob("tests_*.yaml")):
            data = TestFile.model_validate(_read_yaml(path))
            tests.extend(test.model_copy(update={"panel": data.panel}) for test in data.tests)
    except ValidationError as exc:
        raise ConfigurationError(f"invalid lab knowledge: {exc}") from exc
    return Catalogue(tests, sources)


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()
