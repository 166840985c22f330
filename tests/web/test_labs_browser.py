"""Lab reports in headless Chromium: upload a report from the chat with the keyboard, see the
results table with abnormal rows highlighted and the explanation below, then the lab history
with the trend; desktop and phone width. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.labs.pdfmaker import make_pdf
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

FIRST = """性别: 女  年龄: 40岁   采样时间: 2026-01-05
血红蛋白 98 ↓ g/L 115-150
白细胞计数 6.2 10^9/L 3.5-9.5
血小板计数 210 10^9/L 125-350
钾 2.4 mmol/L 3.5-5.3
"""
SECOND = FIRST.replace("2026-01-05", "2026-02-05").replace("血红蛋白 98 ↓", "血红蛋白 121")


def test_upload_a_report_in_the_chat(live_url: str, tmp_path: Path) -> None:
    first = tmp_path / "report-january.txt"
    first.write_text(FIRST, encoding="utf-8")
    second = tmp_path / "report-february.pdf"
    second.write_bytes(make_pdf([SECOND.splitlines()]))
    with chromium() as browser:
        context = desktop_context(browser, live_url)
        page = context.new_page()
        problems = watch_console(page)
        register(page, "lab.user")

        # Keyboard only: the file field is labelled, the button is reached with Tab.
        page.get_by_label("化验单", exact=True).set_input_files(str(first))
        page.get_by_label("化验单", exact=True).focus()
        page.keyboard.press("Tab")
        button = page.get_by_role("button", name="解读我的化验单")
        expect(button).to_be_focused()
        page.keyboard.press("Enter")

        report = page.locator("#thread .lab-report")
        expect(report).to_have_count(1)
        expect(page.get_by_label("化验单", exact=True)).to_have_value("")  # ready for the next
        expect(report.locator("h2")).to_be_in_viewport()
        rows = report.locator("tbody tr")
        expect(rows).to_have_count(4)
        expect(report.locator("tr.lab-row-abnormal")).to_have_count(1)
        expect(report.locator("tr.lab-row-abnormal th")).to_have_text("血红蛋白")
        expect(report.locator("tr.lab-row-critical th")).to_have_text("钾")
        expect(report.locator("tr.lab-row-critical .lab-status")).to_have_text("危急偏低")
        expect(report.locator(".lab-critical")).to_be_visible()
        # The highlight is visible: abnormal rows have a background other than normal rows.
        normal_bg = rows.nth(1).evaluate("row => getComputedStyle(row).backgroundColor")
        abnormal_bg = rows.nth(0).evaluate("row => getComputedStyle(row).backgroundColor")
        assert normal_bg != abnormal_bg
        # The explanation follows the table.
        explanation = report.locator(".lab-explanation")
        expect(explanation).to_contain_text("化验单本身不能做出诊断")
        table_box = report.locator("table").bounding_box()
        text_box = explanation.bounding_box()
        assert table_box is not None
        assert text_box is not None
        assert text_box["y"] > table_box["y"] + table_box["height"] - 1
        report.scroll_into_view_if_needed()
        shot(page, "labs-chat-upload-zh")

        # A PDF a month later; the history shows the trend.
        page.get_by_label("化验单", exact=True).set_input_files(str(second))
        page.get_by_role("button", name="解读我的化验单").click()
        expect(page.locator("#thread .lab-report")).to_have_count(2)
        page.get_by_role("link", name="化验记录与趋势").last.click()
        expect(page).to_have_url(re.compile(r"/labs$"))
        expect(page.get_by_role("heading", name="各项目的变化")).to_be_visible()
        haemoglobin = page.locator("tr", has=page.get_by_role("rowheader", name="血红蛋白"))
        expect(haemoglobin).to_contain_text("上升")
        expect(haemoglobin).to_contain_text("跨过了参考范围的界限")
        expect(page.locator(".lab-report-list li")).to_have_count(2)
        shot(page, "labs-history-zh")

        # A refusal in the person's language, in the alert region.
        page.goto("/chat")
        bad = tmp_path / "archive.zip"
        bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
        page.get_by_label("化验单", exact=True).set_input_files(str(bad))
        page.get_by_role("button", name="解读我的化验单").click()
        expect(page.locator("#alerts [role=alert]")).to_contain_text("不支持该文件类型")
        # Chromium logs the refused request (415) as a console error; nothing else may appear.
        assert all("415" in problem for problem in problems), problems
        context.close()


def test_lab_pages_at_phone_width(live_url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(FIRST, encoding="utf-8")
    with chromium() as browser:
        context = phone_context(browser, live_url, locale="en")
        page = context.new_page()
        problems = watch_console(page)
        page.goto("/register?lang=zh-CN")
        register(page, "lab.phone")
        page.goto("/chat?lang=en")
        page.get_by_label("Lab report", exact=True).set_input_files(str(report))
        page.get_by_role("button", name="Read my report").click()
        lab = page.locator("#thread .lab-report")
        expect(lab.locator("tr.lab-row-critical .lab-status")).to_have_text("critically low")
        lab.scroll_into_view_if_needed()
        shot(page, "labs-chat-upload-en-phone", full_page=False)
        # The page never scrolls sideways; a wide table scrolls inside its own region.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.goto("/labs")
        expect(page.get_by_role("heading", name="Lab reports", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "labs-history-en-phone")
        assert not problems, problems
        context.close()
