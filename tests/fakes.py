"""In-memory fakes shared by several test packages."""

from __future__ import annotations

from aegle.assistant.model import Classification, PreparedTurn, Reply, TurnContext
from aegle.core.ports import SafetyAssessment
from aegle.core.types import LocaleCode


class FakeResponder:
    """Base for fake responders: nothing is prepared ahead, `answer` does the whole turn."""

    def prepare(self, text: str, locale: LocaleCode, *, answer: bool = True) -> PreparedTurn:
        return PreparedTurn(
            text=text,
            locale=locale,
            assessment=SafetyAssessment(),
            classification=Classification(intent="smalltalk"),
        )

    def complete(self, prepared: PreparedTurn) -> PreparedTurn:
        return prepared

    def runs_a_model(self, prepared: PreparedTurn) -> bool:
        return False

    def turn(self, turn: TurnContext, prepared: PreparedTurn | None = None) -> Reply:
        return self.answer(turn)

    def answer(self, turn: TurnContext) -> Reply:
        raise NotImplementedError
