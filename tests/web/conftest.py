"""Web UI fixtures: the real app in-process, with a scripted responder so page tests pin the
rendering of cards and actions without depending on the assistant's wording."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aegle.assistant.model import Action, Card, Reply, TurnContext
from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.types import TriageLevel
from aegle.server import create_app
from aegle.settings import Settings
from tests.fakes import FakeResponder

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-42"


class ScriptedResponder(FakeResponder):
    """Echoes the text; "emergency" in a message yields a safety card with a call action."""

    def answer(self, turn: TurnContext) -> Reply:
        if "emergency" not in turn.text:
            return Reply(text=f"echo: {turn.text}", intent="smalltalk")
        return Reply(
            text="Please get help now.",
            intent="consult",
            cards=(
                Card(
                    kind="safety",
                    title="Possible emergency",
                    body="These signs need care now.",
                    level=TriageLevel.EMERGENCY_AMBULANCE,
                    items=("chest pain with sweating",),
                ),
            ),
            actions=(
                Action(kind="call", label="Call an ambulance", value="120"),
                Action(kind="link", label="Bad link", value="javascript:alert(1)"),
                Action(kind="message", label="What should I do now?", value="what now"),
            ),
        )


@pytest.fixture
def web_platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock=clock, responder=ScriptedResponder())
    platform.upgrade_database()
    yield platform
    platform.close()


@pytest.fixture
def web(web_platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=web_platform), raise_server_exceptions=False) as client:
        yield client


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Person:
    """A signed-in browser: its own client (cookie jar) and the session's CSRF token."""

    client: TestClient
    csrf: str

    def new_conversation(self, text: str = "") -> str:
        response = self.client.post("/chat/new", data={"text": text, "csrf_token": self.csrf})
        assert response.status_code == 200, response.text
        return str(response.url).rsplit("/", 1)[1]

    def send(self, conversation_id: str, text: str, **headers: str) -> Any:
        return self.client.post(
            f"/chat/{conversation_id}/messages",
            data={"text": text},
            headers={"HX-Request": "true", "X-CSRF-Token": self.csrf, **headers},
        )


def sign_in(client: TestClient, platform: Platform, username: str) -> Person:
    with platform.unit_of_work() as services:
        if services.accounts.find(username) is None:
            services.accounts.register(username=username, password=PASSWORD)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200, response.text
    assert str(response.url).endswith("/chat")
    return Person(client=client, csrf=csrf_of(response.text))
