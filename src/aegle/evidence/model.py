"""Corpus model: documents -> sections -> passages, each passage carrying full provenance."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aegle.core.types import Frozen, LocaleCode, Source

DocumentKind = Literal["condition", "test", "medicine", "prevention", "first_aid", "user"]


class DocumentMeta(Frozen):
    """Front matter of a corpus page (strict: unknown keys are errors)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=120)
    title: str = Field(min_length=1)
    lang: LocaleCode
    kind: DocumentKind = "user"
    topic: str | None = Field(None, description="Shared key of the zh and en pages of one topic")
    sources: tuple[Source, ...] = ()
    publisher: str = Field("Aegle contributors", min_length=1)
    licence: str = Field("CC-BY-4.0", min_length=1)
    updated: str | None = Field(None, description="Date of our text, ISO 8601")
    url: str | None = None


class Passage(Frozen):
    """The unit of retrieval and citation. `id` is `doc-id#section/n`, derived from the content
    structure so it survives re-ingestion of the same document."""

    id: str
    doc_id: str
    title: str
    lang: LocaleCode
    kind: DocumentKind
    section_path: tuple[str, ...]
    text: str
    sources: tuple[Source, ...] = ()
    publisher: str
    licence: str
    updated: str | None = None
    url: str | None = None

    @property
    def source_label(self) -> str:
        """One line naming where the passage's facts come from."""
        if self.sources:
            return "; ".join(f"{s.publisher}, {s.title} ({s.edition})" for s in self.sources)
        return f"{self.publisher}, {self.title}"


class Section(Frozen):
    path: tuple[str, ...]
    slug: str
    passages: tuple[Passage, ...]


class Document(Frozen):
    meta: DocumentMeta
    sections: tuple[Section, ...]
    fingerprint: str = Field(description="sha256 of the normalised text, for duplicate detection")

    @property
    def passages(self) -> tuple[Passage, ...]:
        return tuple(p for s in self.sections for p in s.passages)
