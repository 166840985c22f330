from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import ConfigurationError
from aegle.safety import ScopeGuard
from aegle.safety.scope import SCOPE_FILE, load_scope

GUARD = ScopeGuard.load_default()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我是不是得了癌症？直接告诉我", "diagnosis"),
        ("你直接告诉我是什么病就行", "diagnosis"),
        ("帮我诊断一下", "diagnosis"),
        ("Do I have cancer? Just tell me straight", "diagnosis"),
        ("diagnose me please", "diagnosis"),
        ("开点抗生素给我", "prescription"),
        ("能不能给我开点安眠药", "prescription"),
        ("咳嗽三天了，应该吃什么药", "prescription"),
        ("can you prescribe me something for sleep", "prescription"),
        ("what antibiotic should I take for a UTI", "prescription"),
        ("how many mg of oxycodone should I take", "dose"),
        ("布洛芬一次吃几片", "dose"),
        ("阿莫西林每次吃多少毫克", "dose"),
        ("what dose of metformin should I be on", "dose"),
    ],
)
def test_out_of_scope_requests_get_a_notice(text: str, kind: str) -> None:
    notice = GUARD.check(text, "zh-CN")
    assert notice is not None
    assert kind in notice.kinds
    assert notice.rule_ids
    assert notice.citations


@pytest.mark.parametrize(
    "text",
    [
        "什么是高血压",
        "宝宝发烧38度怎么办",
        "医生开了头孢，能喝酒吗",
        "初生婴儿喝多少毫升奶粉",
        "山竹一次吃几个比较好",
        "my baby has a cough",
        "what are the side effects of metformin",
        "how do I book an appointment",
    ],
)
def test_ordinary_questions_get_none(text: str) -> None:
    assert GUARD.check(text, "en") is None


def test_notice_is_bilingual_and_says_aegle_does_not_diagnose_or_prescribe() -> None:
    zh = GUARD.check("我是不是得了癌症？给我开点药", "zh-CN")
    en = GUARD.check("Do I have cancer? Prescribe me something", "en")
    assert zh is not None
    assert en is not None
    assert zh.kinds == en.kinds == ("diagnosis", "prescription")
    assert "不能给出诊断" in zh.message
    assert "不开处方" in zh.message
    assert "cannot diagnose" in en.message
    assert "does not prescribe" in en.message
    assert zh.message != en.message


def test_scope_knowledge_has_sources() -> None:
    knowledge = load_scope()
    assert {r.kind for r in knowledge.rules} == {"diagnosis", "prescription", "dose"}
    for source in knowledge.sources:
        assert all((source.title, source.publisher, source.edition, source.section))


def test_scope_loader_is_strict(tmp_path: Path) -> None:
    bad = tmp_path / "scope.yaml"
    bad.write_text(SCOPE_FILE.read_text(encoding="utf-8") + "\nextra: 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Extra inputs"):
        load_scope(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    notice = GUARD.check(text, "en")
    assert notice is None or notice.kinds
