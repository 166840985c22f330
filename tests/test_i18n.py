"""Every interface string has a zh_CN translation, and the catalogue holds nothing stale.

Message ids are extracted the way `pybabel extract -F babel.cfg` does (Babel's Python extractor
and Jinja2's extractor for the templates), so the keywords and paths live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from aegle.core.i18n import catalogue_path, gettext_for, translate

REPO_ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")


def _extracted() -> dict[str, list[str]]:
    """msgid -> where it occurs (file:line)."""
    with (REPO_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        ids: Iterator[str] = iter(message if isinstance(message, tuple) else (message,))
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    return _extracted()


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    with catalogue_path("zh-CN").open("rb") as handle:
        return read_po(handle, locale="zh_CN", abort_invalid=True)


def test_extraction_sees_code_and_templates(extracted: dict[str, list[str]]) -> None:
    """Guards the extractor set-up itself: ids from errors, services and templates all appear."""
    places = {where.split(":")[0] for spots in extracted.values() for where in spots}
    assert "src/aegle/core/errors.py" in places
    assert "src/aegle/services/accounts.py" in places
    assert any(p.startswith("src/aegle/web/templates/") for p in places)
    assert "Wrong username or password" in extracted
    assert "Skip to main content" in extracted


def test_every_message_has_a_zh_cn_translation(
    extracted: dict[str, list[str]], catalogue: Catalog
) -> None:
    missing = [
        f"{msgid!r} ({', '.join(where)})"
        for msgid, where in sorted(extracted.items())
        if not (entry := catalogue.get(msgid)) or not entry.string
    ]
    assert not missing, "untranslated in zh_CN messages.po:\n" + "\n".join(missing)


def test_catalogue_has_no_fuzzy_obsolete_or_stale_entries(
    extracted: dict[str, list[str]], catalogue: Catalog
) -> None:
    entries = [m for m in catalogue if m.id]
    assert not [m.id for m in entries if m.fuzzy], "fuzzy entries"
    assert not catalogue.obsolete, f"obsolete (#~) entries: {list(catalogue.obsolete)}"
    stale = sorted(str(m.id) for m in entries if m.id not in extracted)
    assert not stale, f"entries no code or template uses any more: {stale}"


def test_placeholders_survive_translation(catalogue: Catalog) -> None:
    for message in catalogue:
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(str(message.id))) == sorted(
                PLACEHOLDER.findall(str(message.string))
            ), message.id


def test_translations_are_used_at_run_time() -> None:
    assert translate("zh-CN", "The password must have at least {min} characters", min=8) == (
        "密码至少需要 8 个字符"
    )
    assert gettext_for("zh-CN")("Sign in") == "登录"
    assert gettext_for("en")("Sign in") == "Sign in"
