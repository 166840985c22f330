"""Scope guard: notice when a message asks for a diagnosis, a prescription or a personal dose.

Aegle informs and guides; it does not diagnose or prescribe. The guard does not refuse anything
by itself: it returns a bilingual `ScopeNotice` that the assistant shows next to its general
answer. It runs after the safety screen (an emergency reply always wins) and is deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from aegle.core.errors import ConfigurationError
from aegle.core.types import Citation, Frozen, LocaleCode, LocalizedText, Source
from aegle.safety.entries import scope_citation_id
from aegle.safety.knowledge import KNOWLEDGE_DIR, _check_patterns, compile_pattern
from aegle.safety.normalize import normalize

ScopeKind = Literal["diagnosis", "prescription", "dose"]
SCOPE_FILE = KNOWLEDGE_DIR / "scope" / "scope.yaml"
_KINDS: tuple[ScopeKind, ...] = ("diagnosis", "prescription", "dose")


class ScopeRule(Frozen):
    id: str = Field(pattern=r"^scope\.[a-z_]+$")
    kind: ScopeKind
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)

    @field_validator("zh")
    @classmethod
    def _zh(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "zh")

    @field_validator("en")
    @classmethod
    def _en(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "en")


class ScopeNotices(Frozen):
    diagnosis: LocalizedText
    prescription: LocalizedText
    dose: LocalizedText
    footer: LocalizedText


class ScopeKnowledge(Frozen):
    description: str = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)
    rules: tuple[ScopeRule, ...] = Field(min_length=1)
    notices: ScopeNotices


@dataclass(frozen=True, slots=True)
class ScopeNotice:
    """What the message asked for that Aegle does not do, and the notice to show (in locale)."""

    kinds: tuple[ScopeKind, ...]
    rule_ids: tuple[str, ...]
    message: str
    citations: tuple[Citation, ...]


def load_scope(path: Path = SCOPE_FILE) -> ScopeKnowledge:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ScopeKnowledge.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"invalid scope knowledge file {path.name}: {exc}") from exc


class ScopeGuard:
    """Detects requests for a definitive diagnosis, a prescription or a dose. Build once."""

    def __init__(self, knowledge: ScopeKnowledge) -> None:
        self.knowledge = knowledge
        self._rules = tuple(
            (
                rule,
                re.compile(
                    "|".join(
                        [f"(?:{compile_pattern(p, 'zh').pattern})" for p in rule.zh]
                        + [f"(?:{compile_pattern(p, 'en').pattern})" for p in rule.en]
                    )
                ),
            )
            for rule in knowledge.rules
        )

    @classmethod
    def load_default(cls) -> ScopeGuard:
        return cls(load_scope())

    def check(self, text: str, locale: LocaleCode) -> ScopeNotice | None:
        """A notice if `text` asks for something out of scope, else None."""
        normal = normalize(text)
        fired = [rule for rule, pattern in self._rules if pattern.search(normal)]
        if not fired:
            return None
        kinds = tuple(k for k in _KINDS if any(r.kind == k for r in fired))
        notices = self.knowledge.notices
        lines = [getattr(notices, kind).get(locale) for kind in kinds]
        lines.append(notices.footer.get(locale))
        citations = tuple(
            Citation.from_source(scope_citation_id(index), source)
            for index, source in enumerate(self.knowledge.sources)
        )
        return ScopeNotice(
            kinds=kinds,
            rule_ids=tuple(r.id for r in fired),
            message="\n".join(lines),
            citations=citations,
        )
