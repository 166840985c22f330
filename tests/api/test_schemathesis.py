"""Property-based run over the whole OpenAPI schema: no generated input produces a 5xx, and
every error is problem+json. Runs authenticated so the protected endpoints are exercised too.

Drives schemathesis's strategies with hypothesis directly (its pytest plugin's fixture loader
does not work with pytest 9)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.server import create_app

EXAMPLES_PER_OPERATION = 25
# Operations that would end the fuzzing account's session or existence are sent anonymously.
ANONYMOUS = {("DELETE", "/api/v1/me"), ("POST", "/api/v1/auth/logout")}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_server_errors(platform: Platform) -> None:
    app = create_app(platform=platform)
    with TestClient(app) as client:
        with platform.unit_of_work() as s:
            s.accounts.register(username="fuzzer", password="password123", role=Role.ADMIN)
        token = client.post(
            "/api/v1/auth/login", json={"username": "fuzzer", "password": "password123"}
        ).json()["access_token"]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        anonymous = (operation.method.upper(), operation.path) in ANONYMOUS
        headers = {} if anonymous else {"Authorization": f"Bearer {token}"}
        _fuzz(operation, headers, failures, calls)
    assert failures == []
    # The run really exercised the API, with successes as well as rejections.
    assert len(calls) >= 10 * len(operations)
    assert any(code < 300 for code in calls)
    assert any(400 <= code < 500 for code in calls)


def _fuzz(operation: Any, headers: dict[str, str], failures: list[str], calls: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        calls.append(response.status_code)
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
        elif response.status_code >= 400 and not content_type.startswith(
            "application/problem+json"
        ):
            failures.append(f"{case.method} {case.formatted_path}: {content_type}")

    run()
