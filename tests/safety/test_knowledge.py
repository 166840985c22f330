from __future__ import annotations

from pathlib import Path

import pytest

from aegle.core.errors import ConfigurationError
from aegle.safety.knowledge import KNOWLEDGE_DIR, load_default, load_files
from aegle.safety.normalize import normalize

KNOWLEDGE = load_default()


def test_every_rule_has_a_real_source_and_both_languages() -> None:
    assert len(KNOWLEDGE.rules) >= 30
    for rule in KNOWLEDGE.rules:
        assert rule.sources, rule.id
        for source in rule.sources:
            assert all((source.title, source.publisher, source.edition, source.section))
        assert rule.reason.zh != rule.reason.en
    for hotline in KNOWLEDGE.hotlines:
        assert hotline.source.publisher


def test_both_categories_and_key_hotlines_are_present() -> None:
    categories = {r.category for r in KNOWLEDGE.rules}
    assert categories == {"crisis", "emergency"}
    numbers = {h.number for h in KNOWLEDGE.hotlines}
    assert {"120", "110", "12356", "988", "911"} <= numbers


def test_every_term_is_used_by_a_rule() -> None:
    used = {t for rule in KNOWLEDGE.rules for group in rule.groups for t in group}
    assert {t.id for t in KNOWLEDGE.terms} == used


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("unknown_key: 1\n", "Extra inputs are not permitted"),
        ("rules:\n  - id: x\n    category: crisis\n    level: routine\n", "level"),
    ],
)
def test_strict_loader_rejects_bad_files(tmp_path: Path, snippet: str, message: str) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zz_bad.yaml").write_text("description: bad\n" + snippet, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_files(tmp_path.glob("*.yaml"))


def test_a_space_before_a_trailing_optional_group_is_a_load_error(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    bad_term = "terms:\n  - id: t\n    note: n\n    zh: [x]\n    en: ['no more pain (for me)?']\n"
    (tmp_path / "zz.yaml").write_text("description: d\n" + bad_term, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="trailing optional group"):
        load_files(tmp_path.glob("*.yaml"))


def test_a_duplicate_key_is_a_load_error(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    twice = "terms:\n  - id: t\n    note: n\n    zh: [x]\n    en: [a]\n    en: [b]\n"
    (tmp_path / "zz.yaml").write_text("description: d\n" + twice, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="duplicate key"):
        load_files(tmp_path.glob("*.yaml"))


def test_invalid_regex_and_dangling_term_are_load_errors(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    bad_term = "terms:\n  - id: t\n    note: n\n    zh: ['胸(']\n    en: [x]\n"
    (tmp_path / "zz.yaml").write_text("description: d\n" + bad_term, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="invalid pattern"):
        load_files(tmp_path.glob("*.yaml"))
    dangling = (
        "rules:\n  - id: r\n    category: crisis\n    level: emergency\n    groups: [[nope]]\n"
        "    reason: {zh: 原因, en: reason}\n"
        "    sources: [{title: t, publisher: p, edition: e, section: s}]\n"
    )
    (tmp_path / "zz.yaml").write_text("description: d\n" + dangling, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown terms"):
        load_files(tmp_path.glob("*.yaml"))


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("ＣＨＥＳＴ　ＰＡＩＮ！", "chest pain!"),
        ("我 不 想 活 了", "我不想活了"),
        ("I CAN’T breathe", "i can't breathe"),
        ("dont   cant", "don't can't"),
        ("頭暈，胸口悶", "头晕,胸口闷"),
        ("a\u200bb", "ab"),
    ],
)
def test_normalize(raw: str, normal: str) -> None:
    assert normalize(raw) == normal
