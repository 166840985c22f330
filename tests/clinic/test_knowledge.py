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
    assert len(kb.conditions) >= 400
    assert len(kb.findings) >= 800
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
        assert f.name.zh
        assert f.name.en
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


def test_findings_read_from_free_text_can_be_recognised_and_are_used() -> None:
    """A finding that is never asked (ask: false) only works through free text: it needs zh and en
    synonyms (the user dictionary and the matcher are built from them) and, unless it is history
    kept for the doctor's summary, a condition that names it."""
    kb = load_knowledge()
    used = {fid for c in kb.conditions.values() for fid in c.findings}
    quiet = [f for f in kb.findings.values() if not f.ask]
    assert len(quiet) >= 200
    for f in quiet:
        assert f.synonyms.zh, f.id
        assert f.synonyms.en or f.history, f.id
        assert f.id in used or f.history, f.id
    snomed = [c for f in kb.findings.values() for c in f.codes if c.startswith("snomed:")]
    assert len(snomed) >= 90
    assert all(c.removeprefix("snomed:").isdigit() for c in snomed)


def test_follow_up_findings_refine_their_parent() -> None:
    kb = load_knowledge()
    children = [f for f in kb.findings.values() if f.parent and f.kind == "boolean"]
    assert len(children) >= 150
    for f in children:
        assert f.parent in kb.findings, f.id
        assert kb.findings[f.parent].kind in ("boolean", "choice", "multi"), f.id


def test_findings_that_are_not_asked_stay_out_of_the_questions() -> None:
    from aegle.clinic.model import compile_model

    kb = load_knowledge()
    model = compile_model(kb)
    quiet = {f.id for f in kb.findings.values() if not f.ask}
    assert quiet
    assert not quiet & set(model.askable)
    assert "hesitancy" in model.askable  # a follow-up: asked once difficulty passing urine is yes


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("打球时脚扭了，脚踝肿", "ankle_twisted"),
        ("最近刷牙出血", "bleeding_on_brushing"),
        ("孩子老是揪耳朵，晚上哭闹", "ear_pulling"),
        ("晚上痒得厉害，家里人也痒", "itch_worse_night"),
        ("尿等待，尿线细", "weak_urine_stream"),
        ("He keeps pulling at his ear", "ear_pulling"),
        ("Pain on the first steps in the morning", "first_steps_pain"),
        ("She has a ring-shaped rash on her arm", "ring_shaped_rash"),
    ],
)
def test_colloquial_wording_reaches_new_findings(text: str, finding: str) -> None:
    from aegle.clinic.text import understand

    assert understand(text).own().get(finding) is True
