"""The clinic knowledge's citable entries and their citation ids (docs/evidence.md, "Citable
knowledge entries"): the consultation result builds ids here, the composition root resolves
them with `clinic_entries`. Ids are the knowledge files' own ids (`clinic:condition:<id>`,
`clinic:advice:<id>`, `clinic:red_flag:<id>`), the same in every process."""

from __future__ import annotations

from typing import Literal

from aegle.clinic.knowledge import Knowledge
from aegle.clinic.knowledge.models import SourceRef
from aegle.core.types import KnowledgeEntry, LocalizedText, entries_by_id

ClinicKind = Literal["condition", "advice", "red_flag"]
_TYPICAL = ("hallmark", "typical")


def clinic_citation_id(kind: ClinicKind, entry_id: str) -> str:
    return f"clinic:{kind}:{entry_id}"


def _entry(
    kb: Knowledge,
    kind: ClinicKind,
    entry_id: str,
    title: LocalizedText,
    text: LocalizedText,
    ref: SourceRef,
) -> KnowledgeEntry:
    cid = clinic_citation_id(kind, entry_id)
    return KnowledgeEntry(
        id=cid,
        group=cid,
        title=title,
        text=text,
        source=kb.source(ref),
        licence=kb.sources[ref.ref].licence,
    )


def _lines(zh: list[str], en: list[str]) -> LocalizedText:
    return LocalizedText(zh="\n".join(zh), en="\n".join(en))


def clinic_entries(kb: Knowledge) -> dict[str, KnowledgeEntry]:
    """Every citable entry of the clinic knowledge, by citation id."""
    entries: list[KnowledgeEntry] = []
    for c in kb.conditions.values():
        zh = [f"{c.name.zh}（ICD-10 {c.icd10}）"]
        en = [f"{c.name.en} (ICD-10 {c.icd10})"]
        typical = [kb.findings[f].name for f, level in c.findings.items() if level in _TYPICAL]
        if typical:
            zh.append("典型表现：" + "、".join(t.zh for t in typical))
            en.append("Typical findings: " + ", ".join(t.en for t in typical))
        depts = [kb.departments[d].name for d in c.departments if d in kb.departments]
        if depts:
            zh.append("就诊科室：" + "、".join(d.zh for d in depts))
            en.append("Departments: " + ", ".join(d.en for d in depts))
        entries.append(_entry(kb, "condition", c.id, c.name, _lines(zh, en), c.source))
    title = LocalizedText(zh="自我护理建议和警示信号", en="Self-care advice and warning signs")
    for a in kb.advice.values():
        zh = [f"• {x.zh}" for x in a.advice] + ["出现以下情况请及时就医："]
        en = [f"• {x.en}" for x in a.advice] + ["Seek care promptly if:"]
        zh += [f"• {w.zh}" for w in a.warning_signs]
        en += [f"• {w.en}" for w in a.warning_signs]
        entries.append(_entry(kb, "advice", a.id, title, _lines(zh, en), a.source))
    title = LocalizedText(zh="危险信号规则", en="Red-flag rule")
    for rule in kb.red_flags:
        entries.append(_entry(kb, "red_flag", rule.id, title, rule.reason, rule.source))
    return entries_by_id(entries, "clinic")
