"""The chat's report skill points to the upload page when a message holds no results."""

from __future__ import annotations

from aegle.assistant.model import Classification, TurnContext
from aegle.assistant.report import UPLOAD_PAGE, ReportSkill


def test_a_question_without_results_offers_the_upload_page() -> None:
    skill = ReportSkill()
    classification = Classification(intent="report")
    for locale, word in (("zh-CN", "上传"), ("en", "Upload")):
        reply = skill.respond(TurnContext(text="帮我看看化验单", locale=locale), classification)
        (action,) = reply.actions
        assert (action.kind, action.value) == ("link", UPLOAD_PAGE)
        assert word in action.label
    pasted = skill.respond(
        TurnContext(text="血红蛋白 98 g/L 115-150\n白细胞 6.1 10^9/L 3.5-9.5", locale="en"),
        classification,
    )
    assert pasted.actions == ()
    assert pasted.cards
