"""Bilingual medical glossary: the Chinese segmenter's user dictionary and the bridge that lets a
Chinese question reach an English passage (and the reverse)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import Field

from aegle.core.literals import LiteralIndex
from aegle.core.types import Frozen, Source

KNOWLEDGE = Path(__file__).parent / "knowledge"


class Term(Frozen):
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)


class GlossaryFile(Frozen):
    source: Source
    terms: tuple[Term, ...]


class Glossary:
    """Looks up glossary terms inside a text and returns their other-language equivalents."""

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.terms = terms
        self._zh: list[tuple[str, int]] = sorted(
            ((z, i) for i, t in enumerate(terms) for z in t.zh), key=lambda x: -len(x[0])
        )
        self._en: list[tuple[re.Pattern[str], int]] = [
            (re.compile(r"\b" + re.escape(e.lower()) + r"s?\b"), i)
            for i, t in enumerate(terms)
            for e in t.en
        ]
        # One scan finds which names occur at all; only those are checked further (in the
        # lists' order, so the result is the same as testing every name).
        self._zh_present = LiteralIndex({k: [z] for k, (z, _) in enumerate(self._zh)})
        self._en_present = LiteralIndex(
            {k: [e.lower()] for k, e in enumerate(e for t in terms for e in t.en)}
        )

    @property
    def zh_words(self) -> list[str]:
        return [z for z, _ in self._zh]

    def matches(self, text: str) -> list[int]:
        """Indexes of the terms named in `text`, in either language."""
        found: list[int] = []
        lowered = text.lower()
        for k in sorted(self._zh_present.keys(text)):
            i = self._zh[k][1]
            if i not in found:
                found.append(i)
        for k in sorted(self._en_present.keys(lowered)):
            pattern, i = self._en[k]
            if i not in found and pattern.search(lowered):
                found.append(i)
        return found

    def expand(self, text: str) -> str:
        """Both languages' names of every glossary term found in `text`."""
        parts: list[str] = []
        for i in self.matches(text):
            parts.extend(self.terms[i].zh)
            parts.extend(self.terms[i].en)
        return " ".join(parts)


def load_glossary_file(path: Path) -> GlossaryFile:
    return GlossaryFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    terms: list[Term] = []
    for path in sorted(KNOWLEDGE.glob("glossary*.yaml")):
        terms.extend(load_glossary_file(path).terms)
    return Glossary(tuple(terms))
