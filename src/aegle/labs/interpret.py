"""Explain a parsed report: each result judged, critical values first, patterns across results,
the department to see, questions for the doctor, citations, and what a report cannot tell.

All clinical rules here are deterministic and cite the knowledge entry or guideline they use.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aegle.core.types import Citation, Department, Frozen, LocalizedText, Severity, TriageLevel
from aegle.labs.catalogue import ADULT_AGE, Catalogue, LabTest, default_catalogue
from aegle.labs.entries import (
    GLUCOSE_TEXT,
    INFECTION_TEXT,
    LDL_HIGH_RISK,
    LIPIDS_TEXT,
    RULES,
    TG_PANCREATITIS,
    THYROID_TEXT,
    UTI_TEXT,
    lab_citation_id,
)
from aegle.labs.model import LabItem, ParsedReport

Status = Literal["normal", "high", "low", "abnormal", "critical_high", "critical_low", "unknown"]

DEPARTMENTS: dict[str, tuple[str, str]] = {
    "03": ("内科", "Internal medicine"),
    "03.02": ("消化内科专业", "Gastroenterology"),
    "03.04": ("心血管内科专业", "Cardiology"),
    "03.05": ("血液内科专业", "Haematology"),
    "03.06": ("肾病学专业", "Nephrology"),
    "03.07": ("内分泌专业", "Endocrinology"),
    "03.08": ("免疫学专业", "Clinical immunology"),
    "03.09": ("变态反应专业", "Allergy"),
    "04.04": ("泌尿外科专业", "Urology"),
    "05": ("妇产科", "Obstetrics and gynaecology"),
    "07": ("儿科", "Paediatrics"),
    "13": ("皮肤科", "Dermatology"),
    "15": ("精神科", "Psychiatry"),
    "16": ("传染科", "Infectious diseases"),
    "19": ("肿瘤科", "Oncology"),
    "20": ("急诊医学科", "Emergency medicine"),
}


def department(code: str) -> Department:
    name_zh, name_en = DEPARTMENTS[code]
    return Department(code=code, name_zh=name_zh, name_en=name_en)


class Assessment(Frozen):
    item: LabItem
    status: Status
    severity: Severity | None = None
    meaning: LocalizedText | None = None
    citations: list[str] = Field(default_factory=list)


class Pattern(Frozen):
    id: str
    title: LocalizedText
    detail: LocalizedText
    department: str | None = None
    severity: Severity = Severity.MODERATE
    citations: list[str] = Field(default_factory=list)


class Explanation(Frozen):
    triage: TriageLevel
    critical: list[Assessment]
    abnormal: list[Assessment]
    normal: list[Assessment]
    unknown: list[Assessment]
    patterns: list[Pattern]
    egfr: float | None = None
    departments: list[Department]
    questions: list[LocalizedText]
    limitations: LocalizedText
    notes: list[LocalizedText] = Field(default_factory=list)
    citations: list[Citation]


LIMITATIONS = LocalizedText(
    zh=(
        "化验单本身不能做出诊断：结果需要结合症状、体检、病史、用药和其他检查综合判断；"
        "单次轻度异常常常没有临床意义，也可能受饮食、运动、采血时间或检测方法影响。"
        "请把完整报告交给医生解读，不要仅凭本说明自行用药或停药。"
    ),
    en=(
        "A lab report alone cannot make a diagnosis: results must be read together with symptoms, "
        "examination, history, medicines and other tests. A single mildly abnormal value is often "
        "not significant and can be affected by food, exercise, the time of sampling or the "
        "method. "
        "Please have a doctor review the full report; do not start or stop medicines based on this "
        "explanation alone."
    ),
)

# Two ages, two purposes. Reference intervals: a child is anyone under ADULT_AGE (18), where the
# children's standards WS/T 779/780 end and WS/T 405 begins, so the note below follows the
# intervals actually used. Department: 儿科 sees children under 14 in Chinese hospitals.
PAEDIATRICS_AGE = 14
CHILD_NOTE = LocalizedText(
    zh="这是未满18岁者的化验单：儿童和青少年的参考范围随年龄变化。报告上印的参考范围优先；没有印时，"
    "只有国家儿童标准覆盖的项目按年龄使用儿童参考区间（血常规按 WS/T 779-2021 静脉血，生化按 "
    "WS/T 780-2021，均到18岁），从不套用成人默认值。",
    en="This report is for someone under 18: reference ranges for children and teenagers change "
    "with age. A range printed on the report comes first; where none is printed, only tests "
    "covered by the national children's standards get an age-matched default (blood count: "
    "WS/T 779-2021, venous blood; chemistry: WS/T 780-2021; both up to 18 years), never an adult "
    "one.",
)

CAPILLARY_NOTE = LocalizedText(
    zh="报告写明是指尖（末梢）血：血常规的默认参考范围是按静脉血制定的，这里没有使用，"
    "请以报告上印的参考范围为准。",
    en="The report says the blood was a finger-prick (capillary) sample: the default blood-count "
    "ranges were set on venous blood, so they were not used; go by the ranges printed on the "
    "report.",
)

NO_DEMOGRAPHICS_NOTE = LocalizedText(
    zh="报告中没有读到性别或年龄，按性别、年龄区分的默认参考范围没有使用；"
    "提供性别和年龄后可以判断更多结果。",
    en="Sex or age was not found on the report, so default ranges that depend on them were not "
    "used; giving sex and age lets more results be judged.",
)

CRITICAL_ADVICE = LocalizedText(
    zh="有结果达到危急值：请立即联系开单医生或尽快到急诊就医，不要等待。",
    en="A result is at a critical level: contact the ordering doctor now or go to an emergency "
    "department without waiting.",
)

GENERIC_QUESTIONS = [
    LocalizedText(
        zh="这些异常结果对我意味着什么？需要复查吗？什么时候复查？",
        en="What do these abnormal results mean for me? Should they be repeated, and when?",
    ),
    LocalizedText(
        zh="我的用药、饮食或近期情况会影响这些结果吗？",
        en="Could my medicines, diet or recent events have affected these results?",
    ),
]


class Interpreter:
    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or default_catalogue()
        self._cited: dict[str, Citation] = {}

    def _cite(self, cid: str, source_id: str) -> str:
        self._cited[cid] = Citation.from_source(cid, self.catalogue.sources[source_id])
        return cid

    def _cite_rule(self, cid: str) -> str:
        """One of the interpreter's own rules (entries.RULES), with its source."""
        return self._cite(cid, RULES[cid].source)

    # -- single results ---------------------------------------------------------------
    def value_in_test_unit(self, item: LabItem, test: LabTest) -> float | None:
        if item.value is None or test.unit is None:
            return None
        if item.ucum:
            factor = test.factor_from(item.ucum)
            return None if factor is None else item.value * factor
        ref = item.reference_range
        if ref is not None and ref.origin == "default":
            return item.value
        default = test.reference_intervals[0] if test.reference_intervals else None
        if ref is None or default is None:
            return None
        # No unit printed: trust the value's scale only when the printed range agrees.
        mine = [v for v in (ref.low, ref.high) if v]
        theirs = [v for v in (default.low, default.high) if v]
        if not mine or not theirs:
            return None
        ratio = max(mine) / max(theirs)
        return item.value if 1 / 3 <= ratio <= 3 else None

    def assess(self, item: LabItem) -> Assessment:
        test = self.catalogue.by_id.get(item.test_id) if item.test_id else None
        citations: list[str] = []
        if test is not None and item.reference_range and item.reference_range.source:
            citations.append(
                self._cite(lab_citation_id(test.id, "interval"), item.reference_range.source)
            )
        if test is not None and test.critical is not None:
            value = self.value_in_test_unit(item, test)
            if value is not None:
                cid = lab_citation_id(test.id, "critical")
                if test.critical.low is not None and value < test.critical.low:
                    self._cite(cid, test.critical.source)
                    return Assessment(
                        item=item,
                        status="critical_low",
                        severity=Severity.CRITICAL,
                        meaning=self._meaning(test, "low", citations),
                        citations=[cid, *citations],
                    )
                if test.critical.high is not None and value > test.critical.high:
                    self._cite(cid, test.critical.source)
                    return Assessment(
                        item=item,
                        status="critical_high",
                        severity=Severity.CRITICAL,
                        meaning=self._meaning(test, "high", citations),
                        citations=[cid, *citations],
                    )
        if item.flag is None:
            known = item.reference_range is not None or item.qualitative is not None
            return Assessment(item=item, status="normal" if known else "unknown")
        if item.flag == "A":
            meaning = self._meaning(test, "positive", citations) if test else None
            severity = Severity.MODERATE if (item.grade or "1")[0] in "234" else Severity.LOW
            return Assessment(
                item=item,
                status="abnormal",
                severity=severity,
                meaning=meaning,
                citations=citations,
            )
        direction: Literal["high", "low"] = "high" if item.flag == "H" else "low"
        meaning = self._meaning(test, direction, citations) if test else None
        return Assessment(
            item=item,
            status=direction,
            severity=_severity(item),
            meaning=meaning,
            citations=citations,
        )

    def _meaning(self, test: LabTest, direction: str, citations: list[str]) -> LocalizedText | None:
        if test.meaning is None:
            return None
        text: LocalizedText | None = getattr(test.meaning, direction)
        if text is not None:
            citations.append(self._cite(lab_citation_id(test.id, "meaning"), test.meaning.source))
        return text

    # -- the report -------------------------------------------------------------------
    def explain(self, report: ParsedReport) -> Explanation:
        self._cited = {}
        assessments = [self.assess(item) for item in report.items]
        critical = [a for a in assessments if a.severity == Severity.CRITICAL]
        abnormal = [a for a in assessments if a.status in ("high", "low", "abnormal")]
        abnormal.sort(key=lambda a: list(Severity).index(a.severity or Severity.INFO), reverse=True)
        by_test: dict[str | None, Assessment] = {
            a.item.test_id: a for a in assessments if a.item.test_id
        }
        patterns, egfr = self._patterns(by_test, report)
        codes: list[str] = []
        if critical:
            codes.append("20")
        child = report.age is not None and report.age < ADULT_AGE
        paediatric = report.age is not None and report.age < PAEDIATRICS_AGE
        if paediatric and (abnormal or patterns or critical):
            codes.append("07")
        for pattern in patterns:
            if pattern.department and pattern.department not in codes:
                codes.append(pattern.department)
        serious = [a for a in abnormal if a.severity in (Severity.MODERATE, Severity.HIGH)]
        for a in [*critical, *(serious or abnormal)]:
            test = self.catalogue.by_id.get(a.item.test_id or "")
            if test and test.department and test.department not in codes:
                codes.append(test.department)
        if critical:
            triage = TriageLevel.EMERGENCY
        elif abnormal or patterns:
            triage = TriageLevel.ROUTINE
        else:
            triage = TriageLevel.SELF_CARE
        questions = list(GENERIC_QUESTIONS) if (abnormal or critical) else []
        questions.extend(_PATTERN_QUESTIONS[p.id] for p in patterns if p.id in _PATTERN_QUESTIONS)
        self._cite_rule("labs.departments")
        return Explanation(
            triage=triage,
            critical=critical,
            abnormal=[a for a in abnormal if a not in critical],
            normal=[a for a in assessments if a.status == "normal"],
            unknown=[a for a in assessments if a.status == "unknown"],
            patterns=patterns,
            egfr=egfr,
            departments=[department(code) for code in codes[:3]],
            questions=questions,
            limitations=LIMITATIONS,
            notes=self._notes(report, child),
            citations=list(self._cited.values()),
        )

    def _notes(self, report: ParsedReport, child: bool) -> list[LocalizedText]:
        notes = [CHILD_NOTE] if child else []
        if report.sample == "capillary":
            notes.append(CAPILLARY_NOTE)
        unprinted = any(
            item.test_id and item.reference_range is None and item.value is not None
            for item in report.items
        )
        if unprinted and (report.sex is None or report.age is None):
            notes.append(NO_DEMOGRAPHICS_NOTE)
        return notes

    def _patterns(
        self, by_test: dict[str | None, Assessment], report: ParsedReport
    ) -> tuple[list[Pattern], float | None]:
        patterns: list[Pattern] = []
        anaemia = self._anaemia(by_test)
        if anaemia:
            patterns.append(anaemia)
        liver = self._liver(by_test)
        if liver:
            patterns.append(liver)
        egfr_value: float | None = None
        kidney = self._kidney(by_test, report)
        if kidney:
            egfr_value, pattern = kidney
            if pattern:
                patterns.append(pattern)
        patterns.extend(self._metabolic(by_test))
        thyroid = self._thyroid(by_test)
        if thyroid:
            patterns.append(thyroid)
        uti = self._uti(by_test)
        if uti:
            patterns.append(uti)
        infection = self._infection(by_test)
        if infection:
            patterns.append(infection)
        return patterns, egfr_value

    def _anaemia(self, by_test: dict[str | None, Assessment]) -> Pattern | None:
        hgb = by_test.get("hgb")
        if hgb is None or hgb.status not in ("low", "critical_low"):
            return None
        mcv = by_test.get("mcv")
        hypochromic = any(
            by_test.get(key) is not None and by_test[key].status == "low" for key in ("mch", "mchc")
        )
        cite = [
            self._cite_rule("labs.pattern.anaemia"),
            self._cite_rule("labs.pattern.anaemia.causes"),
        ]
        if mcv is not None and mcv.status == "low":
            kind = LocalizedText(
                zh="小细胞性贫血" + ("（低色素）" if hypochromic else ""),
                en="Microcytic anaemia" + (" (hypochromic)" if hypochromic else ""),
            )
            detail = LocalizedText(
                zh="血红蛋白低且红细胞偏小，最常见原因是缺铁（需查明失血来源），其次是地中海贫血等；铁蛋白等检查有助于区分。",
                en="Low haemoglobin with small red cells: iron deficiency is the most common cause "
                "(its source of blood loss needs finding), thalassaemia trait is another; ferritin "
                "and related tests help tell them apart.",
            )
        elif mcv is not None and mcv.status == "high":
            kind = LocalizedText(zh="大细胞性贫血", en="Macrocytic anaemia")
            detail = LocalizedText(
                zh="血红蛋白低且红细胞偏大，常见原因有维生素B12或叶酸缺乏、饮酒、肝病、甲状腺功能减退或药物影响。",
                en="Low haemoglobin with large red cells: common causes are vitamin B12 or folate "
                "deficiency, alcohol, liver disease, an underactive thyroid or medicines.",
            )
        else:
            kind = LocalizedText(zh="正细胞性贫血", en="Normocytic anaemia")
            detail = LocalizedText(
                zh="血红蛋白低而红细胞大小正常，可见于慢性病、肾脏疾病、急性失血或混合原因。",
                en="Low haemoglobin with normal-sized red cells: seen with chronic disease, kidney "
                "disease, recent blood loss or mixed causes.",
            )
        return Pattern(
            id="anaemia",
            title=kind,
            detail=detail,
            department="03.05",
            severity=hgb.severity or Severity.MODERATE,
            citations=cite,
        )

    def _liver(self, by_test: dict[str | None, Assessment]) -> Pattern | None:
        alt, alp = by_test.get("alt"), by_test.get("alp")
        alt_high = alt is not None and alt.status in ("high", "critical_high")
        alp_high = alp is not None and alp.status in ("high", "critical_high")
        if not (alt_high or alp_high):
            return None
        cite = [self._cite_rule("labs.pattern.liver")]
        ratio = None
        if alt is not None and alp is not None:
            alt_uln = _uln(alt.item)
            alp_uln = _uln(alp.item)
            if alt_uln and alp_uln and alt.item.value and alp.item.value:
                ratio = (alt.item.value / alt_uln) / (alp.item.value / alp_uln)
        if (ratio is not None and ratio >= 5) or (ratio is None and alt_high and not alp_high):
            title = LocalizedText(zh="肝细胞损伤型", en="Hepatocellular pattern")
            detail = LocalizedText(
                zh="以转氨酶升高为主，提示肝细胞受损，常见于脂肪肝、病毒性肝炎、饮酒或药物。",
                en="Mainly raised aminotransferases, pointing to liver-cell injury: fatty liver, "
                "viral hepatitis, alcohol or medicines are common causes.",
            )
        elif (ratio is not None and ratio <= 2) or (ratio is None and alp_high):
            title = LocalizedText(zh="胆汁淤积型", en="Cholestatic pattern")
            detail = LocalizedText(
                zh="以碱性磷酸酶升高为主，提示胆汁排泄受阻（也可能来自骨骼），常需结合GGT和影像检查。",
                en="Mainly raised alkaline phosphatase, pointing to impaired bile flow (bone is "
                "another source); GGT and imaging usually help.",
            )
        else:
            title = LocalizedText(zh="混合型肝脏酶学异常", en="Mixed liver pattern")
            detail = LocalizedText(
                zh="转氨酶和碱性磷酸酶均有升高，介于肝细胞损伤型和胆汁淤积型之间。",
                en="Both aminotransferases and alkaline phosphatase are raised, between the "
                "hepatocellular and cholestatic patterns.",
            )
        if ratio is not None:
            detail = LocalizedText(
                zh=f"{detail.zh}（R 比值 {ratio:.1f}）", en=f"{detail.en} (R ratio {ratio:.1f})"
            )
        return Pattern(id="liver", title=title, detail=detail, department="03.02", citations=cite)

    def _kidney(
        self, by_test: dict[str | None, Assessment], report: ParsedReport
    ) -> tuple[float, Pattern | None] | None:
        crea = by_test.get("crea")
        if crea is None or report.sex is None or report.age is None or report.age < ADULT_AGE:
            return None
        test = self.catalogue.by_id["crea"]
        umol = self.value_in_test_unit(crea.item, test)
        if umol is None or umol <= 0 or crea.item.comparator:
            return None
        egfr = ckd_epi_2021(umol / 88.4, report.age, report.sex)
        cite = [
            self._cite_rule("labs.egfr.equation"),
            self._cite_rule("labs.egfr.category"),
        ]
        stage = gfr_category(egfr)
        if egfr >= 60:
            return egfr, None
        return egfr, Pattern(
            id="kidney",
            title=LocalizedText(
                zh=f"肾小球滤过率下降（eGFR {egfr:.0f}，{stage}期）",
                en=f"Reduced kidney filtration (eGFR {egfr:.0f}, category {stage})",
            ),
            detail=LocalizedText(
                zh="按CKD-EPI 2021公式估算的肾小球滤过率低于60；"
                "持续3个月以上才符合慢性肾脏病，需复查并由肾内科评估。",
                en="The CKD-EPI 2021 estimate is below 60; only if it persists for more than 3 "
                "months does it meet chronic kidney disease criteria. Repeat it and see a kidney "
                "specialist.",
            ),
            department="03.06",
            severity=Severity.HIGH if egfr < 30 else Severity.MODERATE,
            citations=cite,
        )

    def _in_test_unit(self, assessment: Assessment | None) -> float | None:
        """The value in the catalogue unit (mmol/L for glucose and lipids), if known."""
        if assessment is None or assessment.item.test_id is None:
            return None
        if assessment.item.comparator is not None:
            return None
        return self.value_in_test_unit(
            assessment.item, self.catalogue.by_id[assessment.item.test_id]
        )

    def _metabolic(self, by_test: dict[str | None, Assessment]) -> list[Pattern]:
        patterns: list[Pattern] = []
        glu, a1c = by_test.get("glu"), by_test.get("hba1c")
        glu_value = self._in_test_unit(glu)
        if (glu_value is not None and glu_value >= 7.0) or (
            a1c is not None and a1c.item.value is not None and a1c.item.value >= 6.5
        ):
            patterns.append(
                Pattern(
                    id="glucose",
                    title=LocalizedText(
                        zh="血糖达到糖尿病诊断切点", en="Glucose in the diabetes range"
                    ),
                    detail=GLUCOSE_TEXT,
                    department="03.07",
                    citations=[self._cite_rule("labs.pattern.glucose")],
                )
            )
        lipid_ids = ("tc", "tg", "ldl", "hdl")
        if any(by_test.get(key) and by_test[key].status in ("high", "low") for key in lipid_ids):
            ldl, tg = by_test.get("ldl"), by_test.get("tg")
            ldl_value, tg_value = self._in_test_unit(ldl), self._in_test_unit(tg)
            notes = [LIPIDS_TEXT]
            if ldl_value is not None and ldl_value >= 4.9:
                notes.append(LDL_HIGH_RISK)
            if tg_value is not None and tg_value >= 5.6:
                notes.append(TG_PANCREATITIS)
            patterns.append(
                Pattern(
                    id="lipids",
                    title=LocalizedText(zh="血脂异常", en="Abnormal blood lipids"),
                    detail=LocalizedText(
                        zh="".join(n.zh for n in notes), en=" ".join(n.en for n in notes)
                    ),
                    department="03.04",
                    severity=Severity.LOW,
                    citations=[self._cite_rule("labs.pattern.lipids")],
                )
            )
        return patterns

    def _thyroid(self, by_test: dict[str | None, Assessment]) -> Pattern | None:
        tsh, ft4 = by_test.get("tsh"), by_test.get("ft4")
        if tsh is None or tsh.status not in ("high", "low"):
            return None
        ft4_status = ft4.status if ft4 else None
        cite = [self._cite_rule("labs.pattern.thyroid")]
        if tsh.status == "high" and ft4_status == "low":
            title = LocalizedText(
                zh="符合甲状腺功能减退的模式", en="Pattern of an underactive thyroid"
            )
        elif tsh.status == "high" and ft4_status == "normal":
            title = LocalizedText(
                zh="符合亚临床甲状腺功能减退的模式", en="Pattern of subclinical hypothyroidism"
            )
        elif tsh.status == "low" and ft4_status == "high":
            title = LocalizedText(
                zh="符合甲状腺功能亢进的模式", en="Pattern of an overactive thyroid"
            )
        elif tsh.status == "low" and ft4_status == "normal":
            title = LocalizedText(
                zh="符合亚临床甲状腺功能亢进的模式", en="Pattern of subclinical hyperthyroidism"
            )
        else:
            title = LocalizedText(zh="促甲状腺激素异常", en="Abnormal TSH")
        return Pattern(
            id="thyroid",
            title=title,
            detail=THYROID_TEXT,
            department="03.07",
            citations=cite,
        )

    def _infection(self, by_test: dict[str | None, Assessment]) -> Pattern | None:
        high = {
            key
            for key in ("wbc", "neut_abs", "neut_pct", "crp", "hscrp", "procalcitonin")
            if by_test.get(key) is not None and by_test[key].status in ("high", "critical_high")
        }
        neutrophils = high & {"neut_abs", "neut_pct"}
        markers = high & {"crp", "hscrp", "procalcitonin"}
        if not (("wbc" in high and neutrophils) or (neutrophils and markers)):
            return None
        return Pattern(
            id="infection",
            title=LocalizedText(
                zh="炎症/细菌感染样改变", en="Inflammation or bacterial-infection pattern"
            ),
            detail=INFECTION_TEXT,
            department="03",
            citations=[self._cite_rule("labs.pattern.infection")],
        )

    def _uti(self, by_test: dict[str | None, Assessment]) -> Pattern | None:
        nit, le = by_test.get("u_nit"), by_test.get("u_le")
        positive = [a for a in (nit, le) if a is not None and a.status == "abnormal"]
        if not positive:
            return None
        return Pattern(
            id="uti",
            title=LocalizedText(zh="提示泌尿系感染的可能", en="Possible urinary tract infection"),
            detail=UTI_TEXT,
            department="03.06",
            severity=Severity.MODERATE if len(positive) == 2 else Severity.LOW,
            citations=[self._cite_rule("labs.pattern.uti")],
        )


_PATTERN_QUESTIONS: dict[str, LocalizedText] = {
    "anaemia": LocalizedText(
        zh="贫血的原因需要查铁蛋白、维生素B12或叶酸吗？",
        en="Should ferritin, B12 or folate be checked to find the cause of the anaemia?",
    ),
    "liver": LocalizedText(
        zh="肝脏指标异常需要做肝炎病毒检查或肝脏超声吗？",
        en="Do the liver results call for hepatitis tests or a liver ultrasound?",
    ),
    "kidney": LocalizedText(
        zh="需要复查肌酐并查尿白蛋白/肌酐比值吗？",
        en="Should creatinine be repeated and a urine albumin/creatinine ratio done?",
    ),
    "thyroid": LocalizedText(
        zh="甲状腺指标需要多久复查一次？需要治疗吗？",
        en="When should thyroid tests be repeated, and is treatment needed?",
    ),
    "lipids": LocalizedText(
        zh="按我的整体心血管风险，血脂目标是多少？",
        en="Given my overall cardiovascular risk, what should my lipid targets be?",
    ),
    "glucose": LocalizedText(
        zh="需要另日复查血糖或做口服葡萄糖耐量试验吗？",
        en="Should glucose be repeated on another day or an oral glucose tolerance test done?",
    ),
    "infection": LocalizedText(
        zh="我的症状是否需要进一步查找感染部位或使用抗生素？",
        en="Do my symptoms call for tests to find an infection, or for antibiotics?",
    ),
    "uti": LocalizedText(zh="需要做尿培养吗？", en="Is a urine culture needed?"),
}


def _uln(item: LabItem) -> float | None:
    ref = item.reference_range
    return ref.high if ref and ref.high else None


def _severity(item: LabItem) -> Severity:
    ref = item.reference_range
    if ref is None or item.value is None:
        return Severity.LOW
    if item.flag == "H" and ref.high:
        span = (ref.high - ref.low) if ref.low is not None else ref.high
        excess = (item.value - ref.high) / span if span else 0.0
    elif item.flag == "L" and ref.low:
        span = (ref.high - ref.low) if ref.high is not None else ref.low
        excess = (ref.low - item.value) / span if span else 0.0
    else:
        return Severity.LOW
    if excess <= 0.1:
        return Severity.LOW
    if excess <= 0.5:
        return Severity.MODERATE
    return Severity.HIGH


def ckd_epi_2021(scr_mg_dl: float, age: float, sex: str) -> float:
    """eGFR (mL/min/1.73 m²) by the race-free 2021 CKD-EPI creatinine equation.

    Inker LA et al., N Engl J Med 2021;385:1737-49 (doi:10.1056/NEJMoa2102953).

    >>> round(ckd_epi_2021(1.0, 50, "M"))
    92
    >>> round(ckd_epi_2021(0.7, 40, "F"))
    112
    """
    female = sex == "F"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = scr_mg_dl / kappa
    egfr: float = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age
    return egfr * 1.012 if female else egfr


def gfr_category(egfr: float) -> str:
    """KDIGO 2012 GFR category."""
    for bound, name in ((90, "G1"), (60, "G2"), (45, "G3a"), (30, "G3b"), (15, "G4")):
        if egfr >= bound:
            return name
    return "G5"


def explain(report: ParsedReport, catalogue: Catalogue | None = None) -> Explanation:
    return Interpreter(catalogue).explain(report)
