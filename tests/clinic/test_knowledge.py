"""Every clinic knowledge file loads strictly and every entry carries real provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from aegle.clinic.knowledge import KNOWLEDGE_DIR, load_knowledge
from aegle.clinic.knowledge.models import Condition, Finding
from aegle.core.types import TriageLevel

DDX = Path(__file__).resolve().parents[2] / "../shared/data/ddxplus"


def test_all_files_load_and_cross_reference() -> None:
    kb = load_knowledge()
    assert len(kb.conditions) >= 49
    assert len(kb.findings) >= 223
    for c in kb.conditions.values():
        src = kb.source(c.source)
        assert src.title
        assert src.publisher
        assert src.edition
        assert src.section
        assert c.name.zh
        assert c.name.en
        assert f"icd10:{c.icd10}" in c.codes
    for f in kb.findings.values():
        assert kb.source(f.source).section
        assert f.question.zh
        assert f.question.en
    for a in kb.advice.values():
        assert kb.source(a.source).section
    for r in kb.red_flags:
        assert kb.source(r.source).section


def test_every_ddxplus_pathology_and_evidence_is_covered() -> None:
    kb = load_knowledge()
    conditions = json.loads((DDX / "release_conditions.json").read_text(encoding="utf-8"))
    evidences = json.loads((DDX / "release_evidences.json").read_text(encoding="utf-8"))
    codes = {code for c in kb.conditions.values() for code in c.codes}
    for name in conditions:
        assert f"ddxplus:{name}" in codes, name
    by_code = kb.finding_by_code()
    for name, spec in evidences.items():
        fid = by_code[f"ddxplus:{name}"]
        f = kb.findings[fid]
        option_codes = {o.code for o in f.options}
        for value in spec["value_meaning"]:
            assert f"ddxplus:{value}" in option_codes


def test_strict_models_reject_unknown_keys() -> None:
    raw = yaml.safe_load((KNOWLEDGE_DIR / "conditions" / "ddxplus.yaml").read_text("utf-8"))[0]
    Condition.model_validate(raw)
    with pytest.raises(ValidationError):
        Condition.model_validate({**raw, "surprise": 1})
    with pytest.raises(ValidationError):
        Finding.model_validate(
            {
                "id": "x",
                "name": {"zh": "甲", "en": "x"},
                "question": {"zh": "甲？", "en": "x?"},
                "kind": "choice",
                "source": {"ref": "msd", "section": "s"},
            }
        )


def test_likelihoods_are_probabilities_and_ship_no_patients() -> None:
    kb = load_knowledge()
    for row in kb.likelihoods.present.values():
        assert all(0.0 < p < 1.0 for p in row.values())
    text = (KNOWLEDGE_DIR / "ddxplus_likelihoods.json").read_text(encoding="utf-8")
    assert "top5_diagnoses" not in text
    assert "_@_" not in text


def test_red_flag_rules_can_force_an_ambulance() -> None:
    kb = load_knowledge()
    levels = {r.level for r in kb.red_flags}
    assert TriageLevel.EMERGENCY_AMBULANCE in levels
    rule = next(r for r in kb.red_flags if r.id == "chest_pain_radiation_sweating")
    assert rule.fires({"chest_pain", "sweating"}, 50)
    assert not rule.fires({"chest_pain"}, 50)


def test_no_yaml_file_repeats_a_key() -> None:
    """PyYAML keeps the last of two equal keys silently; a repeated key would lose knowledge."""

    class Strict(yaml.SafeLoader):
        pass

    def construct(loader: Strict, node: yaml.MappingNode, deep: bool = False) -> object:
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = {k for k in keys if keys.count(k) > 1}
        assert not repeated, f"repeated keys {repeated} at {node.start_mark}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    for path in KNOWLEDGE_DIR.rglob("*.yaml"):
        yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)  # noqa: S506
