"""The web UI in-process: sessions, CSRF, chat over HTMX, language, isolation, error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aegle.assistant.model import Action, ActionKind
from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.server import create_app
from aegle.settings import load_settings
from aegle.store.tables import Message, WebSession
from aegle.web.views import ActionView
from tests.web.conftest import PASSWORD, ScriptedResponder, csrf_of, sign_in


def cookies_set(response: object) -> dict[str, SimpleCookie]:
    jar: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            jar[name] = cookie
    return jar


def message_count(platform: Platform) -> int:
    with platform.database.transaction() as session:
        return session.scalar(select(func.count(Message.id))) or 0


# -- sign in, register, sign out ----------------------------------------------------------


def test_register_signs_in_and_lands_on_chat(web: TestClient) -> None:
    page = web.get("/register")
    assert page.status_code == 200
    token = csrf_of(page.text)
    response = web.post(
        "/register",
        data={"username": "Li.Hua", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/chat"
    assert "aegle_session" in cookies_set(response)
    chat = web.get("/chat")
    assert chat.status_code == 200
    assert "li.hua" in chat.text
    assert web.get("/login", follow_redirects=False).headers["location"] == "/chat"


def test_register_errors_are_shown_on_the_form_in_the_users_language(web: TestClient) -> None:
    token = csrf_of(web.get("/register?lang=zh-CN").text)
    short = web.post(
        "/register",
        data={"username": "wang", "password": "short", "confirm": "short", "csrf_token": token},
    )
    assert short.status_code == 422
    assert "密码至少需要 8 个字符" in short.text
    mismatch = web.post(
        "/register",
        data={
            "username": "wang",
            "password": PASSWORD,
            "confirm": "x" + PASSWORD,
            "csrf_token": token,
        },
    )
    assert mismatch.status_code == 422
    assert "两次输入的密码不一致" in mismatch.text
    assert 'value="wang"' in mismatch.text  # the username is kept, the password never echoed
    assert PASSWORD not in mismatch.text


def test_session_cookie_flags(web: TestClient, web_platform: Platform) -> None:
    sign_in(web, web_platform, "flags")
    web.cookies.delete("aegle_session")
    token = csrf_of(web.get("/login").text)
    response = web.post(
        "/login",
        data={"username": "flags", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    morsel = cookies_set(response)["aegle_session"]["aegle_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert not morsel["secure"]  # the test preset serves plain HTTP
    assert morsel["path"] == "/"


def test_session_cookie_is_secure_when_configured(tmp_path: Path, clock: FrozenClock) -> None:
    settings = load_settings(
        preset="test",
        database={"url": f"sqlite:///{tmp_path / 'secure.db'}"},
        app={"var_dir": tmp_path / "var"},
        auth={"cookie_secure": True},
    )
    platform = Platform(settings, clock=clock, responder=ScriptedResponder())
    platform.upgrade_database()
    with platform.unit_of_work() as services:
        services.accounts.register(username="secure", password=PASSWORD)
    with TestClient(create_app(platform=platform), base_url="https://testserver") as client:
        page = client.get("/login")
        assert cookies_set(page)["aegle_csrf"]["aegle_csrf"]["secure"] is True
        response = client.post(
            "/login",
            data={"username": "secure", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
    morsel = cookies_set(response)["aegle_session"]["aegle_session"]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    platform.close()


def test_logout_revokes_the_session(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "leaver")
    raw = web.cookies.get("aegle_session")
    assert raw
    response = web.post("/logout", data={"csrf_token": person.csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert 'aegle_session=""' in response.headers["set-cookie"]
    web.cookies.clear()
    web.cookies.set("aegle_session", raw)  # replaying the old cookie no longer works
    again = web.get("/chat", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")
    with web_platform.database.transaction() as session:
        assert session.scalars(select(WebSession)).one().revoked_at is not None


def test_wrong_password_is_shown_and_counts_towards_the_limit(
    web: TestClient, web_platform: Platform
) -> None:
    sign_in(web, web_platform, "target")
    web.cookies.clear()
    token = csrf_of(web.get("/login?lang=en").text)
    limit = web_platform.settings.auth.login_max_failures
    for _ in range(limit):
        wrong = web.post(
            "/login", data={"username": "target", "password": "nope-nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "Wrong username or password" in wrong.text
    blocked = web.post(
        "/login", data={"username": "target", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert "aegle_session" not in web.cookies


def test_signed_out_visitors_are_sent_to_sign_in(web: TestClient) -> None:
    page = web.get("/chat", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fchat"
    htmx = web.post("/chat/x/messages", data={"text": "hi"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"].startswith("/login")


def test_next_only_accepts_local_paths(web: TestClient, web_platform: Platform) -> None:
    with web_platform.unit_of_work() as services:
        services.accounts.register(username="nextuser", password=PASSWORD)
    for target, expected in (("//evil.example/x", "/chat"), ("/chat?x=1", "/chat?x=1")):
        web.cookies.delete("aegle_session")
        token = csrf_of(web.get("/login").text)
        response = web.post(
            "/login",
            params={"next": target},
            data={"username": "nextuser", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


# -- CSRF ---------------------------------------------------------------------------------


def test_anonymous_forms_need_the_signed_token(web: TestClient, web_platform: Platform) -> None:
    with web_platform.unit_of_work() as services:
        services.accounts.register(username="csrfuser", password=PASSWORD)
    good = csrf_of(web.get("/login").text)
    data = {"username": "csrfuser", "password": PASSWORD}
    assert web.post("/login", data=data).status_code == 403
    assert web.post("/login", data={**data, "csrf_token": good[:-2] + "00"}).status_code == 403
    # A token is bound to its nonce cookie: another browser's cookie does not match it.
    other = TestClient(web.app)
    other.get("/login")
    assert other.post("/login", data={**data, "csrf_token": good}).status_code == 403
    register = web.post(
        "/register", data={"username": "x2", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert register.status_code == 403
    assert web.post("/login", data={**data, "csrf_token": good}).status_code == 200


def test_signed_in_forms_need_the_session_token(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "csrfchat")
    cid = person.new_conversation()
    wrong = person.send(cid, "hello", **{"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    missing = web.post(f"/chat/{cid}/messages", data={"text": "hello"})
    assert missing.status_code == 403
    assert "<html" in missing.text  # a friendly page, not JSON
    assert web.post("/chat/new", data={"text": "hi"}).status_code == 403
    assert web.post("/logout", data={}).status_code == 403
    assert message_count(web_platform) == 0
    assert web.get("/chat").status_code == 200  # still signed in


# -- chat ---------------------------------------------------------------------------------


def test_chat_post_via_htmx_returns_the_turn(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "chatter")
    cid = person.new_conversation()
    response = person.send(cid, "hello there")
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert "message-user" in html
    assert "hello there" in html
    assert "echo: hello there" in html
    assert 'id="conversation-list"' in html
    assert 'hx-swap-oob="true"' in html
    assert message_count(web_platform) == 2
    page = web.get(f"/chat/{cid}")
    assert page.text.count('class="message ') == 2
    assert 'role="log"' in page.text


def test_safety_card_stands_out_with_call_action(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "urgent")
    cid = person.new_conversation()
    html = person.send(cid, "this is an emergency").text
    assert "card-safety card-alert level-emergency_ambulance" in html
    assert "Possible emergency" in html
    assert "chest pain with sweating" in html
    assert 'href="tel:120"' in html
    assert "javascript:" not in html  # unsafe links are dropped
    assert 'name="text" value="what now"' in html  # a suggested message is a one-click form


def test_level_labels_follow_the_language(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "levels")
    cid = person.new_conversation()
    web.get("/chat?lang=zh-CN")
    assert "立即呼叫救护车" in person.send(cid, "emergency").text
    web.get("/chat?lang=en")
    assert "Call an ambulance now" in person.send(cid, "emergency").text


def test_plain_form_post_works_without_javascript(web: TestClient, web_platform: Platform) -> None:
    person = sign_in(web, web_platform, "nojs")
    first = web.post("/chat/new", data={"text": "first words", "csrf_token": person.csrf})
    assert first.status_code == 200
    assert "echo: first words" in first.text
    cid = str(first.url).rsplit("/", 1)[1]
    second = web.post(
        f"/chat/{cid}/messages",
        data={"text": "second", "csrf_token": person.csrf},
        follow_redirects=False,
    )
    assert second.status_code == 303
    assert second.headers["location"].startswith(f"/chat/{cid}#m-")
    # /chat opens the most recent conversation
    assert web.get("/chat", follow_redirects=False).headers["location"] == f"/chat/{cid}"


def test_service_errors_are_friendly_and_translated(
    web: TestClient, web_platform: Platform
) -> None:
    person = sign_in(web, web_platform, "errors")
    cid = person.new_conversation()
    web.get("/chat?lang=zh-CN")
    empty = person.send(cid, "   ")
    assert empty.status_code == 422
    assert empty.headers["HX-Retarget"] == "#alerts"
    assert "消息为空" in empty.text
    too_long = person.send(cid, "x" * (web_platform.settings.api.max_message_chars + 1))
    assert too_long.status_code == 422
    assert str(web_platform.settings.api.max_message_chars) in too_long.text
    assert message_count(web_platform) == 0


def test_another_persons_conversation_is_404(web: TestClient, web_platform: Platform) -> None:
    alice = sign_in(web, web_platform, "alice")
    cid = alice.new_conversation("alice's secret")
    other = TestClient(web.app)
    bob = sign_in(other, web_platform, "bob")
    page = other.get(f"/chat/{cid}")
    assert page.status_code == 404
    assert "alice's secret" not in page.text
    assert "<html" in page.text
    posted = bob.send(cid, "let me in")
    assert posted.status_code == 404
    assert "let me in" not in posted.text
    assert message_count(web_platform) == 2  # only alice's turn
    assert "alice&#39;s secret" not in other.get("/chat").text


# -- language, pages, assets --------------------------------------------------------------


def test_language_switch_by_query_and_cookie(web: TestClient) -> None:
    zh = web.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in zh.text
    assert "登录" in zh.text
    assert "Aegle 提供健康信息与指引，不做诊断" in zh.text
    en = web.get("/login?lang=en")
    assert '<html lang="en">' in en.text
    assert "Sign in" in en.text
    assert "Aegle informs; it does not diagnose or prescribe." in en.text
    assert cookies_set(en)["aegle_lang"]["aegle_lang"].value == "en"
    # The cookie now wins over Accept-Language.
    later = web.get("/register", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in later.text
    switch = web.get("/register?lang=zh")
    assert "注册账户" in switch.text
    assert 'href="/register?lang=en"' in switch.text


def test_error_pages_are_html_in_the_users_language(web: TestClient) -> None:
    missing = web.get("/no/such/page?lang=zh-CN")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "未找到" in missing.text
    api = web.get("/api/v1/no/such")
    assert api.headers["content-type"].startswith("application/problem+json")


def test_pages_send_security_headers_and_htmx_is_served(web: TestClient) -> None:
    page = web.get("/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    htmx = web.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:2000]
    assert web.get("/static/aegle.css").status_code == 200
    assert 'href="#main"' in page.text  # skip link
    assert '<label for="username">' in page.text


def test_web_routes_stay_out_of_the_api_schema(web: TestClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/")]


def test_actions_only_link_to_safe_targets() -> None:
    def href(kind: ActionKind, value: str) -> str | None:
        view = ActionView.of(Action(kind=kind, label="x", value=value))
        return view.href if view else "dropped"

    assert href("call", "120") == "tel:120"
    assert href("call", "+86 10-1234 5678") == "tel:+861012345678"
    assert href("call", "120<script>") == "dropped"
    assert href("link", "javascript:alert(1)") == "dropped"
    assert href("link", "//evil.example") == "dropped"
    assert href("link", "https://www.who.int/") == "https://www.who.int/"
    assert href("link", "/chat") == "/chat"
    assert href("message", "tell me more") is None


def test_chinese_chat_with_the_real_assistant(platform: Platform) -> None:
    """The default assistant behind the page: a Chinese greeting gets a Chinese reply."""
    with TestClient(create_app(platform=platform)) as client:
        person = sign_in(client, platform, "zhong")
        client.get("/chat?lang=zh-CN")
        cid = person.new_conversation()
        response = person.send(cid, "你好，你能做什么？")
        assert response.status_code == 200
        replies = re.findall(
            r'<article class="message message-assistant".*?<p class="message-text">(.*?)</p>',
            response.text,
            re.S,
        )
        assert len(replies) == 1
        assert re.search(r"[\u4e00-\u9fff]", replies[0])  # answered in Chinese


class _VisibleText(HTMLParser):
    """Text a person sees or hears: element text plus labelling attributes."""

    LABELS = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name in self.LABELS and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def test_chinese_pages_have_no_untranslated_english(
    web: TestClient, web_platform: Platform
) -> None:
    """Catches literal English left in templates outside the catalogue."""
    allowed = {"Aegle", "English", "Enter", "Shift", "yuki"}
    pages = [web.get(p).text for p in ("/login?lang=zh-CN", "/register", "/nowhere")]
    person = sign_in(web, web_platform, "yuki")
    pages.append(web.get("/chat").text)
    cid = person.new_conversation()
    pages.append(person.send(cid, "你好").text.replace("echo", ""))  # the scripted reply's word
    for html in pages:
        parser = _VisibleText()
        parser.feed(html)
        words = set(re.findall(r"[A-Za-z]{2,}", " ".join(parser.parts))) - allowed
        assert not words, words
