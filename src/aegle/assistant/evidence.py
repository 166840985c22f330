"""Evidence questions in the chat: the evidence engine's quoted answer with its sources, or its
clear abstention. Every sentence is a quotation from a cited passage."""

from __future__ import annotations

from aegle.assistant.model import Card, Classification, Reply, TurnContext
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.types import Citation
from aegle.evidence.answer import Answer, Answerer
from aegle.evidence.service import build_answerer, default_evidence_dir


class EvidenceSkill:
    def __init__(self, answerer: Answerer | None = None, texts: AssistantTexts | None = None):
        # Lexical retrieval, as in the API and web search: a first dense query would embed the
        # whole corpus inside a chat turn. User documents (`aegle corpus add`) are included.
        self.answerer = answerer or build_answerer(
            extra_dirs=[default_evidence_dir() / "documents"], dense=False
        )
        self.texts = texts or default_texts()

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        answer = self.answerer.answer(turn.text, turn.locale)
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
