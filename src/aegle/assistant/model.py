"""The conversation contract shared by the orchestrator, the skills and the entry points."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import Field

from aegle.core.ports import SafetyAssessment
from aegle.core.types import Citation, Frozen, LocaleCode, TriageLevel

Intent = Literal[
    "consult", "report", "health_data", "evidence", "doctor", "insurance", "medication", "smalltalk"
]
INTENTS: tuple[Intent, ...] = (
    "consult",
    "report",
    "health_data",
    "evidence",
    "doctor",
    "insurance",
    "medication",
    "smalltalk",
)

CardKind = Literal[
    "safety", "triage", "info", "coming_soon", "disclaimer", "scope", "table", "chart"
]
ActionKind = Literal["call", "link", "message"]


class Action(Frozen):
    """Something the person can do next: call a number, open a link, send a suggested message."""

    kind: ActionKind
    label: str
    value: str


class Card(Frozen):
    kind: CardKind
    title: str
    body: str = ""
    level: TriageLevel | None = None
    items: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()


class Reply(Frozen):
    text: str
    cards: tuple[Card, ...] = ()
    actions: tuple[Action, ...] = ()
    intent: Intent | None = None
    safety: SafetyAssessment = Field(default_factory=SafetyAssessment)


class IntentScore(Frozen):
    intent: Intent
    score: float
    matched: tuple[str, ...] = ()


class Classification(Frozen):
    intent: Intent
    scores: tuple[IntentScore, ...] = ()


class TurnContext(Frozen):
    """One user turn as the assistant sees it. `history` is earlier (role, text) pairs.
    `consulting` says an interview is under way, whose engine will answer the turn."""

    text: str
    locale: LocaleCode
    history: tuple[tuple[str, str], ...] = ()
    consulting: bool = False


class PreparedTurn(Frozen):
    """The part of a turn that depends on the text alone: the safety assessment, the intent, the
    scope notice and the skill's answer (none when the screen fired). Computed before the
    conversation's transaction, so a turn holds the database's write lock only for its
    database work."""

    text: str
    locale: LocaleCode
    assessment: SafetyAssessment
    classification: Classification
    skill_reply: Reply | None = None
    scope_cards: tuple[Card, ...] = ()


class IntentClassifier(Protocol):
    def classify(self, text: str, locale: LocaleCode) -> Classification: ...


class Skill(Protocol):
    """Answers one intent. Skills not built yet say so honestly in the user's language.

    A skill answers from the turn's text and locale alone (`history` is for the orchestrator),
    so its answer can be prepared before the conversation is loaded."""

    def respond(self, turn: TurnContext, classification: Classification) -> Reply: ...
