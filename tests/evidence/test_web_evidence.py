"""The evidence pages: search with filters, a passage in its context, and the chat's numbered
sources opening their passage in one click."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from aegle.server import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-42"
PASSAGE_LINK = re.compile(r'href="/evidence/passages/([^"]+)"')


@pytest.fixture
def web(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(tmp_path / "evidence"))
    with TestClient(create_app(platform=platform), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def signed_in(web: TestClient, platform: Platform) -> TestClient:
    with platform.unit_of_work() as services:
        services.accounts.register(username="dr.li", password=PASSWORD)
    token = CSRF_INPUT.search(web.get("/login").text)
    assert token
    response = web.post(
        "/login", data={"username": "dr.li", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 200
    return web


def test_search_page_needs_a_session(web: TestClient) -> None:
    response = web.get("/evidence", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_search_ranks_passages_with_sources_and_filters(signed_in: TestClient) -> None:
    page = signed_in.get("/evidence", params={"q": "flu vaccine", "lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page"' in html  # the navigation shows where we are
    links = PASSAGE_LINK.findall(html)
    assert links, html
    assert "influenza" in unescape(links[0]).lower() or "flu" in unescape(links[0]).lower()
    filtered = signed_in.get(
        "/evidence",
        params={"q": "flu vaccine", "kind": "medicine", "passage_lang": "zh-CN", "lang": "en"},
    ).text
    assert 'value="medicine" checked' in filtered
    for link in PASSAGE_LINK.findall(filtered):
        assert "-zh%23" in link  # only Chinese pages' passages
    # Junk filters are ignored, an enormous query is cut, not an error.
    junk = signed_in.get(
        "/evidence", params={"q": "盐" * 5000, "kind": "gossip", "since": "year 1"}
    )
    assert junk.status_code == 200
    assert " checked" not in junk.text
    assert " selected" not in junk.text


def test_chinese_page_and_empty_results(signed_in: TestClient) -> None:
    empty = signed_in.get("/evidence", params={"q": "carburettor gasket", "lang": "zh-CN"})
    assert "没有匹配的段落" in empty.text
    assert '<html lang="zh-CN">' in empty.text
    assert "资料类型" in empty.text


def test_passage_page_shows_its_section_source_and_neighbours(signed_in: TestClient) -> None:
    page = signed_in.get(
        "/evidence/passages/" + quote("cpr-en#chest-compressions/1", safe="/"),
        params={"lang": "en"},
    )
    assert page.status_code == 200
    html = page.text
    assert "Chest compressions" in html
    assert "American Heart Association" in html
    assert 'aria-current="true"' in html  # the cited passage is marked
    assert 'rel="next"' in html
    missing = signed_in.get("/evidence/passages/" + quote("nope-en#x/1", safe="/"))
    assert missing.status_code == 404


def test_chat_evidence_sources_open_their_passage(signed_in: TestClient) -> None:
    chat = signed_in.get("/chat")
    token = CSRF_INPUT.search(chat.text)
    assert token
    response = signed_in.post(
        "/chat/new",
        data={"text": "Is it true that salt raises blood pressure?", "csrf_token": token.group(1)},
        params={"lang": "en"},
    )
    assert response.status_code == 200
    links = PASSAGE_LINK.findall(response.text)
    assert links, response.text
    opened = signed_in.get("/evidence/passages/" + links[0])
    assert opened.status_code == 200
    assert 'class="evidence-context-passage cited"' in opened.text
