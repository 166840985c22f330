"""The lab knowledge's citable entries and their citation ids (docs/evidence.md, "Citable
knowledge entries"): the interpreter builds ids here, the composition root resolves them with
`labs_entries`. Ids come from the catalogue's own test ids (`labs.<test>.interval|critical|
meaning`) and from the fixed rules of the interpreter (`labs.pattern.*`, `labs.egfr.*`,
`labs.departments`), so they are the same in every process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aegle.core.types import KnowledgeEntry, LocalizedText, Source, entries_by_id
from aegle.labs.catalogue import Catalogue, LabTest, ReferenceInterval

LabPart = Literal["interval", "critical", "meaning"]


def lab_citation_id(test_id: str, part: LabPart) -> str:
    return f"labs.{test_id}.{part}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One of the interpreter's own rules: what it says, and the source it was written from."""

    source: str
    title: LocalizedText
    text: LocalizedText


# The interpreter's fixed rules, in our own words from the named source (sources.yaml). The
# pattern texts the interpreter shows are chosen from these.
GLUCOSE_TEXT = LocalizedText(
    zh="空腹血糖≥7.0 mmol/L或糖化血红蛋白≥6.5%达到糖尿病诊断切点；无典型症状时需另日复查确认。",
    en="Fasting glucose of 7.0 mmol/L or more, or HbA1c of 6.5% or more, reaches the diabetes "
    "cut-point; without typical symptoms it must be confirmed on another day.",
)
THYROID_TEXT = LocalizedText(
    zh="甲状腺功能需结合TSH和游离甲状腺素一起判断，通常需复查，并考虑用药、妊娠和近期疾病的影响。",
    en="Thyroid function is judged from TSH and free T4 together; it is usually repeated, taking "
    "medicines, pregnancy and recent illness into account.",
)
INFECTION_TEXT = LocalizedText(
    zh="白细胞和中性粒细胞升高（或伴炎症指标升高）常见于细菌感染，也可见于应激、"
    "糖皮质激素使用或组织损伤；是否感染以及感染部位需结合症状和体检判断。",
    en="Raised white cells and neutrophils (with or without raised inflammation markers) are "
    "common in bacterial infection, but also with stress, corticosteroids or tissue injury; "
    "symptoms and examination decide whether and where there is an infection.",
)
UTI_TEXT = LocalizedText(
    zh="亚硝酸盐和/或白细胞酯酶阳性提示尿路感染的可能；是否感染需结合尿频、尿急、尿痛等症状，必要时做尿培养。",
    en="A positive nitrite and/or leukocyte esterase suggests a urinary infection; symptoms "
    "(frequency, urgency, pain) and, if needed, a urine culture decide.",
)
LIPIDS_TEXT = LocalizedText(
    zh="血脂是否需要治疗取决于整体心血管风险（年龄、血压、吸烟、糖尿病、已有心血管病等），应由医生综合评估。",
    en="Whether lipids need treatment depends on overall cardiovascular risk (age, blood "
    "pressure, smoking, diabetes, existing heart disease); a doctor weighs them together.",
)

LDL_HIGH_RISK = LocalizedText(
    zh="LDL-C≥4.9 mmol/L时指南直接将其列为高危人群。",
    en="An LDL-C of 4.9 mmol/L or more counts as high risk by itself.",
)
TG_PANCREATITIS = LocalizedText(
    zh="甘油三酯≥5.6 mmol/L时急性胰腺炎风险增加，需尽快就医。",
    en="Triglycerides of 5.6 mmol/L or more raise the risk of acute pancreatitis and need "
    "prompt care.",
)

RULES: dict[str, Rule] = {
    "labs.pattern.anaemia": Rule(
        "who_anaemia_2011",
        LocalizedText(zh="贫血", en="Anaemia"),
        LocalizedText(
            zh="血红蛋白低于参考区间即提示贫血；再按红细胞平均体积（MCV）分为小细胞性（偏小）、"
            "大细胞性（偏大）和正细胞性。",
            en="Haemoglobin below its reference interval points to anaemia; the mean red-cell "
            "volume (MCV) then sorts it as microcytic (low), macrocytic (high) or normocytic.",
        ),
    ),
    "labs.pattern.anaemia.causes": Rule(
        "medlineplus",
        LocalizedText(zh="贫血的常见原因", en="Common causes of anaemia"),
        LocalizedText(
            zh="红细胞偏小：最常见是缺铁，其次是地中海贫血等；红细胞偏大：维生素B12或叶酸缺乏、饮酒、"
            "肝病、甲状腺功能减退或药物影响；红细胞大小正常：慢性病、肾脏疾病、急性失血或混合原因。",
            en="Small red cells: iron deficiency most often, thalassaemia trait another; large "
            "red cells: vitamin B12 or folate deficiency, alcohol, liver disease, an underactive "
            "thyroid or medicines; normal-sized red cells: chronic disease, kidney disease, "
            "recent blood loss or mixed causes.",
        ),
    ),
    "labs.pattern.liver": Rule(
        "acg_liver_2017",
        LocalizedText(zh="肝脏酶学异常的类型", en="Liver-test patterns"),
        LocalizedText(
            zh="R 比值 =（ALT/其参考上限）÷（ALP/其参考上限）：≥5 为肝细胞损伤型，≤2 为胆汁淤积型，"
            "介于两者之间为混合型。",
            en="R ratio = (ALT / its upper reference limit) ÷ (ALP / its upper reference "
            "limit): 5 or more is hepatocellular, 2 or less cholestatic, in between mixed.",
        ),
    ),
    "labs.egfr.equation": Rule(
        "ckd_epi_2021",
        LocalizedText(zh="估算肾小球滤过率（eGFR）", en="Estimated GFR (eGFR)"),
        LocalizedText(
            zh="成人的 eGFR 按不含种族系数的 CKD-EPI 2021 肌酐公式，由血清肌酐、年龄和性别计算。",
            en="An adult's eGFR is computed from serum creatinine, age and sex with the "
            "race-free 2021 CKD-EPI creatinine equation.",
        ),
    ),
    "labs.egfr.category": Rule(
        "kdigo_2012",
        LocalizedText(zh="GFR 分期", en="GFR categories"),
        LocalizedText(
            zh="GFR 分期（mL/min/1.73 m²）：G1 ≥90，G2 60–89，G3a 45–59，G3b 30–44，G4 15–29，"
            "G5 <15；低于 60 持续 3 个月以上才符合慢性肾脏病。",
            en="GFR categories (mL/min/1.73 m²): G1 90 or more, G2 60-89, G3a 45-59, G3b 30-44, "
            "G4 15-29, G5 below 15; below 60 for more than 3 months meets the chronic kidney "
            "disease criteria.",
        ),
    ),
    "labs.pattern.glucose": Rule(
        "cn_t2dm_2020",
        LocalizedText(zh="血糖的糖尿病诊断切点", en="Diabetes cut-points"),
        GLUCOSE_TEXT,
    ),
    "labs.pattern.lipids": Rule(
        "cn_lipid_2023",
        LocalizedText(zh="血脂异常", en="Abnormal blood lipids"),
        LocalizedText(
            zh=LIPIDS_TEXT.zh + LDL_HIGH_RISK.zh + TG_PANCREATITIS.zh,
            en=f"{LIPIDS_TEXT.en} {LDL_HIGH_RISK.en} {TG_PANCREATITIS.en}",
        ),
    ),
    "labs.pattern.thyroid": Rule(
        "medlineplus", LocalizedText(zh="甲状腺功能", en="Thyroid function"), THYROID_TEXT
    ),
    "labs.pattern.infection": Rule(
        "medlineplus",
        LocalizedText(zh="炎症/细菌感染样改变", en="Inflammation or bacterial-infection pattern"),
        INFECTION_TEXT,
    ),
    "labs.pattern.uti": Rule(
        "medlineplus",
        LocalizedText(zh="提示泌尿系感染的可能", en="Possible urinary tract infection"),
        UTI_TEXT,
    ),
    "labs.departments": Rule(
        "dept_catalogue",
        LocalizedText(zh="就诊科室", en="Departments"),
        LocalizedText(
            zh="建议的科室使用国家《医疗机构诊疗科目名录》的科目代码和名称。",
            en="Suggested departments use the codes and names of the national catalogue of "
            "medical institution practice subjects (医疗机构诊疗科目名录).",
        ),
    ),
}

_PART_TITLE = {
    "interval": LocalizedText(zh="参考区间", en="reference intervals"),
    "critical": LocalizedText(zh="危急值", en="critical limits"),
    "meaning": LocalizedText(zh="结果的含义", en="what results can mean"),
}
_SEX = {
    "any": LocalizedText(zh="不分性别", en="everyone"),
    "M": LocalizedText(zh="男", en="men"),
    "F": LocalizedText(zh="女", en="women"),
}
_DIRECTION = {
    "high": LocalizedText(zh="偏高", en="High"),
    "low": LocalizedText(zh="偏低", en="Low"),
    "positive": LocalizedText(zh="阳性", en="Positive"),
}


def _age(years: float) -> LocalizedText:
    """An age bound in the unit the knowledge file most likely wrote it in (28d, 6mo, 13y)."""
    days, months = years * 365, years * 12
    if years < 1 and abs(days - round(days)) < 1e-6:
        return LocalizedText(zh=f"{round(days)}天", en=f"{round(days)} d")
    if years < 2 and abs(months - round(months)) < 1e-6:
        return LocalizedText(zh=f"{round(months)}个月", en=f"{round(months)} mo")
    return LocalizedText(zh=f"{years:g}岁", en=f"{years:g} y")


def _limits(low: float | None, high: float | None, unit: str, zh: bool) -> str:
    if low is not None and high is not None:
        return f"{low:g}–{high:g} {unit}"
    if high is not None:
        return f"≤ {high:g} {unit}" if zh else f"up to {high:g} {unit}"
    return f"≥ {low:g} {unit}" if zh else f"from {low:g} {unit}"


def _interval_line(r: ReferenceInterval) -> LocalizedText:
    start = _age(r.age_min)
    if r.age_max is None:
        band = LocalizedText(zh=f"{start.zh}及以上", en=f"{start.en} and over")
    else:
        end = _age(r.age_max)
        band = LocalizedText(zh=f"{start.zh}至不满{end.zh}", en=f"{start.en} to under {end.en}")
    zh = f"{_SEX[r.sex].zh}，{band.zh}：{_limits(r.low, r.high, r.unit, True)}"
    en = f"{_SEX[r.sex].en}, {band.en}: {_limits(r.low, r.high, r.unit, False)}"
    if r.sample is not None:
        zh += "（静脉血）" if r.sample == "venous" else "（末梢血）"
        en += f" ({r.sample} blood)"
    if r.note is not None:
        zh, en = f"{zh}；{r.note.zh}", f"{en}; {r.note.en}"
    return LocalizedText(zh=zh, en=en)


def _unique(sources: list[Source]) -> tuple[Source, ...]:
    return tuple(dict.fromkeys(sources))


def _test_parts(test: LabTest) -> list[tuple[LabPart, LocalizedText, str]]:
    """(part, text, source id of its first source) for each citable part of a test."""
    parts: list[tuple[LabPart, LocalizedText, str]] = []
    if test.reference_intervals:
        lines = [_interval_line(r) for r in test.reference_intervals]
        parts.append(("interval", LocalizedText.lines(lines), test.reference_intervals[0].source))
    if test.critical is not None:
        c, unit = test.critical, test.unit or ""
        lines = []
        if c.low is not None:
            lines.append(LocalizedText(zh=f"低于 {c.low:g} {unit}", en=f"Below {c.low:g} {unit}"))
        if c.high is not None:
            lines.append(LocalizedText(zh=f"高于 {c.high:g} {unit}", en=f"Above {c.high:g} {unit}"))
        parts.append(("critical", LocalizedText.lines(lines), c.source))
    if test.meaning is not None:
        m = test.meaning
        lines = [
            LocalizedText(zh=f"{_DIRECTION[d].zh}：{t.zh}", en=f"{_DIRECTION[d].en}: {t.en}")
            for d, t in (("high", m.high), ("low", m.low), ("positive", m.positive))
            if t is not None
        ]
        if lines:
            parts.append(("meaning", LocalizedText.lines(lines), m.source))
    return parts


def labs_entries(catalogue: Catalogue) -> dict[str, KnowledgeEntry]:
    """Every citable entry of the lab knowledge, by citation id."""
    entries: list[KnowledgeEntry] = []
    for test in catalogue.tests:
        group = f"labs.{test.id}"
        for part, text, source_id in _test_parts(test):
            cid = lab_citation_id(test.id, part)
            sources = (
                _unique([catalogue.sources[r.source] for r in test.reference_intervals])
                if part == "interval"
                else ()
            )
            entries.append(
                KnowledgeEntry(
                    id=cid,
                    group=group,
                    title=LocalizedText(
                        zh=f"{test.name_zh}：{_PART_TITLE[part].zh}",
                        en=f"{test.name_en}: {_PART_TITLE[part].en}",
                    ),
                    text=text,
                    source=catalogue.sources[source_id],
                    sources=sources,
                )
            )
    for cid, rule in RULES.items():
        entries.append(
            KnowledgeEntry(
                id=cid,
                group=cid.rsplit(".", 1)[0] if cid.count(".") > 2 else cid,
                title=rule.title,
                text=rule.text,
                source=catalogue.sources[rule.source],
            )
        )
    return entries_by_id(entries, "labs")
