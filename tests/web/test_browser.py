"""The real app in headless Chromium: register, sign in, chat in Chinese, switch language, phone
width. Screenshots go to test-artifacts/ (gitignored) for a person to look at.

Chromium is Debian's package (`make test` installs it), driven by Playwright with
`executable_path`; `playwright install` is never used. A missing browser fails the test.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from aegle.bootstrap import Platform
from aegle.server import create_app
from aegle.settings import load_settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-pass-42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(platform: Platform) -> Iterator[str]:
    """uvicorn on a free loopback port in a thread, stopped (and joined) on exit."""
    port = free_port()
    config = uvicorn.Config(
        create_app(platform=platform),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="aegle-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[str]:
    """The app with its real assistant on a fresh SQLite file."""
    settings = load_settings(
        preset="test",
        database={"url": f"sqlite:///{tmp_path / 'browser.db'}"},
        app={"var_dir": tmp_path / "var"},
    )
    platform = Platform(settings)
    platform.upgrade_database()
    with serve(platform) as url:
        yield url
    platform.close()


def register(page: Page, username: str) -> None:
    """Register in Chinese and land on the chat."""
    page.goto("/register")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="注册账户").click()
    expect(page).to_have_url(re.compile(r"/chat$"))


def desktop_context(
    browser: Browser, base_url: str, *, height: int = 900, locale: str = "zh-CN"
) -> BrowserContext:
    """A desktop browser window, 1280 px wide."""
    return browser.new_context(
        viewport={"width": 1280, "height": height}, locale=locale, base_url=base_url
    )


def phone_context(browser: Browser, base_url: str, locale: str = "zh-CN") -> BrowserContext:
    """A phone-sized touch browser (360 px wide, 2x pixels)."""
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        base_url=base_url,
    )


def watch_console(page: Page) -> list[str]:
    """Collect script errors and CSP violations; the UI should produce none."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page, animations="disabled")


def test_register_sign_in_and_chat_in_chinese(live_url: str) -> None:
    with chromium() as browser:
        context = desktop_context(browser, live_url, height=800)
        page = context.new_page()
        problems = watch_console(page)

        # Register (Chinese is the default for a zh-CN browser); it signs the person in.
        page.goto("/register")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.get_by_role("heading", name="注册账户")).to_be_visible()
        expect(page.locator("#disclaimer")).to_contain_text("不做诊断")
        page.get_by_label("用户名").fill("xiaoming")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_label("再次输入密码").fill(PASSWORD)
        shot(page, "register-zh")
        page.get_by_role("button", name="注册账户").click()
        expect(page).to_have_url(re.compile(r"/chat$"))

        # Sign out, then sign in again with the keyboard only.
        page.get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(re.compile(r"/login$"))
        page.get_by_label("用户名").fill("xiaoming")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_label("密码").press("Enter")
        expect(page).to_have_url(re.compile(r"/chat$"))
        expect(page.locator("#empty-state")).to_be_visible()

        # The first message starts a conversation; Enter sends it.
        composer = page.get_by_label("你的消息")
        expect(composer).to_be_focused()
        composer.fill("你好，你能做什么？")
        composer.press("Enter")
        expect(page).to_have_url(re.compile(r"/chat/[0-9a-f-]{36}$"))
        replies = page.locator(".message-assistant")
        expect(replies).to_have_count(1)
        expect(page.locator(".message-user").first).to_contain_text("你好，你能做什么？")
        assert replies.first.locator(".bubble").inner_text().strip()
        conversation_url = page.url

        # The next message goes over HTMX: same page, reply appended, composer cleared.
        composer = page.get_by_label("你的消息")
        composer.fill("我最近睡不好，怎么办？")
        composer.press("Enter")
        expect(replies).to_have_count(2)
        assert page.url == conversation_url
        expect(composer).to_have_value("")
        expect(composer).to_be_focused()
        expect(page.locator("#thread")).to_have_attribute("aria-live", "polite")
        shot(page, "chat-zh-desktop")

        # Switch the interface to English; the conversation stays.
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_label("Your message")).to_be_visible()
        expect(page.locator(".message")).to_have_count(4)
        expect(page.locator("#disclaimer")).to_contain_text("does not diagnose")
        shot(page, "chat-en-desktop")

        assert not problems, problems

        # A page without autofocus: the first Tab reaches the skip link, Enter jumps to main.
        page.goto("/chat/no-such-conversation")  # a 404 (Chromium logs it as a console error)
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        shot(page, "not-found-en")
        context.close()


def test_phone_width_layout(live_url: str) -> None:
    with chromium() as browser:
        context = phone_context(browser, live_url)
        page = context.new_page()
        problems = watch_console(page)
        page.goto("/login")
        shot(page, "login-zh-phone")
        page.goto("/register")
        page.get_by_label("用户名").fill("phone.user")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_label("再次输入密码").fill(PASSWORD)
        page.get_by_role("button", name="注册账户").click()
        expect(page).to_have_url(re.compile(r"/chat$"))
        shot(page, "chat-empty-zh-phone")
        page.get_by_label("你的消息").fill("你好，你能做什么？")
        page.get_by_role("button", name="发送").click()
        expect(page.locator(".message-assistant")).to_have_count(1)
        # A red-flag message: the safety card stands out and offers a tel: call action.
        page.get_by_label("你的消息").fill("我胸口剧痛，喘不上气")
        page.get_by_role("button", name="发送").click()
        expect(page.locator(".message-assistant")).to_have_count(2)
        latest = page.locator(".message-assistant").last
        expect(latest.locator(".card-safety.card-alert")).to_be_visible()
        expect(latest.locator(".card-alert .badge")).not_to_be_empty()
        expect(latest.locator('a[href^="tel:"]').first).to_be_visible()
        shot(page, "chat-zh-phone")  # the whole page
        shot(page, "chat-zh-phone-screen", full_page=False)  # what the person sees

        # Nothing is wider than the phone, and the send button is big enough to tap.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.get_by_role("button", name="发送").bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["x"] + box["width"] <= 360
        assert not problems, problems
        context.close()
