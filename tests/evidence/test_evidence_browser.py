"""The evidence search in headless Chromium: search with the keyboard, filter, open a passage;
a chat answer's numbered source, or a safety card's citation, opens its page in one click;
phone width. Screenshots go to
test-artifacts/ (gitignored) for a person to look at.

Uses Debian's chromium through Playwright's `executable_path` (see tests/web/test_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import (
    chromium,
    desktop_context,
    live_url,
    phone_context,
    register,
    shot,
    watch_console,
)

pytestmark = pytest.mark.browser
__all__ = ["live_url"]  # the fixture, re-used from the chat's browser test


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """User documents of this test's own (autouse: set before the server starts)."""
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(tmp_path / "evidence"))


def test_search_with_the_keyboard_and_open_a_passage(live_url: str) -> None:
    with chromium() as browser:
        context = desktop_context(browser, live_url)
        page = context.new_page()
        problems = watch_console(page)
        register(page, "dr.wang")

        page.get_by_role("link", name="循证检索").click()
        expect(page).to_have_url(re.compile(r"/evidence$"))
        query = page.get_by_label("关键词或问题")
        expect(query).to_be_focused()
        query.fill("流感疫苗")
        query.press("Enter")
        results = page.locator(".evidence-result")
        expect(results.first).to_be_visible()
        expect(page.locator("#results-title")).to_contain_text("找到的段落")
        shot(page, "evidence-search-zh")

        # Filters are ordinary form controls: tick one with the keyboard, search again.
        page.get_by_label("预防保健").focus()
        page.keyboard.press("Space")
        page.get_by_label("段落语言").select_option("en")
        page.get_by_role("button", name="检索").press("Enter")
        expect(page).to_have_url(re.compile(r"kind=prevention"))
        expect(results.first).to_be_visible()
        for badge in page.locator(".evidence-result .badge").all_inner_texts():
            assert badge == "预防保健"
        for lang in page.locator(".evidence-result").evaluate_all(
            "items => items.map(i => i.lang)"
        ):
            assert lang == "en"
        shot(page, "evidence-search-filtered-zh")

        # The first result's title opens the passage in its section, with its source.
        first = page.locator(".evidence-result-title a").first
        first.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/evidence/passages/"))
        expect(page.locator(".evidence-context-passage.cited")).to_be_visible()
        expect(page.locator(".evidence-provenance")).to_contain_text("来源")
        shot(page, "evidence-passage-zh")
        assert not problems, problems
        context.close()


def test_chat_sources_open_their_passage_on_a_phone(live_url: str) -> None:
    with chromium() as browser:
        context = phone_context(browser, live_url)
        page = context.new_page()
        problems = watch_console(page)
        register(page, "phone.reader")
        page.get_by_label("你的消息").fill("每天吃多少盐合适？")
        page.get_by_role("button", name="发送").click()
        reply = page.locator(".message-assistant").last
        source = reply.locator("a.citation-passage").first
        expect(source).to_be_visible()
        shot(page, "evidence-chat-sources-zh-phone", full_page=False)
        source.click()
        expect(page).to_have_url(re.compile(r"/evidence/passages/"))
        expect(page.locator(".evidence-context-passage.cited")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "evidence-passage-zh-phone")

        page.goto("/evidence?q=%E9%AB%98%E8%A1%80%E5%8E%8B")
        expect(page.locator(".evidence-result").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "evidence-search-zh-phone")
        assert not problems, problems
        context.close()


def test_a_safety_card_citation_opens_its_entry_in_one_click(live_url: str) -> None:
    with chromium() as browser:
        context = desktop_context(browser, live_url)
        page = context.new_page()
        problems = watch_console(page)
        register(page, "safety.reader")
        page.get_by_label("你的消息").fill("我胸口剧烈疼痛，出冷汗，喘不上气")
        page.get_by_role("button", name="发送").click()
        card = page.locator(".message-assistant").last.locator(".card-safety")
        expect(card).to_be_visible()
        card.locator("details.citations summary").click()
        link = card.locator("a.citation-passage").first
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(r"/evidence/passages/safety"))
        expect(page.locator(".evidence-context-passage.cited")).to_be_visible()
        expect(page.locator(".evidence-provenance")).to_contain_text("安全规则")
        shot(page, "evidence-safety-entry-zh")
        assert not problems, problems
        context.close()
