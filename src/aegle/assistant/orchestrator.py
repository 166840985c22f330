"""One conversation turn: safety first, then intent, then the skill.

The safety screen runs on every turn before anything else and no skill can override it: when it
fires, the reply is the safety reply (a `safety` card and `call` actions) and no skill runs.
Pure and deterministic: no I/O, no clock, no randomness.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache

from aegle.assistant.evidence import EvidenceAnswers, EvidenceSkill
from aegle.assistant.intents import KeywordIntentClassifier
from aegle.assistant.model import (
    INTENTS,
    Action,
    Card,
    Intent,
    IntentClassifier,
    PreparedTurn,
    Reply,
    Skill,
    TurnContext,
)
from aegle.assistant.report import ReportSkill
from aegle.assistant.skills import SmalltalkSkill, default_skills
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.errors import ConfigurationError
from aegle.core.ports import SafetyAssessment, SafetyScreen
from aegle.core.types import LocaleCode, TriageLevel
from aegle.evidence.service import EvidenceService, default_evidence_dir
from aegle.safety import RuleSafetyScreen, ScopeGuard

# After a crisis message, a reply that is small talk or unrecognised ("嗯", "I don't know") is the
# person still talking about it: stay with them. A clear new request (insurance...) is answered.
_FOLLOW_UP_INTENTS: frozenset[Intent] = frozenset({"smalltalk", "consult"})


class Assistant:
    def __init__(
        self,
        safety: SafetyScreen,
        classifier: IntentClassifier,
        skills: Mapping[Intent, Skill],
        texts: AssistantTexts | None = None,
        scope: ScopeGuard | None = None,
    ) -> None:
        missing = [intent for intent in INTENTS if intent not in skills]
        if missing:
            raise ConfigurationError(f"no skill for intents {missing}")
        self.safety = safety
        self.classifier = classifier
        self.skills = dict(skills)
        self.texts = texts or default_texts()
        self.scope = scope

    def prepare(self, text: str, locale: LocaleCode, *, answer: bool = True) -> PreparedTurn:
        """Everything that depends on the text alone: the safety screen, the intent, the scope
        notice and, unless the screen fired (or `answer` is false), the skill's answer."""
        prepared = PreparedTurn(
            text=text,
            locale=locale,
            assessment=self.safety.screen(text, locale),
            classification=self.classifier.classify(text, locale),
            scope_cards=self._scope_cards(text, locale),
        )
        return self.complete(prepared) if answer else prepared

    def _pending_skill(self, prepared: PreparedTurn) -> Skill | None:
        """The skill still to answer `prepared`: none once answered or when the screen fired."""
        if prepared.skill_reply is not None or prepared.assessment.triggered:
            return None
        return self.skills[prepared.classification.intent]

    def complete(self, prepared: PreparedTurn) -> PreparedTurn:
        """`prepared` with the skill's answer (none when the screen fired)."""
        skill = self._pending_skill(prepared)
        if skill is None:
            return prepared
        reply = skill.respond(
            TurnContext(text=prepared.text, locale=prepared.locale), prepared.classification
        )
        return prepared.model_copy(update={"skill_reply": reply})

    def runs_a_model(self, prepared: PreparedTurn) -> bool:
        """Whether completing `prepared` runs a model (the evidence embedder, tens of ms that
        release the GIL): a caller on an event loop then completes it in a worker thread."""
        skill = self._pending_skill(prepared)
        return skill is not None and bool(getattr(skill, "runs_a_model", False))

    def turn(self, turn: TurnContext, prepared: PreparedTurn | None = None) -> Reply:
        """Answer one turn; `prepared` (from `prepare` on the same text) spares redoing it."""
        if prepared is None or (prepared.text, prepared.locale) != (turn.text, turn.locale):
            prepared = self.prepare(turn.text, turn.locale, answer=not turn.consulting)
        assessment, classification = prepared.assessment, prepared.classification
        if assessment.triggered:
            return self.safety_reply(assessment, turn.locale, classification.intent)
        if classification.intent in _FOLLOW_UP_INTENTS:
            earlier = self._last_crisis(turn)
            if earlier is not None:
                return self.crisis_follow_up(
                    earlier, assessment, turn.locale, classification.intent
                )
        if turn.consulting:
            # The interview engine answers; no skill's work would be shown.
            reply = Reply(text="", intent="consult")
            classification = classification.model_copy(update={"intent": "consult"})
        elif prepared.skill_reply is not None:
            reply = prepared.skill_reply
        else:
            reply = self.skills[classification.intent].respond(turn, classification)
        # The orchestrator, not the skill, owns these fields and the scope notice.
        cards = reply.cards + prepared.scope_cards
        return reply.model_copy(
            update={"intent": classification.intent, "safety": assessment, "cards": cards}
        )

    def _scope_cards(self, text: str, locale: LocaleCode) -> tuple[Card, ...]:
        """A request for a diagnosis, prescription or dose gets the notice that Aegle does
        neither, whatever the skill answered."""
        notice = self.scope.check(text, locale) if self.scope else None
        if notice is None:
            return ()
        return (
            Card(
                kind="scope",
                title=self.texts.get("disclaimer_title", locale),
                body=notice.message,
                citations=notice.citations,
            ),
        )

    def _last_crisis(self, turn: TurnContext) -> SafetyAssessment | None:
        """The assessment of the person's previous message, when it was crisis language."""
        previous = next((text for role, text in reversed(turn.history) if role == "user"), None)
        if previous is None:
            return None
        earlier = self.safety.screen(previous, turn.locale)
        return earlier if earlier.category == "crisis" else None

    def crisis_follow_up(
        self,
        earlier: SafetyAssessment,
        current: SafetyAssessment,
        locale: LocaleCode,
        intent: Intent,
    ) -> Reply:
        """Right after a crisis reply, stay with the person instead of switching to a skill."""
        text = self.texts.get("crisis_follow_up", locale)
        card = Card(
            kind="safety",
            title=self.texts.get("crisis_follow_up_title", locale),
            level=earlier.level,
            citations=earlier.citations,
        )
        return Reply(
            text=text,
            cards=(card,),
            actions=self._calls(earlier, locale),
            intent=intent,
            safety=current,
        )

    def _calls(self, assessment: SafetyAssessment, locale: LocaleCode) -> tuple[Action, ...]:
        return tuple(
            Action(kind="call", label=self.texts.get("call_label", locale, number=n), value=n)
            for n in assessment.call_numbers
        )

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


class MemoizedSafetyScreen:
    """Remembers recent assessments. The screen is pure, so this changes no answer; it spares
    re-screening the previous message, which every turn consults for crisis follow-up."""

    def __init__(self, inner: SafetyScreen, size: int = 4096) -> None:
        self._screen = lru_cache(maxsize=size)(inner.screen)

    def screen(self, text: str, locale: LocaleCode) -> SafetyAssessment:
        return self._screen(text, locale)


@cache
def default_safety_screen() -> SafetyScreen:
    """The process's one safety screen over the shipped knowledge (compiling it takes
    seconds): the chat and the evidence answers screen with the same rules."""
    return MemoizedSafetyScreen(RuleSafetyScreen.load_default())


@cache
def build_default_assistant(evidence: EvidenceAnswers | None = None) -> Assistant:
    """The embedded default: rule-based safety, keyword intents, the built skills, and "coming
    soon" for the rest. (Consultations run in the conversation service, which holds the
    interview's state.) `evidence` is the process's evidence service (the composition root
    passes it); without one, a BM25-only service over the same corpus and documents folder.

    Built once per process: it is pure and stateless (its memo holds only pure results), and
    compiling the knowledge takes seconds."""
    if evidence is None:
        evidence = EvidenceService(extra_dirs=[default_evidence_dir() / "documents"])
    texts = default_texts()
    skills: dict[Intent, Skill] = dict(default_skills(texts))
    skills["report"] = ReportSkill(texts)
    skills["evidence"] = EvidenceSkill(evidence, texts=texts)
    skills["smalltalk"] = SmalltalkSkill(
        available=("consult", "report", "health_data", "evidence"), texts=texts
    )
    return Assistant(
        safety=default_safety_screen(),
        classifier=KeywordIntentClassifier.load_default(),
        skills=skills,
        texts=texts,
        scope=ScopeGuard.load_default(),
    )
