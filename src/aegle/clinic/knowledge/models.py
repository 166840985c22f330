"""Strict schemas for the clinic knowledge files (unknown keys are errors)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from aegle.core.types import Frozen, LocalizedText, TriageLevel

FindingKind = Literal["boolean", "choice", "multi", "scale"]
Prevalence = Literal["very_common", "common", "uncommon", "rare", "very_rare"]
Level = Literal["hallmark", "typical", "common", "occasional", "rare", "excludes"]
Sex = Literal["F", "M"]

# How a qualitative level in a condition entry becomes P(finding | condition). The levels are
# the words textbooks use ("almost always", "usually", "often", "sometimes", "rarely"); the
# numbers are a documented modelling choice (docs/clinic.md), not measured frequencies.
LEVEL_PROBABILITY: dict[str, float] = {
    "hallmark": 0.9,
    "typical": 0.7,
    "common": 0.45,
    "occasional": 0.2,
    "rare": 0.06,
    "excludes": 0.01,
}

# Relative prior weights of the prevalence classes (each class about 3x the next).
PREVALENCE_WEIGHT: dict[str, float] = {
    "very_common": 9.0,
    "common": 3.0,
    "uncommon": 1.0,
    "rare": 0.33,
    "very_rare": 0.1,
}


class SourceEntry(Frozen):
    """A reference work in the source registry (sources.yaml); entries cite it by id."""

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    edition: str = Field(min_length=1)
    url: str | None = None
    licence: str | None = None


class SourceRef(Frozen):
    """A pointer to a registered source plus the section the entry was written from."""

    ref: str = Field(min_length=1)
    section: str = Field(min_length=1)


class DepartmentEntry(Frozen):
    code: str = Field(pattern=r"^\d{2}(\.\d{2})?$")
    name: LocalizedText


class Synonyms(Frozen):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class FindingOption(Frozen):
    code: str = Field(min_length=1)
    name: LocalizedText


class Finding(Frozen):
    """A symptom, sign, risk factor or item of history that the interview can ask about."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: LocalizedText
    question: LocalizedText
    kind: FindingKind = "boolean"
    codes: list[str] = Field(default_factory=list)
    options: list[FindingOption] = Field(default_factory=list)
    min: int | None = None
    max: int | None = None
    default: str | int | None = None
    parent: str | None = None
    history: bool = False
    # Derived findings summarise other answers (e.g. chest_pain = pain at a chest site): they
    # are understood in free text and used by conditions but never asked on their own.
    derived_from: dict[str, list[str]] = Field(default_factory=dict)
    # False: understood in free text and used by conditions, but never asked as a question of
    # its own (findings with qualitative likelihoods only; see docs/clinic.md, "asked findings").
    ask: bool = True
    synonyms: Synonyms = Field(default_factory=Synonyms)
    source: SourceRef

    @model_validator(mode="after")
    def _options_match_kind(self) -> Finding:
        if self.kind in ("choice", "multi") and not self.options:
            raise ValueError(f"{self.id}: a {self.kind} finding needs options")
        if self.kind == "scale" and (self.min is None or self.max is None):
            raise ValueError(f"{self.id}: a scale finding needs min and max")
        return self


class Condition(Frozen):
    """A condition the differential can hold."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: LocalizedText
    icd10: str = Field(pattern=r"^[A-Z]\d{2}(\.\d{1,2})?$")
    codes: list[str] = Field(default_factory=list)
    triage: TriageLevel
    departments: list[str] = Field(min_length=1)
    prevalence: Prevalence = "uncommon"
    age: tuple[int, int] | None = None
    sex: Sex | None = None
    advice: str
    findings: dict[str, Level] = Field(default_factory=dict)
    synonyms: Synonyms = Field(default_factory=Synonyms)
    source: SourceRef


class AdviceEntry(Frozen):
    """Self-care advice and warning signs shared by a group of conditions."""

    id: str
    advice: list[LocalizedText] = Field(min_length=1)
    warning_signs: list[LocalizedText] = Field(min_length=1)
    source: SourceRef


class RedFlagRule(Frozen):
    """A combination of findings that forces a minimum triage level."""

    id: str
    all_of: list[str] = Field(default_factory=list)
    any_of: list[str] = Field(default_factory=list)
    and_any_of: list[str] = Field(default_factory=list)
    age_max: int | None = None
    age_min: int | None = None
    level: TriageLevel
    reason: LocalizedText
    source: SourceRef

    @model_validator(mode="after")
    def _not_empty(self) -> RedFlagRule:
        if not self.all_of and not self.any_of:
            raise ValueError(f"red flag {self.id} names no finding")
        return self

    def fires(self, present: set[str], age: int | None) -> bool:
        if self.age_max is not None and (age is None or age > self.age_max):
            return False
        if self.age_min is not None and (age is None or age < self.age_min):
            return False
        if not all(f in present for f in self.all_of):
            return False
        if self.any_of and not any(f in present for f in self.any_of):
            return False
        return not self.and_any_of or any(f in present for f in self.and_any_of)


class Screen(Frozen):
    """Questions that must be asked whenever a presenting complaint is present."""

    trigger: str
    ask: list[str] = Field(min_length=1)
    source: SourceRef


class DepartmentHint(Frozen):
    """Words that point to a department when a message names no known finding (routing only)."""

    department: str
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)
    # Words that name the department's own field (中医, 整形) weigh more than symptom words.
    weight: float = Field(default=0.15, gt=0, le=2)


class Likelihoods(Frozen):
    """P(finding | condition) estimated from data (see the build script and docs/clinic.md)."""

    method: str
    source: SourceRef
    # condition id -> finding id -> P(present)
    present: dict[str, dict[str, float]]
    # condition id -> finding id -> option code (or scale value as text) -> probability
    options: dict[str, dict[str, dict[str, float]]]
    # finding id -> option code -> marginal probability over all conditions
    marginal: dict[str, dict[str, float]]


__all__ = [
    "LEVEL_PROBABILITY",
    "PREVALENCE_WEIGHT",
    "AdviceEntry",
    "Condition",
    "DepartmentEntry",
    "DepartmentHint",
    "Finding",
    "FindingOption",
    "Likelihoods",
    "RedFlagRule",
    "Screen",
    "SourceEntry",
    "SourceRef",
    "Synonyms",
]
