"""One conversation turn: safety first, then intent, then the skill.

The safety screen runs on every turn before anything else and no skill can override it: when it
fires, the reply is the safety reply (a `safety` card and `call` actions) and no skill runs.
Pure and deterministic: no I/O, no clock, no randomness.
"""

from __future__ import annotations

from collections.abc import Mapping

from aegle.assistant.intents import KeywordIntentClassifier
from aegle.assistant.model import (
    INTENTS,
    Action,
    Card,
    Intent,
    IntentClassifier,
    Reply,
    Skill,
    TurnContext,
)
from aegle.assistant.skills import default_skills
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.errors import ConfigurationError
from aegle.core.ports import SafetyAssessment, SafetyScreen
from aegle.core.types import LocaleCode, TriageLevel
from aegle.safety import RuleSafetyScreen


class Assistant:
    def __init__(
        self,
        safety: SafetyScreen,
        classifier: IntentClassifier,
        skills: Mapping[Intent, Skill],
        texts: AssistantTexts | None = None,
    ) -> None:
        missing = [intent for intent in INTENTS if intent not in skills]
        if missing:
            raise ConfigurationError(f"no skill for intents {missing}")
        self.safety = safety
        self.classifier = classifier
        self.skills = dict(skills)
        self.texts = texts or default_texts()

    def turn(self, turn: TurnContext) -> Reply:
        assessment = self.safety.screen(turn.text, turn.locale)
        classification = self.classifier.classify(turn.text, turn.locale)
        if assessment.triggered:
            return self.safety_reply(assessment, turn.locale, classification.intent)
        reply = self.skills[classification.intent].respond(turn, classification)
        # The orchestrator, not the skill, owns these two fields.
        return reply.model_copy(update={"intent": classification.intent, "safety": assessment})

    def safety_reply(
        self, assessment: SafetyAssessment, locale: LocaleCode, intent: Intent
    ) -> Reply:
        if assessment.category == "crisis":
            title_key = "safety_title_crisis"
        elif assessment.level is TriageLevel.EMERGENCY_AMBULANCE:
            title_key = "safety_title_emergency_ambulance"
        else:
            title_key = "safety_title_emergency"
        card = Card(
            kind="safety",
            title=self.texts.get(title_key, locale),
            level=assessment.level,
            items=assessment.reasons,
            citations=assessment.citations,
        )
        actions = tuple(
            Action(kind="call", label=self.texts.get("call_label", locale, number=n), value=n)
            for n in assessment.call_numbers
        )
        return Reply(
            text=assessment.message,
            cards=(card,),
            actions=actions,
            intent=intent,
            safety=assessment,
        )


def build_default_assistant() -> Assistant:
    """The embedded default: rule-based safety, keyword intents, built-in skills."""
    texts = default_texts()
    return Assistant(
        safety=RuleSafetyScreen.load_default(),
        classifier=KeywordIntentClassifier.load_default(),
        skills=default_skills(texts),
        texts=texts,
    )
