"""Value types shared by every capability.

They are frozen pydantic models or enums so engines can pass them around safely and
knowledge loaders can validate them strictly (unknown keys are errors).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LOCALES: tuple[str, ...] = ("zh-CN", "en")
LocaleCode = Literal["zh-CN", "en"]


def normalize_locale(value: str | None, default: LocaleCode = "zh-CN") -> LocaleCode:
    """Map what clients send ("zh", "zh_CN", "zh-Hans", "en-US", ...) to one of our locales."""
    if not value:
        return default
    lowered = value.strip().lower().replace("_", "-")
    if lowered.startswith("zh"):
        return "zh-CN"
    if lowered.startswith("en"):
        return "en"
    return default


class Frozen(BaseModel):
    """Base for strict, immutable value objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(Frozen):
    """A user-facing text in both locales. Both are required: no half-translated content."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: LocaleCode) -> str:
        return self.zh if locale == "zh-CN" else self.en

    @staticmethod
    def lines(parts: Iterable[LocalizedText]) -> LocalizedText:
        """The parts one per line, in each locale."""
        listed = list(parts)
        return LocalizedText(zh="\n".join(p.zh for p in listed), en="\n".join(p.en for p in listed))


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"


class TriageLevel(StrEnum):
    """Shared triage vocabulary (DESIGN.md), most urgent first."""

    EMERGENCY_AMBULANCE = "emergency_ambulance"
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    SELF_CARE = "self_care"

    @property
    def rank(self) -> int:
        """0 is the most urgent; smaller rank wins when levels are combined."""
        return list(TriageLevel).index(self)

    @staticmethod
    def most_urgent(levels: list[TriageLevel]) -> TriageLevel | None:
        return min(levels, key=lambda level: level.rank) if levels else None


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


class Source(Frozen):
    """Provenance of a knowledge entry: where the fact comes from."""

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    edition: str = Field(min_length=1, description="Edition, version or publication date")
    section: str = Field(min_length=1)
    url: str | None = None


class Citation(Frozen):
    """A reference attached to an answer; `id` resolves to a knowledge entry or passage."""

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    title: str | None = None
    section: str | None = None
    url: str | None = None

    @classmethod
    def from_source(cls, entry_id: str, source: Source) -> Citation:
        return cls(
            id=entry_id,
            source=f"{source.publisher}, {source.title} ({source.edition})",
            title=source.title,
            section=source.section,
            url=source.url,
        )


class KnowledgeEntry(Frozen):
    """A citable entry of a capability's knowledge: what its citation id opens (docs/evidence.md,
    "Citable knowledge entries"). Each engine lists its own; the composition root resolves."""

    id: str = Field(min_length=1, description="The citation id a card carries")
    group: str = Field(
        min_length=1, description="The knowledge entry it is part of; its siblings share it"
    )
    title: LocalizedText
    text: LocalizedText
    source: Source = Field(description="Where this part of the entry comes from")
    sources: tuple[Source, ...] = Field(
        default=(), description="Every source of the group entry, when it has more than one"
    )
    licence: str | None = Field(None, description="The source's licence, where recorded")

    @field_validator("sources")
    @classmethod
    def _only_several(cls, sources: tuple[Source, ...]) -> tuple[Source, ...]:
        return sources if len(sources) > 1 else ()  # one source is `source` itself


def entries_by_id(entries: Iterable[KnowledgeEntry], knowledge: str) -> dict[str, KnowledgeEntry]:
    """A capability's entries by citation id; two entries with one id are a knowledge error."""
    from aegle.core.errors import ConfigurationError  # errors -> i18n -> types: not at the top

    by_id: dict[str, KnowledgeEntry] = {}
    for entry in entries:
        if entry.id in by_id:
            raise ConfigurationError(f"{knowledge} knowledge: two entries share the id {entry.id}")
        by_id[entry.id] = entry
    return by_id


class Quantity(Frozen):
    """A measured value with a UCUM unit."""

    value: float
    unit: str


class Department(Frozen):
    """A department from the national 医疗机构诊疗科目名录."""

    code: str = Field(pattern=r"^\d{2}(\.\d{2})?$")
    name_zh: str
    name_en: str
