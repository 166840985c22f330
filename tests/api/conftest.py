from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.server import create_app


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(platform=platform)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


Login = Callable[..., dict[str, str]]


@pytest.fixture
def login(client: TestClient, platform: Platform) -> Login:
    """Create a user (any role) and return bearer headers for it."""

    def make(
        username: str, role: Role = Role.PATIENT, password: str = "password123"
    ) -> dict[str, str]:
        with platform.unit_of_work() as s:
            if s.accounts.find(username) is None:
                s.accounts.register(username=username, password=password, role=role)
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return make


def patient_conversation(
    client: TestClient, platform: Platform, username: str
) -> tuple[dict[str, str], str]:
    """Register a patient on `platform`, log in through `client` and open a conversation:
    the bearer headers and the conversation id (for apps built around a custom responder)."""
    with platform.unit_of_work() as s:
        s.accounts.register(username=username, password="password1", role=Role.PATIENT)
    token = client.post(
        "/api/v1/auth/login", json={"username": username, "password": "password1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return headers, client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
