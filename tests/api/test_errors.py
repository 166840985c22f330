"""Every error is RFC 9457 problem+json in the caller's language; bad input never half-stores,
never leaks a stack trace, never reaches another person's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aegle.assistant.model import Reply, TurnContext
from aegle.bootstrap import Platform
from aegle.core.text import clean_user_text
from aegle.server import create_app
from aegle.settings import Settings
from tests.api.conftest import Login, patient_conversation
from tests.fakes import FakeResponder

PROBLEM_KEYS = {"type", "title", "status", "code", "instance"}


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


@pytest.fixture
def conversation(client: TestClient, login: Login) -> tuple[dict[str, str], str]:
    headers = login("owner")
    return headers, client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]


def test_validation_unknown_fields_and_wrong_types(client: TestClient) -> None:
    body = assert_problem(
        client.post("/api/v1/auth/register", json={"username": "x", "password": 5}), 422
    )
    assert body["errors"]
    assert_problem(
        client.post(
            "/api/v1/auth/register",
            json={"username": "okname", "password": "password1", "is_admin": True},
        ),
        422,
    )


def test_malformed_json_and_invalid_utf8(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    assert_problem(
        client.post("/api/v1/auth/login", content=b'{"username": ', headers=headers), 400
    )
    assert_problem(
        client.post("/api/v1/auth/login", content=b'{"username": "\xff\xfe"}', headers=headers), 400
    )


def test_401_403_404_405(client: TestClient, login: Login) -> None:
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401)
    patient = login("someone")
    assert_problem(
        client.post(
            "/api/v1/admin/users",
            json={"username": "z1", "password": "password1"},
            headers=patient,
        ),
        403,
    )
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(
        client.get("/api/v1/conversations/00000000-0000-4000-8000-000000000000", headers=patient),
        404,
    )
    assert_problem(client.put("/api/v1/health"), 405)


def test_413_for_oversized_bodies(client: TestClient, settings: Settings) -> None:
    big = b'{"username": "' + b"a" * settings.api.max_body_bytes + b'"}'
    assert_problem(
        client.post(
            "/api/v1/auth/login", content=big, headers={"content-type": "application/json"}
        ),
        413,
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(settings.api.max_body_bytes // 10_000 + 2):
            yield b" " * 10_000

    assert_problem(
        client.post(
            "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
        ),
        413,
    )


def test_titles_follow_the_callers_language(client: TestClient) -> None:
    zh = assert_problem(client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"}), 401)
    en = assert_problem(client.get("/api/v1/me", headers={"Accept-Language": "en-US"}), 401)
    assert en["title"] == "Please sign in"
    assert zh["title"] != en["title"]


def test_overlong_message_is_refused_and_not_stored(
    client: TestClient, conversation: tuple[dict[str, str], str], settings: Settings
) -> None:
    headers, cid = conversation
    text = "痛" * (settings.api.max_message_chars + 1)
    assert_problem(
        client.post(f"/api/v1/conversations/{cid}/messages", json={"text": text}, headers=headers),
        422,
    )
    assert client.get(f"/api/v1/conversations/{cid}", headers=headers).json()["messages"] == []


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE users; --",
        "<script>alert(1)</script>",
        "{{7*7}} ${7*7}",
        "../../etc/passwd",
        "\u202e\u0000-nul",
    ],
)
def test_injection_strings_are_just_text(
    client: TestClient, conversation: tuple[dict[str, str], str], text: str
) -> None:
    headers, cid = conversation
    response = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": text}, headers=headers
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        stored = client.get(f"/api/v1/conversations/{cid}", headers=headers).json()
        assert stored["messages"][-2]["text"] == clean_user_text(text)
    assert client.get("/api/v1/health").status_code == 200


class ExplodingResponder(FakeResponder):
    def answer(self, turn: TurnContext) -> Reply:
        raise RuntimeError("boom: secret internals")


def test_500_is_a_problem_and_nothing_is_half_stored(settings: Settings, clock) -> None:  # type: ignore[no-untyped-def]
    platform = Platform(settings, clock=clock, responder=ExplodingResponder())
    platform.upgrade_database()
    with TestClient(create_app(platform=platform), raise_server_exceptions=False) as client:
        headers, cid = patient_conversation(client, platform, "victim")
        response = client.post(
            f"/api/v1/conversations/{cid}/messages", json={"text": "hello"}, headers=headers
        )
        body = assert_problem(response, 500)
        assert "boom" not in response.text
        assert body["code"] == "internal_error"
        messages = client.get(f"/api/v1/conversations/{cid}", headers=headers).json()["messages"]
        assert messages == []
    platform.close()


def test_rate_limited_login_is_429(client: TestClient, settings: Settings, login: Login) -> None:
    login("target")
    for _ in range(settings.auth.login_max_failures):
        assert_problem(
            client.post("/api/v1/auth/login", json={"username": "target", "password": "wrong!!"}),
            401,
        )
    assert_problem(
        client.post("/api/v1/auth/login", json={"username": "target", "password": "password123"}),
        429,
    )
