"""The second-stage n-gram crisis model (ngram.py, knowledge/crisis_ngrams.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import ConfigurationError
from aegle.safety import load_default
from aegle.safety.ngram import MODEL_PATH, NgramModel, features, train
from aegle.safety.normalize import normalize

DATA = Path(__file__).resolve().parent / "data"
MODEL = NgramModel.load()
SCREEN = load_default()


def test_shipped_weights_are_reproduced_from_the_listed_sets() -> None:
    """The file is exactly what training on the sets it names gives (no hand edits), and it
    was not trained on the newest set, whose first run is the reported estimate."""
    assert "fresh9.jsonl" not in MODEL.trained_on
    rows = [
        json.loads(line)
        for name in MODEL.trained_on
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert train((r["text"], r["label"] == "crisis") for r in rows) == MODEL.weights


def test_the_model_only_adds_an_alarm_where_no_rule_fired() -> None:
    # An emergency the rules catch keeps its rules, even if its wording scores high.
    result = SCREEN.screen("我吃了一整瓶安眠药，现在很困，呼吸很慢", "zh-CN")
    assert result.triggered
    assert "crisis.similar_language" not in result.rule_ids or len(result.rule_ids) == 1
    assert not SCREEN.screen("请问布洛芬饭前吃还是饭后吃", "zh-CN").triggered


def test_a_crisis_wording_no_rule_names_is_caught_by_the_model() -> None:
    # Chosen from fresh9 misses of the pre-fresh9 rules; the model never saw fresh9.
    normal = normalize("I looked at the bottle of pills for an hour tonight")
    assert MODEL.score(normal) > MODEL.threshold


def test_scores_are_deterministic_and_length_normalised() -> None:
    text = normalize("想睡一觉就再也不用面对这些了")
    assert MODEL.score(text) == MODEL.score(text)
    long_benign = normalize("请问这个药饭后吃可以吗？" * 200)
    assert MODEL.score(long_benign) < MODEL.threshold


@pytest.mark.parametrize("text", ["谢谢", "再见", "结束", "不确定", "bye", "thanks", "是的"])
def test_small_talk_and_one_tap_answers_never_reach_the_model(text: str) -> None:
    assert not MODEL.is_crisis(normalize(text))
    assert not SCREEN.screen(text, "zh-CN").triggered


def test_a_broken_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text('{"weights": {}}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"m\.json"):
        NgramModel.load(bad)
    assert MODEL_PATH.exists()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_features_and_score_never_fail(text: str) -> None:
    normal = normalize(text)
    assert all(f.startswith(("z:", "e:")) for f in features(normal))
    assert math.isfinite(MODEL.score(normal))
