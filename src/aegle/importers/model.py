"""What every importer produces: source-neutral records, and the manifest that describes it.

Importers are pure parsers (no database): they turn a file into these records, and the health
data service stores them with provenance. Values and units are kept as in the source here;
`ucum` holds the unit as UCUM, which is what storage keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from aegle.core.errors import AegleError
from aegle.core.i18n import translate
from aegle.core.types import LocaleCode, LocalizedText

ConsentScope = Literal["observations", "conditions", "medications"]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a source is and what a person consents to when they allow importing it.

    `id` is the consent `source` the import requires (`Consents.require(..., source=id,
    purpose="import")`).
    """

    id: str
    name: LocalizedText
    formats: tuple[str, ...]
    consent_scope: tuple[ConsentScope, ...]
    description: LocalizedText


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One measured value.

    `code` is a LOINC code, or `system|code` when the source's concept has no LOINC code.
    `effective` is timezone-aware whenever the source says the offset; `effective_text` is the
    source's own spelling (dry runs report it unchanged).
    """

    code: str
    value: float
    unit: str
    ucum: str
    effective: datetime
    effective_text: str
    device: str = ""
    effective_end: datetime | None = None
    display: str = ""
    category: str = ""


@dataclass(frozen=True, slots=True)
class ConditionRecord:
    natural_key: str
    system: str
    code: str
    display: str
    clinical_status: str
    onset: datetime | None
    onset_text: str | None
    abatement: datetime | None


@dataclass(frozen=True, slots=True)
class MedicationRecord:
    natural_key: str
    system: str
    code: str
    display: str
    status: str
    intent: str
    authored: datetime | None
    authored_text: str | None
    dosage: str


@dataclass(slots=True)
class Quarantined:
    """An input item left out, with the reason (shown to the person, counted in the import).

    `reason` is in English with its values filled in (stored, and in `--json` output);
    `message` and `params` keep the message id and values so it can be shown in the person's
    language (`text`).
    """

    where: str
    reason: str
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def because(cls, where: str, message: str, **params: Any) -> Quarantined:
        return cls(where, _filled(message, params), message, params)

    @classmethod
    def of(cls, where: str, error: AegleError) -> Quarantined:
        message = error.detail or error.title
        return cls(where, _filled(message, error.params), message, dict(error.params))

    def text(self, locale: LocaleCode) -> str:
        if not self.message:
            return self.reason
        return translate(locale, self.message, **self.params)


def _filled(message: str, params: dict[str, Any]) -> str:
    try:
        return message.format(**params) if params else message
    except (KeyError, IndexError, ValueError):
        return message


@dataclass(slots=True)
class ParsedFile:
    """Everything one file yielded."""

    observations: list[ObservationRecord] = field(default_factory=list)
    conditions: list[ConditionRecord] = field(default_factory=list)
    medications: list[MedicationRecord] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)


class ObservationRow(NamedTuple):
    """The fast path for large streamed sources: an observation already in storage terms
    (epoch seconds UTC, offset minutes, UCUM unit), without datetime objects."""

    code: str
    effective_at: int
    utc_offset_min: int | None
    effective_end: int | None
    value: float
    unit: str
    device: str
