"""Lab-report reading in the chat: pasted report text in, an explanation with sources out.

The labs engine does the work (parsing, reference intervals, patterns, citations); this skill
turns its explanation into a chat reply. Photos and PDFs are uploaded with the chat's upload
control (web route `/labs/reports`, API `POST /api/v1/labs/reports`), which stores the report
in the person's lab history and shows the same explanation as a results table.
"""

from __future__ import annotations

from aegle.assistant.model import Action, Card, Classification, Reply, TurnContext
from aegle.assistant.skills import disclaimer_card
from aegle.assistant.texts import AssistantTexts, default_texts
from aegle.core.types import LocaleCode, LocalizedText, TriageLevel
from aegle.labs.interpret import Explanation, explain
from aegle.labs.parse import ReportParser
from aegle.labs.render import assessment_line

# Fewer results than this in a message is a question about a report, not a report.
MIN_RESULTS = 2
# Where a photo or PDF can be uploaded (and kept in the lab history with trends).
UPLOAD_PAGE = "/labs"
UPLOAD_LABEL = LocalizedText(
    zh="上传化验单照片或 PDF，并查看历次结果的变化",
    en="Upload a photo or PDF of a report, and see your results over time",
)


class ReportSkill:
    def __init__(
        self, texts: AssistantTexts | None = None, parser: ReportParser | None = None
    ) -> None:
        self.texts = texts or default_texts()
        self.parser = parser or ReportParser()

    def respond(self, turn: TurnContext, classification: Classification) -> Reply:
        report = self.parser.parse(turn.text)
        if len(report.items) < MIN_RESULTS:
            return Reply(
                text=self.texts.get("report_paste_hint", turn.locale),
                intent="report",
                actions=(upload_action(turn.locale),),
            )
        return self.explanation_reply(explain(report), turn.locale)

    def explanation_reply(self, explanation: Explanation, locale: LocaleCode) -> Reply:
        return explanation_reply(explanation, locale, self.texts)


def explanation_reply(
    explanation: Explanation, locale: LocaleCode, texts: AssistantTexts | None = None
) -> Reply:
    """A lab report's explanation as a chat reply (pasted in the chat or uploaded)."""
    texts = texts or default_texts()
    summary = texts.get(
        "report_summary",
        locale,
        total=str(
            len(explanation.critical)
            + len(explanation.abnormal)
            + len(explanation.normal)
            + len(explanation.unknown)
        ),
        critical=str(len(explanation.critical)),
        abnormal=str(len(explanation.abnormal)),
        normal=str(len(explanation.normal)),
    )
    cards: list[Card] = []
    if explanation.critical:
        cards.append(
            Card(
                kind="triage",
                title=texts.get("report_critical_title", locale),
                level=explanation.triage
                if explanation.triage.rank <= TriageLevel.URGENT.rank
                else TriageLevel.URGENT,
                items=tuple(assessment_line(a, locale) for a in explanation.critical),
            )
        )
    for key, group in (
        ("report_abnormal_title", explanation.abnormal),
        ("report_normal_title", explanation.normal),
    ):
        if group:
            cards.append(
                Card(
                    kind="table",
                    title=texts.get(key, locale),
                    items=tuple(assessment_line(a, locale) for a in group),
                )
            )
    if explanation.patterns:
        cards.append(
            Card(
                kind="info",
                title=texts.get("report_patterns_title", locale),
                items=tuple(
                    f"{p.title.get(locale)}: {p.detail.get(locale)}" for p in explanation.patterns
                ),
            )
        )
    if explanation.departments:
        cards.append(
            Card(
                kind="info",
                title=texts.get("departments_title", locale),
                items=tuple(
                    f"{d.name_zh if locale == 'zh-CN' else d.name_en} ({d.code})"
                    for d in explanation.departments
                ),
            )
        )
    if explanation.questions:
        cards.append(
            Card(
                kind="info",
                title=texts.get("report_questions_title", locale),
                items=tuple(q.get(locale) for q in explanation.questions),
            )
        )
    cards.append(
        Card(
            kind="info",
            title=texts.get("report_limits_title", locale),
            body=explanation.limitations.get(locale),
            citations=tuple(explanation.citations),
        )
    )
    cards.append(disclaimer_card(texts, locale))
    return Reply(text=summary, cards=tuple(cards), intent="report")


def upload_action(locale: LocaleCode) -> Action:
    return Action(kind="link", label=UPLOAD_LABEL.get(locale), value=UPLOAD_PAGE)
