"""The safety knowledge's citable entries and their citation ids (docs/evidence.md, "Citable
knowledge entries"): the screen and the scope guard build ids here, the composition root
resolves them with `safety_entries`. Ids come from the knowledge files' own ids, so they are the
same in every process and survive reloads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aegle.core.types import KnowledgeEntry, LocalizedText, entries_by_id
from aegle.safety.knowledge import SafetyKnowledge

if TYPE_CHECKING:  # scope.py builds its ids here
    from aegle.safety.scope import ScopeKnowledge

_RULE_TITLE = {
    "emergency": LocalizedText(zh="急症安全规则", en="Emergency safety rule"),
    "crisis": LocalizedText(zh="心理危机安全规则", en="Crisis safety rule"),
}
_HOTLINE_TITLE = LocalizedText(zh="求助电话", en="Help line")
_SCOPE_TITLE = LocalizedText(zh="Aegle 的服务范围", en="What Aegle does not do")


def _hotline_text(name: LocalizedText, number: str) -> LocalizedText:
    """The hotline's name with its number (once: some names already hold it)."""
    return LocalizedText(
        zh=name.zh if number in name.zh else f"{name.zh}：{number}",
        en=name.en if number in name.en else f"{name.en}: {number}",
    )


def rule_citation_id(rule_id: str, index: int = 0) -> str:
    """`safety:<rule id>` for a rule's first source, `safety:<rule id>#<n>` for its n-th."""
    return f"safety:{rule_id}" + ("" if index == 0 else f"#{index + 1}")


def hotline_citation_id(hotline_id: str) -> str:
    return f"safety:hotline.{hotline_id}"


def scope_citation_id(index: int) -> str:
    """`safety:scope#<n>`: the scope notices, cited by the n-th source of the scope file."""
    return f"safety:scope#{index + 1}"


def safety_entries(knowledge: SafetyKnowledge, scope: ScopeKnowledge) -> dict[str, KnowledgeEntry]:
    """Every citable entry of the safety knowledge, by citation id."""
    entries: list[KnowledgeEntry] = []
    for rule in knowledge.rules:
        text = rule.reason
        if rule.advice is not None:
            text = LocalizedText(
                zh=f"{rule.reason.zh}\n{rule.advice.zh}", en=f"{rule.reason.en}\n{rule.advice.en}"
            )
        for index, source in enumerate(rule.sources):
            cid = rule_citation_id(rule.id, index)
            entries.append(
                KnowledgeEntry(
                    id=cid,
                    group=rule_citation_id(rule.id),
                    title=_RULE_TITLE[rule.category],
                    text=text,
                    source=source,
                    sources=rule.sources,
                )
            )
    for hotline in knowledge.hotlines:
        cid = hotline_citation_id(hotline.id)
        entries.append(
            KnowledgeEntry(
                id=cid,
                group=cid,
                title=_HOTLINE_TITLE,
                text=_hotline_text(hotline.name, hotline.number),
                source=hotline.source,
            )
        )
    notices = scope.notices
    parts = (notices.diagnosis, notices.prescription, notices.dose, notices.footer)
    scope_text = LocalizedText.lines(parts)
    for index, source in enumerate(scope.sources):
        cid = scope_citation_id(index)
        entries.append(
            KnowledgeEntry(
                id=cid,
                group="safety:scope",
                title=_SCOPE_TITLE,
                text=scope_text,
                source=source,
                sources=scope.sources,
            )
        )
    return entries_by_id(entries, "safety")
