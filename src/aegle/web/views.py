"""Plain view models built inside a unit of work, so templates never touch ORM rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from pydantic import ValidationError

from aegle.assistant.model import Action, Card
from aegle.core.i18n import N_
from aegle.core.types import LocaleCode, TriageLevel, normalize_locale
from aegle.evidence.model import DocumentKind
from aegle.evidence.retrieve import MAX_QUERY_CHARS
from aegle.evidence.service import Capability
from aegle.services.citations import CORPUS_ID
from aegle.vitals.entries import alert_id

if TYPE_CHECKING:  # rows come from the services; the web layer never queries the database
    from aegle.services.conversations import MessageRecord
    from aegle.services.health_alerts import InboxAlert
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
    chart_src: str | None = None  # a chart card's image (the health-data charts)
    linked_items: bool = False
    """Each item is one cited corpus passage (the evidence sources card): the item is its link.
    Other cards list their citations, each linking to its passage or knowledge entry."""

    @classmethod
    def of(cls, card: Card) -> CardView:
        level = card.level
        alert = card.kind == "safety" or (level is not None and level in ALERT_LEVELS)
        cited = card.citations
        return cls(
            card=card,
            alert=alert,
            level_label=LEVEL_LABELS[level] if level else None,
            chart_src=chart_src(card),
            linked_items=bool(cited)
            and len(card.items) == len(cited)
            and all(CORPUS_ID.fullmatch(c.id) for c in cited),
        )


HealthChart = Literal["agp", "bp", "sleep", "weight", "heart_rate", "spo2"]
ChartFormat = Literal["svg", "png"]
HEALTH_CHARTS = frozenset(get_args(HealthChart))
HEALTH_DAYS = (7, 14, 30, 90)


def health_days(raw: str | None) -> int:
    """The health page's window, read leniently: anything but a listed choice is 14 days."""
    try:
        value = int(raw or "")
    except ValueError:
        return 14
    return value if value in HEALTH_DAYS else 14


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    title: str
    explanation: str
    advice: str
    triage: str
    severity: str
    start: str
    read: bool
    sources: list[str]
    citation_id: str  # the alert rule's knowledge entry: every source links to it

    @classmethod
    def of(cls, alert: InboxAlert, locale: LocaleCode) -> AlertView:
        return cls(
            id=alert.id,
            title=alert.title.get(locale),
            explanation=alert.explanation.get(locale),
            advice=alert.advice.get(locale),
            triage=alert.triage,
            severity=alert.severity,
            start=alert.start.strftime("%Y-%m-%d %H:%M"),
            read=alert.read_at is not None,
            sources=[
                f"{s.publisher}, {s.title} ({s.edition}) · {s.section}" for s in alert.sources
            ],
            citation_id=alert_id(alert.rule_id),
        )


def chart_src(card: Card, days: int | None = None) -> str | None:
    """Where the web UI serves a chart card's image; None for other cards or unknown charts."""
    if card.kind != "chart" or not card.items or card.items[0] not in HEALTH_CHARTS:
        return None
    if days is None and len(card.items) > 1 and card.items[1].isdigit():
        days = health_days(card.items[1])
    return f"/health/charts/{card.items[0]}.svg" + (f"?days={days}" if days else "")


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


# What a cited knowledge entry is, on its page (a corpus passage shows its document kind).
CAPABILITY_LABELS: dict[Capability, str] = {
    "corpus": N_("Evidence library"),
    "clinic": N_("Consultation knowledge"),
    "labs": N_("Lab test knowledge"),
    "vitals": N_("Health data guidelines"),
    "safety": N_("Safety rules"),
}
KIND_LABELS: dict[DocumentKind, str] = {
    "condition": N_("Conditions"),
    "test": N_("Tests"),
    "medicine": N_("Medicines"),
    "prevention": N_("Prevention"),
    "first_aid": N_("First aid"),
    "user": N_("Local documents"),
}
SINCE_CHOICES = (2015, 2020, 2023)


@dataclass(frozen=True, slots=True)
class EvidenceForm:
    """The evidence search's query string, read leniently: unknown kinds and bad years are
    dropped (the page shows what it searched for), an enormous query is cut."""

    q: str = ""
    kinds: tuple[DocumentKind, ...] = ()
    passage_lang: LocaleCode | None = None
    since: int | None = None

    @classmethod
    def of(cls, params: Mapping[str, str] | Any) -> EvidenceForm:
        q = " ".join(str(params.get("q") or "").split())[:MAX_QUERY_CHARS]
        raw_kinds = params.getlist("kind") if hasattr(params, "getlist") else []
        kinds = tuple(k for k in KIND_LABELS if k in raw_kinds)
        lang_value = params.get("passage_lang") or ""
        passage_lang = normalize_locale(lang_value) if lang_value in ("zh-CN", "en") else None
        since_value = str(params.get("since") or "")
        since = (
            int(since_value) if since_value.isdigit() and 1900 <= int(since_value) <= 2100 else None
        )
        return cls(q=q, kinds=kinds, passage_lang=passage_lang, since=since)


def _parse(model: type[_Model], items: object) -> list[_Model]:
    """Stored payloads are read leniently: an entry this version cannot read is left out."""
    parsed: list[_Model] = []
    for item in items if isinstance(items, list) else []:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    return parsed
