"""Evidence questions in the chat: the evidence engine's quoted answer with its sources, or its
clear abstention. Every sentence is a quotation from a cited passage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aegle.assistant.model import Card, Classification, Reply, TurnContext
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.ports import SafetyAssessment, SafetyScreen
from aegle.core.types import Citation, LocaleCode
from aegle.evidence.answer import Answer


class EvidenceAnswers(Protocol):
    """What the skill needs: the evidence service (or a bare answerer in tests)."""

    def answer(self, question: str, lang: LocaleCode) -> Answer: ...


def screened_answer(
    screen: SafetyScreen,
    question: str,
    lang: LocaleCode,
    answer: Callable[[str, LocaleCode], Answer],
) -> tuple[SafetyAssessment, Answer]:
    """Safety first: a question that describes an emergency or crisis gets the screen's advice
    (what to do now, whom to call) before anything else. The quotations follow it when the
    corpus has some (how to use an adrenaline pen, the signs of a stroke); an abstention does
    not (the advice is the whole answer). The sentences stay the quotations alone."""
    assessment = screen.screen(question, lang)
    result = answer(question, lang)
    if not assessment.triggered:
        return assessment, result
    if result.abstained:
        return assessment, result.model_copy(update={"answer": assessment.message})
    return assessment, result.model_copy(
        update={"answer": f"{assessment.message}\n\n{result.answer}"}
    )


class EvidenceSkill:
    # Hybrid retrieval embeds the question (onnxruntime): see Assistant.runs_a_model.
    runs_a_model = True

    def __init__(self, evidence: EvidenceAnswers, texts: AssistantTexts | None = None):
        # The process's one evidence service (built in aegle.bootstrap): the same corpus, user
        # documents and hybrid ranking as the API, the web search and the CLI.
        self.evidence = evidence
        self.texts = texts or default_texts()

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        answer = self.evidence.answer(turn.text, turn.locale)
        return self.reply(answer, turn)

    def reply(self, answer: Answer, turn: TurnContext) -> Reply:
        if answer.abstained:
            return Reply(text=answer.answer, intent="evidence")
        numbers = {source.id: index for index, source in enumerate(answer.citations, start=1)}
        citations = tuple(
            Citation(
                id=source.id,
                source=source.source,
                title=source.title,
                section=source.section,
                url=source.url,
            )
            for source in answer.citations
        )
        sources = Card(
            kind="info",
            title=self.texts.get("evidence_sources_title", turn.locale),
            items=tuple(
                f"[{numbers[source.id]}] {source.title} — {source.source}"
                + (f", {source.section}" if source.section else "")
                for source in answer.citations
            ),
            citations=citations,
        )
        return Reply(
            text=answer.answer,
            cards=(sources, disclaimer_card(self.texts, turn.locale)),
            intent="evidence",
        )
