from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.assistant.intents import KeywordIntentClassifier, load_knowledge
from aegle.assistant.model import INTENTS, Intent, IntentClassifier
from aegle.core.errors import ConfigurationError
from tests.assistant.intent_cases import DEV, HELD_OUT

CLASSIFIER = KeywordIntentClassifier.load_default()
SHARED = Path(__file__).resolve().parents[2] / "../shared/data"


def test_implements_the_port() -> None:
    classifier: IntentClassifier = CLASSIFIER
    assert classifier.classify("你好", "zh-CN").intent == "smalltalk"


def test_table_covers_every_intent_in_both_languages() -> None:
    assert len(DEV) >= 100
    counts = Counter(label for _, label in DEV)
    assert set(counts) == set(INTENTS)
    assert all(n >= 8 for n in counts.values())


@pytest.mark.parametrize(("text", "label"), DEV)
def test_dev_table(text: str, label: Intent) -> None:
    result = CLASSIFIER.classify(text, "zh-CN")
    assert result.intent == label, result.scores[:3]


def test_held_out_accuracy() -> None:
    correct = sum(CLASSIFIER.classify(t, "en").intent == label for t, label in HELD_OUT)
    assert correct / len(HELD_OUT) >= 0.9


def test_kuake_qic_mapped_classes() -> None:
    """External check on real Chinese medical queries (CBLUE KUAKE-QIC, research use).

    Only the four labels that map onto our intents are scored: 病情诊断 -> consult,
    指标解读 -> report, 医疗费用 -> insurance, 就医建议 -> doctor.
    """
    mapping: dict[str, Intent] = {
        "病情诊断": "consult",
        "指标解读": "report",
        "医疗费用": "insurance",
        "就医建议": "doctor",
    }
    rows = json.loads((SHARED / "kuake-qic/KUAKE-QIC_train.json").read_text(encoding="utf-8"))
    scored = [(r["query"], mapping[r["label"]]) for r in rows if r["label"] in mapping]
    correct = sum(CLASSIFIER.classify(q, "zh-CN").intent == want for q, want in scored)
    assert len(scored) > 1500
    assert correct / len(scored) >= 0.80


def test_scores_explain_the_decision() -> None:
    result = CLASSIFIER.classify("二甲双胍和阿司匹林能一起吃吗", "zh-CN")
    top = result.scores[0]
    assert top.intent == "medication"
    assert {"二甲双胍", "阿司匹林", "一起吃"} <= set(top.matched)
    assert [s.score for s in result.scores] == sorted(
        (s.score for s in result.scores), reverse=True
    )
    assert {s.intent for s in result.scores} == set(INTENTS)


def test_ties_follow_the_declared_order() -> None:
    # "药" (medication 1.5) and "价格"-free "费用" (insurance 1.5) tie; medication is listed first.
    result = CLASSIFIER.classify("药费用", "zh-CN")
    assert result.scores[0].score == result.scores[1].score
    assert result.intent == "medication"


def test_greeting_with_a_complaint_is_a_consultation() -> None:
    assert CLASSIFIER.classify("你好，我头疼", "zh-CN").intent == "consult"
    assert CLASSIFIER.classify("Hi, my stomach hurts", "en").intent == "consult"


def test_unrecognised_text_defaults_to_consult_and_empty_to_smalltalk() -> None:
    assert CLASSIFIER.classify("嗯嗯嗯这个那个", "zh-CN").intent == "consult"
    assert CLASSIFIER.classify("", "en").intent == "smalltalk"
    assert CLASSIFIER.classify("?!…", "en").intent == "smalltalk"


def test_english_cues_match_whole_words_only() -> None:
    # "hi" must not fire inside "this", nor "pill" inside "spill".
    result = CLASSIFIER.classify("this spill", "en")
    assert all(s.score == 0 for s in result.scores)


def test_normalisation_applies() -> None:
    assert CLASSIFIER.classify("ＷＨＡＴ ＣＡＮ ＹＯＵ ＤＯ？", "en").intent == "smalltalk"
    assert CLASSIFIER.classify("醫保能報銷多少", "zh-CN").intent == "insurance"


def test_strict_loader(tmp_path: Path) -> None:
    good = load_knowledge()
    assert good.source.publisher
    path = tmp_path / "intents.yaml"
    raw = Path(__file__).resolve().parents[2] / "src/aegle/assistant/knowledge/intents.yaml"
    path.write_text(raw.read_text(encoding="utf-8") + "surprise: 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="surprise"):
        load_knowledge(path)
    text = raw.read_text(encoding="utf-8").replace("  - id: smalltalk", "  - id: chitchat")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_knowledge(path)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_classified_deterministically(text: str) -> None:
    first = CLASSIFIER.classify(text, "zh-CN")
    assert first == CLASSIFIER.classify(text, "en")
    assert first.intent in INTENTS
