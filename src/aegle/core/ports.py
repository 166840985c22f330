"""Ports: the small interfaces adapters and engines implement. Each has an in-memory or
rule-based implementation usable in tests without patching."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import Field

from aegle.core.types import Citation, Frozen, LocaleCode, TriageLevel


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


SafetyCategory = Literal["none", "crisis", "emergency"]


class SafetyAssessment(Frozen):
    """What the deterministic safety layer found in one user message.

    `category` "crisis" is self-harm or suicide language; "emergency" is a medical emergency.
    `message` is already in the conversation's locale. `rule_ids` name the rules that fired.
    """

    category: SafetyCategory = "none"
    level: TriageLevel | None = None
    rule_ids: tuple[str, ...] = ()
    message: str = ""
    reasons: tuple[str, ...] = ()
    call_numbers: tuple[str, ...] = Field(
        default=(), description="Phone numbers to offer as call actions, most relevant first"
    )
    citations: tuple[Citation, ...] = ()

    @property
    def triggered(self) -> bool:
        return self.category != "none"


class SafetyScreen(Protocol):
    """Runs before anything else on every user turn; cannot be disabled by a model or prompt."""

    def screen(self, text: str, locale: LocaleCode) -> SafetyAssessment: ...
