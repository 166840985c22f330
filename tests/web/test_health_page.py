"""The health-data page: overview with charts, the alerts inbox (mark read with the session's
token), chart images only for the signed-in person, and chart cards in the chat."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, unquote

from fastapi.testclient import TestClient
from markupsafe import escape

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.importers.cgm_csv import CGM_LOINC
from aegle.importers.cgm_csv import MANIFEST as CGM
from aegle.importers.model import ObservationRecord, ParsedFile
from aegle.services.actor import Actor
from tests.web.conftest import sign_in


def _import_low(platform: Platform, username: str) -> None:
    now = platform.clock.now()
    values = [120.0] * 12 + [50.0] * 6 + [120.0] * 12
    parsed = ParsedFile(
        observations=[
            ObservationRecord(
                code=CGM_LOINC,
                value=v,
                unit="mg/dL",
                ucum="mg/dL",
                effective=now - timedelta(hours=3) + timedelta(minutes=5 * i),
                effective_text="",
                device="sensor",
            )
            for i, v in enumerate(values)
        ]
    )
    with platform.unit_of_work() as s:
        user = s.accounts.require_username(username)
        actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
        scope = s.gate.open(actor, user.id, "write", resource_type="consent")
        s.consents.grant(scope, source=CGM.id, purpose="import")
    with platform.unit_of_work() as s:
        s.health_data.import_parsed(actor, user.id, CGM, parsed)


def test_health_page_shows_alerts_and_charts(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "hana")
    empty = web.get("/health?lang=en")
    assert empty.status_code == 200
    assert "No alerts" in empty.text
    assert "aegle import apple-health" in empty.text

    _import_low(web_platform, "hana")
    page = web.get("/health?days=7&lang=zh-CN")
    assert "严重低血糖（2级）" in page.text
    assert 'src="/health/charts/agp.svg?days=7"' in page.text
    assert "标为已读" in page.text

    chart = web.get("/health/charts/agp.svg?days=7")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert web.get("/health/charts/pie.svg").status_code in (404, 422)

    refused = web.post("/health/alerts/read", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    done = web.post("/health/alerts/read", data={"csrf_token": person.csrf})
    assert done.status_code == 200
    assert "标为已读" not in web.get("/health?lang=zh-CN").text


def test_charts_need_a_session(web: TestClient) -> None:
    response = web.get("/health/charts/agp.svg", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["location"]


def test_chart_cards_become_images_of_known_charts_only() -> None:
    from aegle.assistant.model import Card
    from aegle.web.views import CardView

    assert CardView.of(Card(kind="chart", title="AGP", items=("agp", "7"))).chart_src == (
        "/health/charts/agp.svg?days=7"
    )
    assert CardView.of(Card(kind="chart", title="x", items=("../etc",))).chart_src is None
    assert CardView.of(Card(kind="info", title="x", items=("agp",))).chart_src is None


def test_alert_sources_link_to_the_rules_knowledge_entry(
    web: TestClient, web_platform: Platform
) -> None:
    sign_in(web, web_platform, "ines")
    _import_low(web_platform, "ines")
    page = web.get("/health?lang=en").text
    alert = page[page.index('<ol class="alert-list">') :]
    sources = alert[alert.index('<details class="citations">') : alert.index("</details>")]
    items = re.findall(r"<li>(.*?)</li>", sources, re.S)
    linked = [re.findall(r'href="/evidence/passages/([^"]+)"', item) for item in items]
    assert items
    assert all(len(ids) == 1 for ids in linked), items
    cids = {unquote(ids[0]) for ids in linked}
    assert len(cids) == 1
    cid = cids.pop()
    assert cid.startswith("vitals:alert.")
    entry = web.get(f"/evidence/passages/{quote(cid)}?lang=en")
    assert entry.status_code == 200
    title = web_platform.citations.resolve(cid, "en").title
    assert f'<h1 id="passage-title">{escape(title)}</h1>' in entry.text
    # The entry is the alert's own rule: the page shows the alert's title as the entry's.
    assert f"<h3>{escape(title)} " in alert
