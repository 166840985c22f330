"""A chat turn whose skill runs a model is answered off the event loop; others stay on it."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from aegle.assistant.model import PreparedTurn, Reply, TurnContext
from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.types import LocaleCode
from aegle.server import create_app
from aegle.settings import Settings
from tests.api.conftest import patient_conversation
from tests.fakes import FakeResponder


class ThreadRecordingResponder(FakeResponder):
    """Says a turn runs a model when its text asks for it; records where each step ran."""

    def __init__(self) -> None:
        self.prepared_on: list[int] = []
        self.completed_on: list[int] = []

    def prepare(self, text: str, locale: LocaleCode, *, answer: bool = True) -> PreparedTurn:
        self.prepared_on.append(threading.get_ident())
        return super().prepare(text, locale, answer=answer)

    def runs_a_model(self, prepared: PreparedTurn) -> bool:
        return "model" in prepared.text

    def complete(self, prepared: PreparedTurn) -> PreparedTurn:
        self.completed_on.append(threading.get_ident())
        reply = Reply(text=f"answered: {prepared.text}", intent="smalltalk")
        return prepared.model_copy(update={"skill_reply": reply})

    def turn(self, turn: TurnContext, prepared: PreparedTurn | None = None) -> Reply:
        assert prepared is not None
        assert prepared.skill_reply is not None
        return prepared.skill_reply


@pytest.mark.parametrize(("text", "off_loop"), [("run the model", True), ("hello", False)])
def test_a_model_turn_is_completed_in_a_worker_thread(
    settings: Settings, clock: FrozenClock, text: str, off_loop: bool
) -> None:
    responder = ThreadRecordingResponder()
    platform = Platform(settings, clock=clock, responder=responder)
    platform.upgrade_database()
    with TestClient(create_app(platform=platform)) as client:
        headers, cid = patient_conversation(client, platform, "asker")
        response = client.post(
            f"/api/v1/conversations/{cid}/messages", json={"text": text}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["reply"]["text"] == f"answered: {text}"
    platform.close()
    assert len(responder.prepared_on) == len(responder.completed_on) == 1
    assert (responder.completed_on[0] != responder.prepared_on[0]) is off_loop
