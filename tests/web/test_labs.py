"""Lab reports in the web UI: upload from the chat (HTMX partial with highlighted rows), the
report page, the history with trends, and refusals shown in the person's language."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from fastapi.testclient import TestClient
from markupsafe import escape

from aegle.bootstrap import Platform
from tests.web.conftest import Person, sign_in

REPORT = """性别: 女  年龄: 40岁   采样时间: 2026-01-05
血红蛋白 98 ↓ g/L 115-150
白细胞计数 6.2 10^9/L 3.5-9.5
钾 2.4 mmol/L 3.5-5.3
"""


def _upload(
    person: Person, content: bytes, *, htmx: bool = True, lang: str = "", accept: str = ""
) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    if accept:
        headers["Accept-Language"] = accept
    return person.client.post(
        "/labs/reports" + (f"?lang={lang}" if lang else ""),
        files={"file": ("report.txt", content, "text/plain")},
        data={"csrf_token": person.csrf},
        headers=headers,
    )


def test_chat_has_an_upload_control(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "mei")
    page = person.client.get("/chat?lang=zh-CN").text
    assert 'id="lab-upload"' in page
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<label for="lab-file"[^>]*>化验单</label>', page)
    assert 'href="/labs"' in page  # navigation


def test_upload_from_chat_shows_highlighted_table_then_explanation(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "lan")
    response = _upload(person, REPORT.encode(), accept="zh-CN")
    assert response.status_code == 200, response.text
    html: str = response.text
    rows = re.findall(r'<tr class="lab-row([^"]*)">\s*<th scope="row">([^<]+)</th>', html)
    assert rows == [
        (" lab-row-abnormal", "血红蛋白"),
        ("", "白细胞计数"),
        (" lab-row-critical", "钾"),
    ]
    assert "危急偏低" in html
    assert "偏低" in html
    # The explanation comes after the table, critical advice before it.
    assert html.index("lab-critical") < html.index("<table") < html.index("lab-explanation")
    assert "化验单本身不能做出诊断" in html
    assert 'hx-swap-oob="true"' in html  # clears earlier alerts
    # Stored: the history lists it; uploading again says so instead of saving twice.
    again = _upload(person, REPORT.encode(), accept="zh-CN")
    assert "不会重复保存" in again.text or "没有重复保存" in again.text
    history = person.client.get("/labs?lang=zh-CN").text
    assert history.count('class="lab-report-list"') == 1
    assert len(re.findall(r'href="/labs/reports/[0-9a-f-]{36}"', history)) == 1


def test_without_htmx_the_upload_opens_the_report_page(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "plain")
    response = _upload(person, REPORT.replace("2026-01-05", "2026-01-06").encode(), htmx=False)
    assert response.status_code == 200
    assert re.search(r"/labs/reports/[0-9a-f-]{36}$", str(response.url))
    page = response.text
    assert "<table" in page
    assert "2026-01-06" in page


def test_history_shows_each_tests_trend(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "trend")
    _upload(person, REPORT.encode())
    later = REPORT.replace("2026-01-05", "2026-02-05").replace("血红蛋白 98 ↓", "血红蛋白 121")
    _upload(person, later.encode())
    page = person.client.get("/labs?lang=en").text
    row = page[page.index('id="trend-') :]
    hb = re.search(
        r'<tr class="lab-row[^"]*" id="trend-(\w+)">\s*<th scope="row">Haemoglobin', page
    )
    assert hb, page
    section = page[hb.start() : page.index("</tr>", hb.start())]
    assert "Rising" in section
    assert "moved across a reference limit" in section
    assert "<polyline" in section
    assert section.count("<li>") == 2
    assert row


def test_refusals_are_shown_in_the_persons_language(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "bad")
    response = _upload(person, b"PK\x03\x04" + b"\x00" * 50, accept="zh-CN")
    assert response.status_code == 415
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "不支持该文件类型" in response.text
    # The person's chosen language (the cookie from signing in is zh-CN) wins over the
    # browser's; switching to English answers in English.
    english = _upload(person, "Гемоглобин повышен".encode(), lang="en")
    assert english.status_code == 422
    assert "Only Chinese and English" in english.text
    huge = _upload(person, b"a" * (30 * 1024 * 1024), accept="zh-CN")
    assert huge.status_code == 413
    assert 'role="alert"' in huge.text
    assert "/labs/reports/" not in person.client.get("/labs").text


def test_upload_needs_the_session_and_its_csrf_token(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "csrf")
    forged = person.client.post(
        "/labs/reports",
        files={"file": ("r.txt", REPORT.encode(), "text/plain")},
        data={"csrf_token": "wrong"},
    )
    assert forged.status_code == 403
    assert person.client.get("/labs/reports/not-a-report").status_code == 404
    person.client.cookies.clear()
    anonymous = person.client.post(
        "/labs/reports",
        files={"file": ("r.txt", REPORT.encode(), "text/plain")},
        follow_redirects=False,
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
    assert person.client.get("/labs", follow_redirects=False).status_code == 303


def test_a_report_uploaded_in_a_conversation_stays_in_its_thread(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "thread")
    conversation_id = person.new_conversation("你好")
    chat = person.client.get(f"/chat/{conversation_id}?lang=zh-CN").text
    assert f'name="conversation_id" value="{conversation_id}"' in chat
    uploaded = person.client.post(
        "/labs/reports",
        files={"file": ("cbc.txt", REPORT.encode(), "text/plain")},
        data={"csrf_token": person.csrf, "conversation_id": conversation_id},
        headers={"HX-Request": "true", "Accept-Language": "zh-CN"},
    )
    assert uploaded.status_code == 200, uploaded.text
    reloaded = person.client.get(f"/chat/{conversation_id}?lang=zh-CN").text
    assert "📎 cbc.txt" in reloaded
    assert "钾" in reloaded  # the explanation, not only the file name
    # Someone else's conversation: nothing is stored, the report included.
    with TestClient(web.app, raise_server_exceptions=False) as browser:
        other = sign_in(browser, web_platform, "intruder")
        refused = other.client.post(
            "/labs/reports",
            files={"file": ("cbc.txt", REPORT.encode(), "text/plain")},
            data={"csrf_token": other.csrf, "conversation_id": conversation_id},
            headers={"HX-Request": "true"},
        )
        assert refused.status_code == 404
        assert "cbc.txt" not in other.client.get("/labs").text


def _entry_links(html: str) -> list[str]:
    return [unquote(i) for i in re.findall(r'href="/evidence/passages/([^"]+)"', html)]


def test_report_sources_link_to_their_knowledge_entries(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "cite")
    page = _upload(person, REPORT.replace("2026-01-05", "2026-01-07").encode(), htmx=False)
    assert page.status_code == 200
    html = page.text
    sources = html[html.index('<details class="citations">') :]
    listed = re.findall(r"<li>(.*?)</li>", sources[: sources.index("</details>")], re.S)
    assert listed
    # Every listed source is a link to an entry the interpretation cites.
    linked = [_entry_links(item) for item in listed]
    assert all(len(ids) == 1 for ids in linked), listed
    assert all(ids[0].startswith("labs.") for ids in linked)
    # A result's marks open that result's own entries (haemoglobin's, not another test's).
    meaning = re.search(r"<li><strong>血红蛋白</strong>:(.*?)</li>", html, re.S)
    assert meaning is not None
    marks = _entry_links(meaning.group(1))
    assert marks
    assert all(m.startswith("labs.hgb.") for m in marks), marks
    assert 'title="参考来源 ' in meaning.group(1)  # the mark's label, in the page's language
    for cid in sorted({*marks, *(ids[0] for ids in linked)}):
        entry = person.client.get(f"/evidence/passages/{quote(cid)}?lang=zh-CN")
        assert entry.status_code == 200, cid
        title = web_platform.citations.resolve(cid, "zh-CN").title
        assert f'<h1 id="passage-title">{escape(title)}</h1>' in entry.text
