"""Built-in skills: honest "coming soon" answers for capabilities not built yet, and smalltalk.

Neither says anything medical beyond "see a doctor if you are unwell or worried, call the
emergency number if it gets worse": no invented medical content.
"""

from __future__ import annotations

from collections.abc import Collection

from aegle.assistant.model import INTENTS, Action, Card, Classification, Intent, Reply, TurnContext
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.types import LocaleCode
from aegle.safety.normalize import normalize


def disclaimer_card(texts: AssistantTexts, locale: LocaleCode) -> Card:
    return Card(
        kind="disclaimer",
        title=texts.get("disclaimer_title", locale),
        body=texts.get("disclaimer", locale),
    )


class ComingSoonSkill:
    """Says, in the user's language, that `intent` is being built and what it will do."""

    def __init__(self, intent: Intent, texts: AssistantTexts | None = None) -> None:
        if intent == "smalltalk":
            raise ValueError("smalltalk has its own skill")
        self.intent = intent
        self.texts = texts or default_texts()

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        locale = turn.locale
        capability = self.texts.capability(self.intent)
        name = capability.name.get(locale)
        body = self.texts.get(
            "coming_soon_body", locale, name=name, will_do=capability.will_do.get(locale)
        )
        paragraphs = [body]
        if self.intent == "consult":
            paragraphs.append(self.texts.get("consult_advice", locale))
        # The card is a status badge; the explanation is the reply text (not repeated here).
        card = Card(
            kind="coming_soon", title=self.texts.get("coming_soon_title", locale, name=name)
        )
        return Reply(
            text="\n\n".join(paragraphs),
            cards=(card, disclaimer_card(self.texts, locale)),
            intent=self.intent,
        )


class SmalltalkSkill:
    """Greetings, thanks, goodbyes, "who are you" and "what can you do".

    `available` names the intents that have a real skill, so the capability list stays honest
    as skills are built.
    """

    def __init__(
        self, available: Collection[Intent] = (), texts: AssistantTexts | None = None
    ) -> None:
        self.available = frozenset(available)
        self.texts = texts or default_texts()

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        locale = turn.locale
        normal = normalize(turn.text)
        kind = next((c.kind for c in self.texts.smalltalk if c.matches(normal)), "greeting")
        if kind == "capabilities":
            return self._capabilities(locale)
        cards: tuple[Card, ...] = ()
        if kind in ("greeting", "identity"):
            cards = (disclaimer_card(self.texts, locale),)
        return Reply(
            text=self.texts.get(kind, locale),
            cards=cards,
            actions=self._suggestions(locale) if kind == "greeting" else (),
            intent="smalltalk",
        )

    def _capabilities(self, locale: LocaleCode) -> Reply:
        items = tuple(
            self.texts.get(
                "capability_item",
                locale,
                name=c.name.get(locale),
                status=self.texts.get(
                    "status_ready" if c.intent in self.available else "status_coming", locale
                ),
                will_do=c.will_do.get(locale),
            )
            for c in self.texts.capabilities
        )
        return Reply(
            text=self.texts.get("capabilities_intro", locale),
            cards=(
                Card(kind="info", title=self.texts.get("capabilities_title", locale), items=items),
                disclaimer_card(self.texts, locale),
            ),
            actions=self._suggestions(locale),
            intent="smalltalk",
        )

    def _suggestions(self, locale: LocaleCode) -> tuple[Action, ...]:
        return tuple(
            Action(kind="message", label=c.example.get(locale), value=c.example.get(locale))
            for c in self.texts.capabilities
        )


def default_skills(
    texts: AssistantTexts | None = None,
) -> dict[Intent, ComingSoonSkill | SmalltalkSkill]:
    """A skill for every intent: smalltalk, and "coming soon" for everything not built yet."""
    skills: dict[Intent, ComingSoonSkill | SmalltalkSkill] = {
        intent: ComingSoonSkill(intent, texts) for intent in INTENTS if intent != "smalltalk"
    }
    skills["smalltalk"] = SmalltalkSkill(texts=texts)
    return skills
