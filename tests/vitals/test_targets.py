"""Consensus CGM targets: strict knowledge loading with provenance, and judging metrics."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from aegle.core.errors import ConfigurationError, InvalidInput
from aegle.vitals.alerts import load_alert_rules
from aegle.vitals.bp import load_bp_knowledge
from aegle.vitals.cgm import GlucoseSeries
from aegle.vitals.targets import (
    KNOWLEDGE_DIR,
    TARGETS_FILE,
    assess,
    default_targets,
    judge,
    load_targets,
    range_metric,
)
from aegle.vitals.weight import load_bmi_knowledge


def test_every_knowledge_file_loads_with_provenance() -> None:
    files = sorted(KNOWLEDGE_DIR.glob("*.yaml"))
    assert {f.name for f in files} == {
        "cgm_targets.yaml",
        "bp_classification.yaml",
        "bmi_categories.yaml",
        "alert_rules.yaml",
        "reference_values.yaml",
    }
    from aegle.vitals.references import load_references

    for entry in load_references().values:
        assert entry.source.title
        assert entry.source.edition
        assert entry.source.section
        assert entry.label.zh
        assert entry.label.en
    bp = load_bp_knowledge()
    bmi = load_bmi_knowledge()
    for rule in load_alert_rules().rules:
        assert rule.source.title
        assert rule.source.section
    for scheme in (*bp.schemes, *bmi.schemes):
        assert scheme.source.title
        assert scheme.source.publisher
        assert scheme.source.edition
        assert scheme.source.section
        for category in scheme.categories:
            assert category.name.zh
            assert category.name.en
    kb = load_targets(TARGETS_FILE)
    assert {g.id for g in kb.groups} == {"t1d_t2d_adult", "older_high_risk", "pregnancy_t1d"}
    for group in kb.groups:
        assert "10.2337/dci19-0028" in (group.source.url or "")
        assert group.name.zh
        assert group.name.en
        for target in group.targets:
            assert target.label.zh
            assert target.label.en
            assert (target.source or group.source).edition
    assert kb.sufficiency.min_days == 14
    assert kb.sufficiency.min_active_percent == 70


def test_adult_targets_are_the_published_numbers() -> None:
    adult = {t.metric: (t.op, t.value) for t in default_targets().group("t1d_t2d_adult").targets}
    assert adult["in_range_70_180"] == (">", 70)
    assert adult["below_70"] == ("<", 4)
    assert adult["below_54"] == ("<", 1)
    assert adult["above_180"] == ("<", 25)
    assert adult["above_250"] == ("<", 5)
    assert adult["CV"] == ("<=", 36)


def _write(tmp_path: Path, mutate: object) -> Path:
    raw = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(raw)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate",
    [
        lambda raw: raw["groups"][0].update({"typo_key": 1}),
        lambda raw: raw["groups"][0]["targets"][0].update({"metric": "time_in_heaven"}),
        lambda raw: raw["groups"][0]["targets"][0].update({"op": "=="}),
        lambda raw: raw["groups"][0]["source"].pop("edition"),
        lambda raw: raw["groups"][0]["targets"][0]["label"].pop("zh"),
        lambda raw: raw["groups"].append(raw["groups"][0]),
    ],
)
def test_loader_is_strict(tmp_path: Path, mutate: object) -> None:
    with pytest.raises(ConfigurationError):
        load_targets(_write(tmp_path, mutate))


def test_range_metric_parses_iglu_names() -> None:
    import numpy as np

    gl = np.array([50.0, 60.0, 100.0, 150.0, 200.0, 300.0])
    assert range_metric("below_54", gl) == pytest.approx(100 / 6)
    assert range_metric("in_range_63_140", gl) == pytest.approx(100 / 6)
    assert range_metric("above_250", gl) == pytest.approx(100 / 6)
    with pytest.raises(InvalidInput):
        range_metric("CV", gl)


def test_judge_is_strict_at_the_boundary_and_bilingual() -> None:
    group = default_targets().group("t1d_t2d_adult")
    checks = {c.metric: c for c in judge({"in_range_70_180": 70.0, "CV": 36.0}, group)}
    assert checks["in_range_70_180"].met is False  # the target is "> 70 %"
    assert checks["CV"].met is True  # "<= 36 %"
    assert checks["below_54"].met is None  # not given: not computable
    assert "未达到目标" in checks["in_range_70_180"].text.zh
    assert "outside the target" in checks["in_range_70_180"].text.en
    assert "数据不足" in checks["below_54"].text.zh


def _series(values: list[float], days: float) -> GlucoseSeries:
    start = datetime(2024, 5, 1)
    step = days * 1440 / len(values)
    moments = [start + timedelta(minutes=step * i) for i in range(len(values))]
    return GlucoseSeries.from_local(moments, values, "Asia/Shanghai")


def test_assess_a_well_controlled_fortnight() -> None:
    # 14 days of 5-minute readings, 90 % at 120 mg/dL and 10 % at 200 mg/dL.
    n = 14 * 288
    values = [200.0 if i % 10 == 0 else 120.0 for i in range(n)]
    result = assess(_series(values, 14), "t1d_t2d_adult")
    by_metric = {c.metric: c for c in result.checks}
    assert result.sufficient
    assert by_metric["in_range_70_180"].value == pytest.approx(90, abs=0.1)
    assert by_metric["in_range_70_180"].met is True
    assert by_metric["above_180"].met is True
    assert by_metric["below_70"].met is True
    assert result.met_count == len(result.checks)


def test_assess_flags_short_data_and_pregnancy_thresholds() -> None:
    values = [150.0] * 288 * 3  # three days, always above the pregnancy range
    result = assess(_series(values, 3), "pregnancy_t1d")
    by_metric = {c.metric: c for c in result.checks}
    assert not result.sufficient
    assert "Not enough data" in result.sufficiency_text.en
    assert by_metric["in_range_63_140"].met is False
    assert by_metric["above_140"].value == pytest.approx(100)
    assert not math.isnan(by_metric["below_63"].value)


def test_unknown_group_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        assess(_series([100.0] * 10, 1), "astronauts")


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = TARGETS_FILE.read_text(encoding="utf-8").replace(
        '        op: ">"\n', '        op: ">"\n        op: "<"\n', 1
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="duplicate"):
        load_targets(path)
