"""Machine (JSON-ready dicts) and human (plain text, zh-CN/en) views of parsed reports."""

from __future__ import annotations

from typing import Any

from aegle.core.types import LocaleCode, LocalizedText
from aegle.labs.catalogue import Catalogue
from aegle.labs.interpret import Assessment, Explanation
from aegle.labs.model import LabItem, ParsedReport


def item_json(item: LabItem) -> dict[str, Any]:
    """One item in the `aegle labs parse --json` shape (issue 4)."""
    ref = item.reference_range
    value: float | str | None
    if item.value is not None and item.comparator is None and item.qualitative is None:
        value = item.value
    else:
        value = item.value_text
    return {
        "name": item.name,
        "loinc": item.loinc,
        "value": value,
        "unit": item.unit or item.ucum,
        "flag": item.flag,
        "reference_range": None
        if ref is None
        else {"low": ref.low, "high": ref.high, "text": ref.text, "origin": ref.origin},
    }


def report_json(report: ParsedReport) -> dict[str, Any]:
    return {"items": [item_json(item) for item in report.items]}


def catalogue_json(catalogue: Catalogue) -> dict[str, Any]:
    """The `aegle labs catalogue --json` shape (issue 4)."""
    tests = []
    for test in catalogue.tests:
        tests.append(
            {
                "loinc": list(test.loinc),
                "name_zh": test.name_zh,
                "name_en": test.name_en,
                "aliases": list(test.aliases),
                "unit": test.unit,
                "reference_intervals": [
                    {
                        "sex": r.sex,
                        "age_min": r.age_min,
                        "age_max": r.age_max,
                        "low": r.low,
                        "high": r.high,
                        "unit": r.unit,
                        "source": _source_text(catalogue, r.source),
                    }
                    for r in test.reference_intervals
                ],
            }
        )
    return {"tests": tests}


def _source_text(catalogue: Catalogue, source_id: str) -> str:
    source = catalogue.sources[source_id]
    return f"{source.title} ({source.edition})"


_LABELS = {
    "title": LocalizedText(zh="化验单解读", en="Lab report explained"),
    "summary": LocalizedText(
        zh="共读取 {total} 项结果：危急 {critical} 项，异常 {abnormal} 项，正常 {normal} 项。",
        en="{total} results read: {critical} critical, {abnormal} abnormal, {normal} normal.",
    ),
    "critical": LocalizedText(zh="危急值", en="Critical results"),
    "abnormal": LocalizedText(zh="异常结果", en="Abnormal results"),
    "normal": LocalizedText(
        zh="{n} 项结果在参考范围内。", en="Results within the reference range: {n}."
    ),
    "all_normal": LocalizedText(
        zh="所有可判断的结果都在参考范围内。",
        en="All results that could be judged are within range.",
    ),
    "unknown": LocalizedText(
        zh="缺少参考范围、无法判断的结果（{n} 项）：{names}",
        en="Results without a reference range, not judged ({n}): {names}",
    ),
    "patterns": LocalizedText(zh="综合提示", en="Patterns across results"),
    "egfr": LocalizedText(
        zh="估算肾小球滤过率（CKD-EPI 2021）：{v:.0f} mL/min/1.73m²",
        en="Estimated GFR (CKD-EPI 2021): {v:.0f} mL/min/1.73m²",
    ),
    "department": LocalizedText(zh="建议就诊科室", en="Department to see"),
    "questions": LocalizedText(zh="可以问医生的问题", en="Questions to ask your doctor"),
    "limits": LocalizedText(zh="需要知道的局限", en="What this cannot tell you"),
    "sources": LocalizedText(zh="参考来源", en="Sources"),
    "range": LocalizedText(zh="参考范围", en="reference"),
    "default": LocalizedText(zh="默认", en="default"),
    "high": LocalizedText(zh="偏高", en="high"),
    "in_range": LocalizedText(zh="正常", en="in range"),
    "not_judged": LocalizedText(zh="无法判断", en="not judged"),
    "low": LocalizedText(zh="偏低", en="low"),
    "abnormal_status": LocalizedText(zh="异常", en="abnormal"),
    "critical_high": LocalizedText(zh="危急偏高", en="critically high"),
    "critical_low": LocalizedText(zh="危急偏低", en="critically low"),
}


# Statuses whose label key differs from the status (the plain keys name summary lines).
_STATUS_LABEL = {"abnormal": "abnormal_status", "normal": "in_range", "unknown": "not_judged"}


def _label(key: str, locale: LocaleCode) -> str:
    return _LABELS[key].get(locale)


def _line(assessment: Assessment, locale: LocaleCode, numbers: dict[str, int]) -> str:
    item = assessment.item
    ref = item.reference_range
    parts = [f"- {item.name}: {item.shown}"]
    status = _STATUS_LABEL.get(assessment.status, assessment.status)
    parts.append(f" ({_label(status, locale)}")
    if ref is not None and ref.text:
        origin = f", {_label('default', locale)}" if ref.origin == "default" else ""
        parts.append(f"; {_label('range', locale)} {ref.text}{origin}")
    parts.append(")")
    text = "".join(parts) + _refs(assessment.citations, numbers)
    if assessment.meaning:
        text += f"\n  {assessment.meaning.get(locale)}"
    return text


def _numbering(explanation: Explanation) -> tuple[dict[str, int], list[str]]:
    """One number per distinct source passage; several citation ids may share it."""
    numbers: dict[str, int] = {}
    listing: list[str] = []
    seen: dict[str, int] = {}
    for citation in explanation.citations:
        section = f", {citation.section}" if citation.section else ""
        text = f"{citation.source}{section}"
        if text not in seen:
            listing.append(text)
            seen[text] = len(listing)
        numbers[citation.id] = seen[text]
    return numbers, listing


def _refs(ids: list[str], numbers: dict[str, int]) -> str:
    return "".join(f"[{n}]" for n in sorted(_cited(ids, numbers)))


def _cited(ids: list[str], numbers: dict[str, int]) -> dict[int, str]:
    """Source number -> the first of `ids` that cites it (the entry its mark opens)."""
    cited: dict[int, str] = {}
    for cid in ids:
        if cid in numbers:
            cited.setdefault(numbers[cid], cid)
    return cited


def _in_order(explanation: Explanation) -> list[Assessment]:
    """Every result in report order (the JSON's `results`)."""
    groups = (
        explanation.critical,
        explanation.abnormal,
        explanation.normal,
        explanation.unknown,
    )
    return sorted((a for group in groups for a in group), key=lambda a: (a.item.line, a.item.name))


def explanation_text(explanation: Explanation, locale: LocaleCode) -> str:
    numbers, listing = _numbering(explanation)
    out: list[str] = [f"# {_label('title', locale)}", ""]
    total = sum(
        len(group)
        for group in (
            explanation.critical,
            explanation.abnormal,
            explanation.normal,
            explanation.unknown,
        )
    )
    out += [
        _label("summary", locale).format(
            total=total,
            critical=len(explanation.critical),
            abnormal=len(explanation.abnormal),
            normal=len(explanation.normal),
        ),
        "",
    ]
    if explanation.critical:
        from aegle.labs.interpret import CRITICAL_ADVICE

        out += [f"## ⚠ {_label('critical', locale)}", CRITICAL_ADVICE.get(locale)]
        out += [_line(a, locale, numbers) for a in explanation.critical]
        out.append("")
    if explanation.abnormal:
        out.append(f"## {_label('abnormal', locale)}")
        out += [_line(a, locale, numbers) for a in explanation.abnormal]
        out.append("")
    if explanation.normal:
        key = "normal" if (explanation.abnormal or explanation.critical) else "all_normal"
        out.append(_label(key, locale).format(n=len(explanation.normal)))
    if explanation.unknown:
        joiner = "、" if locale == "zh-CN" else ", "
        names = joiner.join(a.item.name for a in explanation.unknown)
        out.append(_label("unknown", locale).format(n=len(explanation.unknown), names=names))
    if explanation.egfr is not None:
        out.append(_label("egfr", locale).format(v=explanation.egfr))
    out.append("")
    if explanation.patterns:
        out.append(f"## {_label('patterns', locale)}")
        for pattern in explanation.patterns:
            refs = _refs(pattern.citations, numbers)
            out.append(f"- {pattern.title.get(locale)}: {pattern.detail.get(locale)}{refs}")
        out.append("")
    if explanation.departments:
        out.append(f"## {_label('department', locale)}")
        for dept in explanation.departments:
            name = dept.name_zh if locale == "zh-CN" else dept.name_en
            out.append(f"- {dept.code} {name}")
        out.append("")
    if explanation.questions:
        out.append(f"## {_label('questions', locale)}")
        out += [f"- {q.get(locale)}" for q in explanation.questions]
        out.append("")
    out += [f"## {_label('limits', locale)}", explanation.limitations.get(locale)]
    out += [note.get(locale) for note in explanation.notes]
    out.append("")
    out.append(f"## {_label('sources', locale)}")
    out += [f"[{index}] {text}" for index, text in enumerate(listing, start=1)]
    return "\n".join(out).rstrip() + "\n"


def assessment_line(assessment: Assessment, locale: LocaleCode) -> str:
    """One result as a short line (name, value, unit, status, range) without citation marks."""
    return _line(assessment, locale, {}).removeprefix("- ")


def status_label(status: str, locale: LocaleCode) -> str:
    """The short word for a result's status ("偏高", "in range", ...)."""
    return _label(_STATUS_LABEL.get(status, status), locale)


def explanation_json(
    explanation: Explanation, locale: LocaleCode, *, entry_ids: bool = False
) -> dict[str, Any]:
    """The explanation in one language, JSON-ready: every result with its status, then the
    summary, patterns, departments, questions, limits and numbered sources (API and web).
    With `entry_ids` (the web, which links them to their entry pages; the API keeps plain
    numbers), each result and pattern gains `source_links` (number -> the entry its mark
    opens) and each listed source the `id` of its first citing entry."""
    numbers, listing = _numbering(explanation)
    ordered = _in_order(explanation)
    total = len(ordered)

    def linked(row: dict[str, Any], ids: list[str]) -> dict[str, Any]:
        cited = _cited(ids, numbers)
        row["sources"] = sorted(cited)
        if entry_ids:
            row["source_links"] = cited
        return row

    results = []
    for assessment in ordered:
        results.append(
            linked(
                {
                    **item_json(assessment.item),
                    "value_text": assessment.item.value_text,
                    "status": assessment.status,
                    "status_label": status_label(assessment.status, locale),
                    "abnormal": assessment.status not in ("normal", "unknown"),
                    "critical": assessment.status.startswith("critical"),
                    "meaning": assessment.meaning.get(locale) if assessment.meaning else None,
                },
                assessment.citations,
            )
        )
    sources: list[dict[str, Any]] = [
        {"number": i, "text": text} for i, text in enumerate(listing, start=1)
    ]
    if entry_ids:
        first: dict[int, str] = {}
        for citation in explanation.citations:
            first.setdefault(numbers[citation.id], citation.id)
        for source in sources:
            source["id"] = first[source["number"]]
    from aegle.labs.interpret import CRITICAL_ADVICE

    return {
        "triage": explanation.triage.value,
        "summary": _label("summary", locale).format(
            total=total,
            critical=len(explanation.critical),
            abnormal=len(explanation.abnormal),
            normal=len(explanation.normal),
        ),
        "critical_advice": CRITICAL_ADVICE.get(locale) if explanation.critical else None,
        "results": results,
        "egfr": explanation.egfr,
        "patterns": [
            linked(
                {"id": p.id, "title": p.title.get(locale), "detail": p.detail.get(locale)},
                p.citations,
            )
            for p in explanation.patterns
        ],
        "departments": [
            {"code": d.code, "name": d.name_zh if locale == "zh-CN" else d.name_en}
            for d in explanation.departments
        ],
        "questions": [q.get(locale) for q in explanation.questions],
        "limitations": explanation.limitations.get(locale),
        "notes": [note.get(locale) for note in explanation.notes],
        "sources": sources,
    }
