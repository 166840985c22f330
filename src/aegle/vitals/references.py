"""Reference values with their sources (`knowledge/reference_values.yaml`), loaded strictly."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from aegle.core.types import Frozen, LocalizedText, Source
from aegle.vitals.loader import KNOWLEDGE_DIR, load_model

REFERENCES_FILE = KNOWLEDGE_DIR / "reference_values.yaml"


class ReferenceValue(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    value: float
    unit: str = Field(min_length=1)
    label: LocalizedText
    source: Source


class ReferenceValues(Frozen):
    description: str = Field(min_length=1)
    values: tuple[ReferenceValue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ReferenceValues:
        ids = [v.id for v in self.values]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate reference ids")
        return self

    def get(self, key: str) -> ReferenceValue:
        for entry in self.values:
            if entry.id == key:
                return entry
        raise KeyError(key)


def load_references(path: Path = REFERENCES_FILE) -> ReferenceValues:
    return load_model(path, ReferenceValues)


@cache
def default_references() -> ReferenceValues:
    return load_references()
