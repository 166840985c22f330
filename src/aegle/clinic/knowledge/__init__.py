"""Load and cross-check the clinic knowledge base (strict: unknown keys and dangling ids fail).

`load_knowledge()` is cached: the files are read once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from aegle.clinic.knowledge.models import (
    AdviceEntry,
    Condition,
    DepartmentEntry,
    DepartmentHint,
    Finding,
    Likelihoods,
    RedFlagRule,
    Screen,
    SourceEntry,
    SourceRef,
    Synonyms,
)
from aegle.core.errors import ConfigurationError
from aegle.core.types import Citation, LocalizedText, Source

KNOWLEDGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Knowledge:
    sources: dict[str, SourceEntry]
    departments: dict[str, DepartmentEntry]
    findings: dict[str, Finding]
    conditions: dict[str, Condition]
    advice: dict[str, AdviceEntry]
    red_flags: list[RedFlagRule]
    screens: list[Screen]
    department_hints: list[DepartmentHint]
    likelihoods: Likelihoods

    def source(self, ref: SourceRef) -> Source:
        entry = self.sources[ref.ref]
        return Source(
            title=entry.title,
            publisher=entry.publisher,
            edition=entry.edition,
            section=ref.section,
            url=entry.url,
        )

    def citation(self, entry_id: str, ref: SourceRef) -> Citation:
        return Citation.from_source(entry_id, self.source(ref))

    def finding_by_code(self) -> dict[str, str]:
        """Every code (``ddxplus:E_91``, ``aegle:fever``) to its finding id."""
        out: dict[str, str] = {}
        for f in self.findings.values():
            out[f"aegle:{f.id}"] = f.id
            for code in f.codes:
                out[code] = f.id
        return out


# libyaml's loader when PyYAML was built with it (several times faster); same safe semantics.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506


def _default_question(name: LocalizedText) -> LocalizedText:
    en = name.en[0].lower() + name.en[1:] if not name.en[:2].isupper() else name.en
    return LocalizedText(zh=f"您有{name.zh}吗？", en=f"Do you have {en}?")


def _load_findings(directory: Path) -> dict[str, Finding]:
    findings: dict[str, Finding] = {}
    ddx = _read(directory / "findings_ddxplus.json")
    for raw in ddx["findings"]:
        f = Finding.model_validate(raw)
        findings[f.id] = f
    data = _read(directory / "findings.yaml")
    unknown = set(data) - {"blocks", "synonyms", "phrases", "more_phrases", "snomed"}
    if unknown:
        raise ConfigurationError(f"findings.yaml: unknown keys {sorted(unknown)}")
    for block in data["blocks"]:
        if set(block) - {"source", "findings"}:
            raise ConfigurationError("findings.yaml: a block has unknown keys")
        for raw in block["findings"]:
            raw = {"source": block["source"], **raw}
            if "question" not in raw:
                raw["question"] = _default_question(
                    LocalizedText.model_validate(raw["name"])
                ).model_dump()
            f = Finding.model_validate(raw)
            if f.id in findings:
                raise ConfigurationError(f"finding {f.id} is defined twice")
            findings[f.id] = f.model_copy(update={"codes": [f"aegle:{f.id}", *f.codes]})
    pairs = [
        *(data.get("synonyms") or {}).items(),
        *(data.get("phrases") or {}).items(),
        *(data.get("more_phrases") or {}).items(),
    ]
    for fid, raw_syn in pairs:
        if fid not in findings:
            raise ConfigurationError(f"findings.yaml synonyms: unknown finding {fid}")
        syn = Synonyms.model_validate(raw_syn)
        old = findings[fid]
        merged = Synonyms(zh=[*old.synonyms.zh, *syn.zh], en=[*old.synonyms.en, *syn.en])
        codes = old.codes if f"aegle:{fid}" in old.codes else [f"aegle:{fid}", *old.codes]
        findings[fid] = old.model_copy(update={"synonyms": merged, "codes": codes})
    for fid, code in (data.get("snomed") or {}).items():
        if fid not in findings or not str(code).isdigit():
            raise ConfigurationError(f"findings.yaml snomed: bad entry {fid}: {code!r}")
        old = findings[fid]
        findings[fid] = old.model_copy(update={"codes": [*old.codes, f"snomed:{code}"]})
    for fid, f in findings.items():
        if f"aegle:{fid}" not in f.codes:
            findings[fid] = f.model_copy(update={"codes": [f"aegle:{fid}", *f.codes]})
    return findings


def load_from(directory: Path) -> Knowledge:
    sources = TypeAdapter(dict[str, SourceEntry]).validate_python(_read(directory / "sources.yaml"))
    dep_data = _read(directory / "departments.yaml")
    departments = {
        d.code: d
        for d in TypeAdapter(list[DepartmentEntry]).validate_python(dep_data["departments"])
    }
    findings = _load_findings(directory)
    conditions: dict[str, Condition] = {}
    for path in sorted((directory / "conditions").glob("*.yaml")):
        for raw in _read(path) or []:
            c = Condition.model_validate(raw)
            if c.id in conditions:
                raise ConfigurationError(f"condition {c.id} is defined twice ({path.name})")
            codes = c.codes if f"icd10:{c.icd10}" in c.codes else [f"icd10:{c.icd10}", *c.codes]
            conditions[c.id] = c.model_copy(update={"codes": codes})
    advice = {
        a.id: a
        for a in TypeAdapter(list[AdviceEntry]).validate_python(_read(directory / "advice.yaml"))
    }
    rf = _read(directory / "red_flags.yaml")
    if set(rf) - {"rules", "screens", "department_hints"}:
        raise ConfigurationError("red_flags.yaml: unknown top-level keys")
    red_flags = TypeAdapter(list[RedFlagRule]).validate_python(rf["rules"])
    screens = TypeAdapter(list[Screen]).validate_python(rf["screens"])
    hints = TypeAdapter(list[DepartmentHint]).validate_python(rf.get("department_hints") or [])
    likelihoods = Likelihoods.model_validate(_read(directory / "ddxplus_likelihoods.json"))
    kb = Knowledge(
        sources=sources,
        departments=departments,
        findings=findings,
        conditions=conditions,
        advice=advice,
        red_flags=red_flags,
        screens=screens,
        department_hints=hints,
        likelihoods=likelihoods,
    )
    _check(kb)
    return kb


def _check(kb: Knowledge) -> None:
    """Cross-references: every id a knowledge entry names must exist."""
    problems: list[str] = []

    def ref_ok(where: str, ref: SourceRef) -> None:
        if ref.ref not in kb.sources:
            problems.append(f"{where}: unknown source {ref.ref}")

    for f in kb.findings.values():
        ref_ok(f"finding {f.id}", f.source)
        if f.parent and f.parent not in kb.findings:
            problems.append(f"finding {f.id}: unknown parent {f.parent}")
    for c in kb.conditions.values():
        ref_ok(f"condition {c.id}", c.source)
        if c.advice not in kb.advice:
            problems.append(f"condition {c.id}: unknown advice {c.advice}")
        for d in c.departments:
            if d not in kb.departments:
                problems.append(f"condition {c.id}: unknown department {d}")
        for fid in c.findings:
            if fid not in kb.findings:
                problems.append(f"condition {c.id}: unknown finding {fid}")
    for a in kb.advice.values():
        ref_ok(f"advice {a.id}", a.source)
    for r in kb.red_flags:
        ref_ok(f"red flag {r.id}", r.source)
        for fid in [*r.all_of, *r.any_of]:
            if fid not in kb.findings:
                problems.append(f"red flag {r.id}: unknown finding {fid}")
    for s in kb.screens:
        ref_ok(f"screen {s.trigger}", s.source)
        for fid in [s.trigger, *s.ask]:
            if fid not in kb.findings:
                problems.append(f"screen {s.trigger}: unknown finding {fid}")
    for h in kb.department_hints:
        if h.department not in kb.departments:
            problems.append(f"department hint: unknown department {h.department}")
    for cid, row in kb.likelihoods.present.items():
        if cid not in kb.conditions:
            problems.append(f"likelihoods: unknown condition {cid}")
        for fid in row:
            if fid not in kb.findings:
                problems.append(f"likelihoods: unknown finding {fid}")
    if problems:
        raise ConfigurationError("clinic knowledge is inconsistent: " + "; ".join(problems[:20]))


@cache
def load_knowledge() -> Knowledge:
    return load_from(KNOWLEDGE_DIR)


__all__ = ["KNOWLEDGE_DIR", "Knowledge", "load_from", "load_knowledge"]
