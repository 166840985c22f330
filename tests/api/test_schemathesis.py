"""Property-based run over the whole OpenAPI schema: no input produces a 5xx, and every error
is problem+json. Runs authenticated so the protected endpoints are exercised too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.server import create_app


@pytest.fixture
def fuzz_target(platform: Platform) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    app = create_app(platform=platform)
    with TestClient(app) as client:
        with platform.unit_of_work() as s:
            s.accounts.register(username="fuzzer", password="password123", role=Role.ADMIN)
        token = client.post(
            "/api/v1/auth/login", json={"username": "fuzzer", "password": "password123"}
        ).json()["access_token"]
        yield app, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_schema(fuzz_target: tuple[FastAPI, dict[str, str]]) -> schemathesis.BaseSchema:
    app, _ = fuzz_target
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(
    case: schemathesis.Case, fuzz_target: tuple[FastAPI, dict[str, str]]
) -> None:
    _, headers = fuzz_target
    if case.path in {"/api/v1/me", "/api/v1/auth/logout"} and case.method.upper() in {
        "DELETE",
        "POST",
    }:
        headers = {}  # keep the fuzzing account alive for the other operations
    response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
