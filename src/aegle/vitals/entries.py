"""The vitals knowledge's citable entries and their citation ids (docs/evidence.md, "Citable
knowledge entries"). The health-data answers cite with these ids and the composition root
resolves them with `vitals_entries`. Every id is built from the knowledge files' own ids:

- `vitals:cgm.<group>.<metric>` a CGM target, `vitals:cgm.sufficiency` the data-sufficiency rule
- `vitals:bp.<scheme>.<category>`, `vitals:bp.<scheme>.home_threshold`,
  `vitals:bp.<scheme>.isolated_systolic` the blood-pressure schemes
- `vitals:bmi.<scheme>.<category>` the BMI categories
- `vitals:alert.<rule>` an alert rule, `vitals:ref.<id>` a reference value
"""

from __future__ import annotations

from aegle.core.types import KnowledgeEntry, LocalizedText, Source, entries_by_id
from aegle.vitals.alerts import AlertRules, default_alert_rules
from aegle.vitals.bp import BPKnowledge, Condition, default_bp_knowledge
from aegle.vitals.references import ReferenceValues, default_references
from aegle.vitals.targets import SHOWN_OP, TargetKnowledge, default_targets
from aegle.vitals.weight import BmiKnowledge, default_bmi_knowledge

SUFFICIENCY_ID = "vitals:cgm.sufficiency"


def cgm_target_id(group_id: str, metric: str) -> str:
    return f"vitals:cgm.{group_id}.{metric}"


def bp_id(scheme_id: str, part: str) -> str:
    """`part` is a category id, `home_threshold` or `isolated_systolic`."""
    return f"vitals:bp.{scheme_id}.{part}"


def bmi_id(scheme_id: str, category_id: str) -> str:
    return f"vitals:bmi.{scheme_id}.{category_id}"


def alert_id(rule_id: str) -> str:
    return f"vitals:alert.{rule_id}"


def reference_id(value_id: str) -> str:
    return f"vitals:ref.{value_id}"


def _condition(c: Condition | None, what: LocalizedText) -> LocalizedText | None:
    if c is None:
        return None
    op = SHOWN_OP[c.op]
    return LocalizedText(zh=f"{what.zh} {op} {c.value:g}", en=f"{what.en} {op} {c.value:g}")


_SBP = LocalizedText(zh="收缩压", en="systolic")
_DBP = LocalizedText(zh="舒张压", en="diastolic")


def _either(parts: list[LocalizedText], zh_or: str, en_or: str, unit: str) -> LocalizedText:
    return LocalizedText(
        zh=zh_or.join(p.zh for p in parts) + f" {unit}",
        en=en_or.join(p.en for p in parts) + f" {unit}",
    )


def _titled(name: LocalizedText, line: LocalizedText) -> LocalizedText:
    return LocalizedText(zh=f"{name.zh}：{line.zh}", en=f"{name.en}: {line.en}")


def _bmi_band(low: float, upper: float | None) -> LocalizedText:
    if upper is None:
        return LocalizedText(zh=f"BMI ≥ {low:g} kg/m²", en=f"BMI {low:g} kg/m² or more")
    if low == 0:
        return LocalizedText(zh=f"BMI < {upper:g} kg/m²", en=f"BMI below {upper:g} kg/m²")
    return LocalizedText(
        zh=f"BMI {low:g} 至 <{upper:g} kg/m²", en=f"BMI {low:g} to under {upper:g} kg/m²"
    )


def vitals_entries(
    targets: TargetKnowledge | None = None,
    bp: BPKnowledge | None = None,
    bmi: BmiKnowledge | None = None,
    alerts: AlertRules | None = None,
    references: ReferenceValues | None = None,
) -> dict[str, KnowledgeEntry]:
    """Every citable entry of the vitals knowledge (the loaded defaults unless given), by id."""
    targets = targets or default_targets()
    bp = bp or default_bp_knowledge()
    bmi = bmi or default_bmi_knowledge()
    alerts = alerts or default_alert_rules()
    references = references or default_references()
    entries: list[KnowledgeEntry] = []

    def add(cid: str, group: str, title: LocalizedText, text: LocalizedText, src: Source) -> None:
        entries.append(KnowledgeEntry(id=cid, group=group, title=title, text=text, source=src))

    need = targets.sufficiency
    add(
        SUFFICIENCY_ID,
        "vitals:cgm",
        LocalizedText(zh="CGM 数据是否充足", en="Enough CGM data"),
        LocalizedText(
            zh=f"至少 {need.min_days:g} 天、传感器佩戴至少 {need.min_active_percent:g}%",
            en=f"At least {need.min_days:g} days with at least {need.min_active_percent:g}% "
            "sensor wear",
        ),
        need.source,
    )
    for g in targets.groups:
        for t in g.targets:
            line = LocalizedText(
                zh=f"{t.label.zh}：{SHOWN_OP[t.op]}{t.value:g}%",
                en=f"{t.label.en}: {SHOWN_OP[t.op]} {t.value:g}%",
            )
            group = f"vitals:cgm.{g.id}"
            add(cgm_target_id(g.id, t.metric), group, g.name, line, t.source or g.source)
    mmhg = "mmHg"
    for s in bp.schemes:
        group = f"vitals:bp.{s.id}"
        for c in s.categories:
            parts = [p for p in (_condition(c.sbp, _SBP), _condition(c.dbp, _DBP)) if p]
            line = (
                _either(parts, " 或 ", " or ", mmhg)
                if parts
                else LocalizedText(zh="未达到以上任何一级", en="below all the categories above")
            )
            add(bp_id(s.id, c.id), group, s.name, _titled(c.name, line), s.source)
        if s.isolated_systolic is not None:
            iso = s.isolated_systolic
            line = _either(
                [
                    _condition(iso.sbp, _SBP) or _SBP,
                    LocalizedText(
                        zh=f"舒张压 < {iso.dbp_below:g}", en=f"diastolic < {iso.dbp_below:g}"
                    ),
                ],
                " 且 ",
                " and ",
                mmhg,
            )
            add(bp_id(s.id, "isolated_systolic"), group, s.name, _titled(iso.name, line), s.source)
        if s.home_threshold is not None:
            h = s.home_threshold
            add(
                bp_id(s.id, "home_threshold"),
                group,
                s.name,
                LocalizedText(
                    zh=f"家庭血压诊断高血压的切点：{h.sbp:g}/{h.dbp:g} {mmhg}",
                    en="Home blood-pressure threshold for hypertension: "
                    f"{h.sbp:g}/{h.dbp:g} {mmhg}",
                ),
                h.source,
            )
    for b in bmi.schemes:
        for index, band in enumerate(b.categories):
            upper = b.categories[index + 1].at_least if index + 1 < len(b.categories) else None
            line = _bmi_band(band.at_least, upper)
            group = f"vitals:bmi.{b.id}"
            add(bmi_id(b.id, band.id), group, b.name, _titled(band.name, line), b.source)
    for r in alerts.rules:
        cid = alert_id(r.id)
        entries.append(
            KnowledgeEntry(
                id=cid,
                group=cid,
                title=r.title,
                text=r.advice,
                source=r.source,
                sources=(r.source, r.advice_source) if r.advice_source is not None else (),
            )
        )
    for v in references.values:
        line = LocalizedText(
            zh=f"{v.label.zh}（{v.value:g} {v.unit}）", en=f"{v.label.en} ({v.value:g} {v.unit})"
        )
        title = LocalizedText(zh="参考值", en="Reference value")
        add(reference_id(v.id), reference_id(v.id), title, line, v.source)
    return entries_by_id(entries, "vitals")
