"""The interview's result: triage with reasons, the differential a clinician would see, departments,
advice, red flags, citations and a pre-consultation summary (text and FHIR)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from aegle.clinic.engine import Interview
from aegle.clinic.entries import clinic_citation_id
from aegle.core.types import TriageLevel

# The shown differential: conditions above SHOW_MIN, most likely first, at most SHOW_MAX, and
# always the top one. A clinician wants the plausible alternatives, not the long tail.
SHOW_MIN = 0.01
SHOW_MAX = 10
TEMPER = 0.3
# A condition drives the triage level once it is this likely (lower bars for the dangerous).
LEVEL_BAR = {
    TriageLevel.EMERGENCY_AMBULANCE: 0.35,
    TriageLevel.EMERGENCY: 0.1,
    TriageLevel.URGENT: 0.2,
    TriageLevel.ROUTINE: 0.2,
    TriageLevel.SELF_CARE: 0.2,
}
AMBULANCE_AS_EMERGENCY_BAR = 0.08
DEPT_WEIGHTS = (1.0, 0.45, 0.25)
CHILD_AGE = 14
CHILD_KEEPS = ("04", "10", "11", "12", "13", "14", "15", "20", "05")

_TEXT = {
    "possible": {"zh": "可能是{name}（{p}%）", "en": "Possible {name} ({p}%)"},
    "summary_title": {"zh": "预问诊摘要", "en": "Pre-consultation summary"},
    "cc": {"zh": "主诉", "en": "Chief complaint"},
    "hpi": {"zh": "现病史", "en": "History of present illness"},
    "pos": {"zh": "阳性发现", "en": "Pertinent positives"},
    "neg": {"zh": "阴性发现", "en": "Pertinent negatives"},
    "flags": {"zh": "已筛查的危险信号", "en": "Red flags screened"},
    "fired": {"zh": "出现的危险信号", "en": "Red flags present"},
    "answers": {"zh": "问答原文", "en": "Answers verbatim"},
    "ddx": {"zh": "鉴别诊断（供医生参考）", "en": "Differential (for the clinician)"},
    "triage": {"zh": "分诊级别", "en": "Triage level"},
    "none": {"zh": "无", "en": "none"},
    "disclaimer": {
        "zh": "本结果由程序根据您的描述生成，仅供参考，不能替代医生的诊断。",
        "en": "This result is generated from what you told us; it is guidance, not a diagnosis.",
    },
    "no_info": {
        "zh": "信息不足，无法判断；如有不适请咨询医生。",
        "en": "Not enough information to assess; please see a doctor if you are unwell.",
    },
    "duration": {"zh": "病程", "en": "Duration"},
    "age_sex": {"zh": "年龄/性别", "en": "Age/sex"},
}


_SAID_ZH = {"yes": "是", "no": "否", "unknown": "不知道"}


def _said(verbatim: str, lang: str) -> str:
    """Structured answers in the reader's language; free text stays verbatim."""
    return _SAID_ZH.get(verbatim, verbatim) if lang == "zh-CN" else verbatim


def _t(key: str, lang: str) -> str:
    return _TEXT[key]["zh" if lang == "zh-CN" else "en"]


@dataclass(frozen=True)
class Shown:
    condition: str
    probability: float


def _shown(iv: Interview, pi: np.ndarray[Any, np.dtype[np.float64]]) -> list[Shown]:
    """Ranked by the posterior; the list holds the conditions that stay compatible with the
    answers (tempered posterior above SHOW_MIN), as a clinician's differential would."""
    soft = iv.tempered(TEMPER)
    order = np.argsort(-pi, kind="stable")
    out: list[Shown] = []
    for i in order[:SHOW_MAX]:
        if out and float(soft[i]) < SHOW_MIN:
            continue
        out.append(Shown(iv.model.condition_ids[int(i)], float(pi[i])))
    return out


def _evidence_for(iv: Interview, cid: str) -> tuple[list[str], list[str]]:
    """Answers that raised (supporting) or lowered (against) this condition the most."""
    ci = iv.model.condition_index[cid]
    pres = iv.model.present
    avg = iv.model.mean_present
    scored: list[tuple[float, str, bool]] = []
    for fid, present in iv.known.items():
        fi = iv.model.finding_index[fid]
        p, q = float(pres[fi, ci]), float(avg[fi])
        lr = np.log(p / q) if present else np.log((1 - p) / (1 - q))
        scored.append((float(lr), fid, present))
    scored.sort(key=lambda x: (-abs(x[0]), x[1]))
    kb = iv.model.kb
    lang = iv.lang
    supporting = [
        _finding_phrase(kb.findings[f].name.get(lang), pr, lang) for lr, f, pr in scored if lr > 0.4
    ][:5]
    against = [
        _finding_phrase(kb.findings[f].name.get(lang), pr, lang)
        for lr, f, pr in scored
        if lr < -0.4
    ][:5]
    return supporting, against


def _finding_phrase(name: str, present: bool, lang: str) -> str:
    if present:
        return name
    return ("无" + name) if lang == "zh-CN" else f"no {name[0].lower() + name[1:]}"


def _present_set(iv: Interview) -> set[str]:
    return {f for f, v in iv.known.items() if v}


def triage(iv: Interview, shown: list[Shown]) -> tuple[TriageLevel, list[str], list[str]]:
    kb = iv.model.kb
    lang = iv.lang
    levels: list[TriageLevel] = []
    reasons: list[str] = []
    fired: list[str] = []
    present = _present_set(iv)
    for rule in kb.red_flags:
        if rule.fires(present, iv.age):
            levels.append(rule.level)
            fired.append(rule.reason.get(lang))
    for s in shown:
        cond = kb.conditions[s.condition]
        level = cond.triage
        if level == TriageLevel.EMERGENCY_AMBULANCE and s.probability < LEVEL_BAR[level]:
            if s.probability >= AMBULANCE_AS_EMERGENCY_BAR:
                level = TriageLevel.EMERGENCY
            else:
                continue
        first = s is shown[0]
        strong = s.probability >= LEVEL_BAR[level]
        if first or (strong and level.rank <= TriageLevel.EMERGENCY.rank):
            levels.append(level)
            reasons.append(
                _t("possible", lang).format(name=cond.name.get(lang), p=round(100 * s.probability))
            )
    level = TriageLevel.most_urgent(levels) or TriageLevel.ROUTINE
    return level, [*fired, *reasons], fired


def departments(iv: Interview, shown: list[Shown], level: TriageLevel) -> list[dict[str, str]]:
    kb = iv.model.kb
    score: dict[str, float] = {}
    for s in shown:
        for w, code in zip(DEPT_WEIGHTS, kb.conditions[s.condition].departments, strict=False):
            score[code] = score.get(code, 0.0) + w * s.probability
    text = (iv.opening or "").lower()
    if text:
        for hint in kb.department_hints:
            words = hint.zh + hint.en
            hits = sum(1 for w in words if w.lower() in text)
            if hits:
                score[hint.department] = score.get(hint.department, 0.0) + hint.weight * hits
    if _is_child(iv) and score:
        # Children see paediatrics for medical problems; surgical, ENT, eye, skin and teeth
        # problems keep their specialty (paediatric surgery is 08, not routed here).
        best = max(score, key=lambda c: (score[c], c))
        if not best.startswith(CHILD_KEEPS):
            score["07"] = score[best] + 0.5
    # An ambulance case goes to the emergency department; for an "emergency" case the triage
    # level already says "go now", so the specialty leads and 急诊 follows.
    top = max(score.values(), default=0.0)
    if level == TriageLevel.EMERGENCY_AMBULANCE:
        score["20"] = top + 1.0
    elif level == TriageLevel.EMERGENCY:
        score["20"] = top * 0.999 if score else 1.0
    else:
        score.pop("20", None)
    ranked = sorted(score, key=lambda c: (-score[c], c))[:3]
    out = []
    for code in ranked:
        d = kb.departments[code]
        out.append({"code": code, "name": d.name.zh, "name_en": d.name.en})
    return out


_CHILD_WORDS = re.compile(r"宝宝|婴儿|新生儿|小儿|患儿|幼儿|\b(?:baby|infant|toddler|newborn)\b")
_ADULT_CONTEXT = re.compile(r"怀孕|孕|哺乳|母乳|喂奶|产后|备孕|月子|pregnan|breastfe")


def _is_child(iv: Interview) -> bool:
    """By age when known; otherwise by words such as 宝宝 in the opening words, unless the
    message is about pregnancy or breastfeeding (then 宝宝 is the asker's baby, not the patient)."""
    if iv.age is not None:
        return iv.age < CHILD_AGE
    text = (iv.opening or "")[:80].lower()
    return bool(_CHILD_WORDS.search(text)) and not _ADULT_CONTEXT.search((iv.opening or "").lower())


def build_result(iv: Interview) -> dict[str, Any]:
    kb = iv.model.kb
    lang = iv.lang
    pi = iv.posterior()
    informative = bool(iv.known or iv.values or iv.mentions)
    shown = _shown(iv, pi) if informative else []
    level, reasons, fired = triage(iv, shown) if informative else (TriageLevel.ROUTINE, [], [])
    if not informative:
        reasons = [_t("no_info", lang)]
    differential = []
    citations: dict[str, dict[str, Any]] = {}
    for s in shown:
        c = kb.conditions[s.condition]
        sup, against = _evidence_for(iv, s.condition)
        differential.append(
            {
                "name": c.name.zh,
                "name_en": c.name.en,
                "icd10": c.icd10,
                "codes": list(c.codes),
                "probability": round(s.probability, 4),
                "triage": c.triage.value,
                "supporting": sup,
                "against": against,
            }
        )
        cid = clinic_citation_id("condition", c.id)
        citations[cid] = kb.citation(cid, c.source).model_dump(exclude_none=True)
    advice: list[str] = []
    warnings: list[str] = []
    for s in shown[:2]:
        entry = kb.advice[kb.conditions[s.condition].advice]
        for a in entry.advice:
            if a.get(lang) not in advice:
                advice.append(a.get(lang))
        for w in entry.warning_signs:
            if w.get(lang) not in warnings:
                warnings.append(w.get(lang))
        aid = clinic_citation_id("advice", entry.id)
        citations[aid] = kb.citation(aid, entry.source).model_dump(exclude_none=True)
    present = _present_set(iv)
    for rule in kb.red_flags:
        if rule.fires(present, iv.age):
            rid = clinic_citation_id("red_flag", rule.id)
            citations[rid] = kb.citation(rid, rule.source).model_dump(exclude_none=True)
    advice.append(_t("disclaimer", lang))
    depts = departments(iv, shown, level)
    summary = pre_consultation(iv, level, shown, fired)
    return {
        "type": "result",
        "questions_asked": iv.questions_asked,
        "triage": {"level": level.value, "reasons": reasons},
        "differential": differential,
        "departments": depts,
        "red_flags": fired,
        "advice": advice,
        "warning_signs": warnings,
        "citations": list(citations.values()),
        "summary": summary,
    }


def pre_consultation(
    iv: Interview, level: TriageLevel, shown: list[Shown], fired: list[str]
) -> dict[str, Any]:
    kb = iv.model.kb
    lang = iv.lang
    names = {f: kb.findings[f].name.get(lang) for f in iv.known}
    positives = [names[f] for f, v in iv.known.items() if v]
    negatives = [names[f] for f, v in iv.known.items() if not v]
    for fid, vals in iv.values.items():
        finding = kb.findings[fid]
        labels = {o.code: o.name.get(lang) for o in finding.options}
        positives.append(f"{finding.name.get(lang)}: " + ", ".join(labels.get(v, v) for v in vals))
    screened = sorted({f for s in kb.screens for f in s.ask if f in iv.known})
    u = iv.understanding
    hpi_parts = []
    if iv.age is not None or iv.sex:
        hpi_parts.append(
            f"{_t('age_sex', lang)}: {iv.age if iv.age is not None else '?'}/{iv.sex or '?'}"
        )
    if u is not None and u.duration_text:
        hpi_parts.append(f"{_t('duration', lang)}: {u.duration_text}")
    sep = "；" if lang == "zh-CN" else "; "
    none = _t("none", lang)
    lines = [
        _t("summary_title", lang),
        f"{_t('cc', lang)}: {(iv.opening or none)[:500]}",
        f"{_t('hpi', lang)}: {sep.join(hpi_parts) or none}",
        f"{_t('pos', lang)}: {sep.join(positives) or none}",
        f"{_t('neg', lang)}: {sep.join(negatives) or none}",
        f"{_t('flags', lang)}: {sep.join(names[f] for f in screened) or none}",
        f"{_t('fired', lang)}: {sep.join(fired) or none}",
        f"{_t('triage', lang)}: {level.value}",
        f"{_t('ddx', lang)}: "
        + (
            sep.join(
                f"{kb.conditions[s.condition].name.get(lang)} {s.probability:.0%}"
                for s in shown[:5]
            )
            or none
        ),
        f"{_t('answers', lang)}:",
        *[f"  {r.question.text} -> {_said(r.verbatim, lang)}" for r in iv.records],
    ]
    return {"text": "\n".join(lines), "fhir": fhir_resources(iv, level, shown)}


def fhir_resources(iv: Interview, level: TriageLevel, shown: list[Shown]) -> dict[str, Any]:
    """A QuestionnaireResponse (the answers verbatim) and a ClinicalImpression-style summary."""
    kb = iv.model.kb
    items = []
    if iv.opening:
        items.append(
            {
                "linkId": "opening",
                "text": "Opening message",
                "answer": [{"valueString": iv.opening[:2000]}],
            }
        )
    for r in iv.records:
        items.append(
            {
                "linkId": r.question.id,
                "text": r.question.text,
                # The finding the question asked about, as a URI (the codes are in the result).
                "definition": f"urn:aegle:clinic:finding:{r.question.finding}",
                "answer": [{"valueString": r.verbatim}],
            }
        )
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}
    impression = {
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "subject": {"display": "Interviewed person"},
        "description": f"Triage: {level.value}",
        "finding": [
            {
                "itemCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/sid/icd-10",
                            "code": kb.conditions[s.condition].icd10,
                            "display": kb.conditions[s.condition].name.en,
                        }
                    ]
                },
                "basis": f"probability {s.probability:.2f}",
            }
            for s in shown[:5]
        ],
        "note": [{"text": "Generated by Aegle clinic mode; not a diagnosis."}],
    }
    return {"questionnaire_response": qr, "clinical_impression": impression}


__all__ = ["build_result"]
