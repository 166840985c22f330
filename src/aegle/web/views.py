"""Plain view models built inside a unit of work, so templates never touch ORM rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from aegle.assistant.model import Action, Card
from aegle.core.i18n import N_
from aegle.core.types import TriageLevel

if TYPE_CHECKING:  # rows come from the services; the web layer never queries the database
    from aegle.services.conversations import MessageRecord
    from aegle.store.tables import Conversation

LEVEL_LABELS: dict[TriageLevel, str] = {
    TriageLevel.EMERGENCY_AMBULANCE: N_("Call an ambulance now"),
    TriageLevel.EMERGENCY: N_("Go to an emergency department now"),
    TriageLevel.URGENT: N_("See a doctor within 24 hours"),
    TriageLevel.ROUTINE: N_("Book a visit within the next few days"),
    TriageLevel.SELF_CARE: N_("Self-care"),
}
# Levels that make a card stand out as an alert.
ALERT_LEVELS = {TriageLevel.EMERGENCY_AMBULANCE, TriageLevel.EMERGENCY}

_Model = TypeVar("_Model", Card, Action)
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{1,20}$")


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: str
    title: str

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationView:
        return cls(id=conversation.id, title=conversation.title)


@dataclass(frozen=True, slots=True)
class ActionView:
    kind: str
    label: str
    value: str
    href: str | None = None

    @classmethod
    def of(cls, action: Action) -> ActionView | None:
        """Only safe targets: `tel:` numbers, http(s) or site-local links, suggested messages."""
        value = action.value.strip()
        if action.kind == "call":
            if not _PHONE.fullmatch(value):
                return None
            return cls("call", action.label, value, "tel:" + re.sub(r"[ -]", "", value))
        if action.kind == "link":
            local = value.startswith("/") and not value.startswith("//")
            if not (local or value.startswith(("https://", "http://"))):
                return None
            return cls("link", action.label, value, value)
        return cls("message", action.label, value)


@dataclass(frozen=True, slots=True)
class CardView:
    card: Card
    alert: bool
    level_label: str | None

    @classmethod
    def of(cls, card: Card) -> CardView:
        level = card.level
        alert = card.kind == "safety" or (level is not None and level in ALERT_LEVELS)
        return cls(card=card, alert=alert, level_label=LEVEL_LABELS[level] if level else None)


@dataclass(frozen=True, slots=True)
class MessageView:
    id: str
    seq: int
    role: str
    text: str
    lang: str
    cards: list[CardView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)

    @classmethod
    def of(cls, message: MessageRecord) -> MessageView:
        payload: dict[str, Any] = message.payload or {}
        return cls(
            id=message.id,
            seq=message.seq,
            role=message.role,
            text=message.text,
            lang=message.lang,
            cards=[CardView.of(card) for card in _parse(Card, payload.get("cards"))],
            actions=[
                view
                for action in _parse(Action, payload.get("actions"))
                if (view := ActionView.of(action)) is not None
            ],
        )


def _parse(model: type[_Model], items: object) -> list[_Model]:
    """Stored payloads are read leniently: an entry this version cannot read is left out."""
    parsed: list[_Model] = []
    for item in items if isinstance(items, list) else []:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    return parsed
