"""Health data over the API: the alerts inbox (read, mark read, private) and charts."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.types import Role
from aegle.importers.cgm_csv.manifest import MANIFEST
from aegle.importers.cgm_csv.parser import parse_cgm_csv
from aegle.services.actor import Actor
from tests.api.conftest import Login


def _import_with_a_low(
    client: TestClient, platform: Platform, clock: FrozenClock, name: str, headers: dict[str, str]
) -> None:
    consent = client.post(
        "/api/v1/consents", json={"source": MANIFEST.id, "purpose": "import"}, headers=headers
    )
    assert consent.status_code == 201
    start = clock.now() - timedelta(days=2)
    rows = ["id,time,glucose"]
    for n in range(2 * 288):
        value = 48 if 100 <= n < 106 else 130
        rows.append(
            f"p1,{(start + timedelta(minutes=5 * n)).strftime('%Y-%m-%d %H:%M:%S')},{value}"
        )
    _, parsed = parse_cgm_csv(("\n".join(rows) + "\n").encode(), "UTC")
    with platform.unit_of_work() as services:
        user = services.accounts.require_username(name)
        actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
        result = services.health_data.import_parsed(actor, user.id, MANIFEST, parsed)
    assert result.alerts == ["glucose_level2_hypo"]


def test_alerts_inbox_over_the_api(
    client: TestClient, login: Login, platform: Platform, clock: FrozenClock
) -> None:
    headers = login("ina")
    intruder = login("ole")
    empty = client.get("/api/v1/me/alerts", headers=headers)
    assert empty.json() == {"unread": 0, "alerts": []}
    _import_with_a_low(client, platform, clock, "ina", headers)

    zh = client.get("/api/v1/me/alerts", headers={**headers, "Accept-Language": "zh-CN"}).json()
    assert zh["unread"] == 1
    [alert] = zh["alerts"]
    assert alert["title"] == "严重低血糖（2级）"
    assert "48 mg/dL" in alert["explanation"]
    assert alert["sources"][0]["publisher"] == "The Lancet Diabetes & Endocrinology"
    en = client.get("/api/v1/me/alerts", headers={**headers, "Accept-Language": "en"}).json()
    assert en["alerts"][0]["title"] == "Serious low glucose (level 2)"

    # Someone else's alert is not there for another person.
    other = client.post(f"/api/v1/me/alerts/{alert['id']}/read", headers=intruder)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert client.post(f"/api/v1/me/alerts/{alert['id']}/read", headers=headers).status_code == 204
    after = client.get("/api/v1/me/alerts?unread_only=true", headers=headers).json()
    assert after == {"unread": 0, "alerts": []}
    assert client.post("/api/v1/me/alerts/read", headers=headers).json() == {"marked": 0}
    assert client.get("/api/v1/me/alerts").status_code == 401


def test_charts_over_the_api(
    client: TestClient, login: Login, platform: Platform, clock: FrozenClock
) -> None:
    headers = login("cha")
    _import_with_a_low(client, platform, clock, "cha", headers)
    svg = client.get("/api/v1/me/health/charts/agp?days=3", headers=headers)
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"Ambulatory Glucose Profile" in svg.content or "动态血糖图谱".encode() in svg.content
    png = client.get("/api/v1/me/health/charts/bp?format=png", headers=headers)
    assert png.content.startswith(b"\x89PNG")
    assert 'filename="bp.png"' in png.headers["content-disposition"]
    assert client.get("/api/v1/me/health/charts/pie", headers=headers).status_code == 422
    assert client.get("/api/v1/me/health/charts/agp?days=0", headers=headers).status_code == 422
