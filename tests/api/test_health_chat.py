"""Health data in the chat: the person's own CGM data, judged against the consensus targets."""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.types import Role
from aegle.importers.cgm_csv.manifest import MANIFEST
from aegle.importers.cgm_csv.parser import parse_cgm_csv
from aegle.services.actor import Actor
from tests.api.conftest import Login


def _fourteen_days_csv(clock: FrozenClock) -> bytes:
    """A calm synthetic trace: every 5 minutes, 100-160 mg/dL with one dip below 70 a day."""
    start = clock.now() - timedelta(days=14)
    rows = ["id,time,glucose"]
    for n in range(14 * 288):
        moment = start + timedelta(minutes=5 * n)
        minute_of_day = n % 288
        value = 130 + 30 * math.sin(2 * math.pi * minute_of_day / 288)
        if 100 <= minute_of_day < 106:
            value = 65.0
        rows.append(f"p1,{moment.strftime('%Y-%m-%d %H:%M:%S')},{value:.0f}")
    return ("\n".join(rows) + "\n").encode()


def import_fourteen_days(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    headers: dict[str, str],
    username: str,
) -> None:
    """Consent to CGM imports through the API, then store fourteen days of readings."""
    consent = client.post(
        "/api/v1/consents", json={"source": MANIFEST.id, "purpose": "import"}, headers=headers
    )
    assert consent.status_code == 201
    _, parsed = parse_cgm_csv(_fourteen_days_csv(clock), "UTC")
    with platform.unit_of_work() as services:
        user = services.accounts.require_username(username)
        actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
        services.health_data.import_parsed(actor, user.id, MANIFEST, parsed)


def test_glucose_question_answers_from_the_persons_data(
    client: TestClient, login: Login, platform: Platform, clock: FrozenClock
) -> None:
    headers = login("sugar")
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]

    def ask() -> dict:  # type: ignore[type-arg]
        response = client.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"text": "我最近血糖控制得怎么样", "lang": "zh"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        reply: dict = response.json()["reply"]  # type: ignore[type-arg]
        return reply

    empty = ask()
    assert empty["intent"] == "health_data"
    assert "还没有你的连续血糖" in empty["text"]

    import_fourteen_days(client, platform, clock, headers, "sugar")

    answer = ask()
    assert answer["intent"] == "health_data"
    assert "mmol/L" in answer["text"]
    assert "GMI" in answer["text"]
    chart = answer["cards"][0]
    assert (chart["kind"], chart["items"]) == ("chart", ["agp", "14"])
    targets = answer["cards"][1]
    assert targets["citations"]
    assert any(item.startswith("✓") for item in targets["items"])
    assert answer["cards"][-1]["kind"] == "disclaimer"
