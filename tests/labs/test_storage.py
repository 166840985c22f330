"""Stored lab reports: results read back exactly, duplicates recognised, trends across reports,
access through the gate (audited), FHIR export and erasure with the person."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from aegle.bootstrap import Platform
from aegle.core.errors import NotFound
from aegle.core.types import Role
from aegle.labs.errors import NoResultsFound
from aegle.services.actor import Actor
from aegle.services.labs import ReadUpload, read_upload
from aegle.store.labs import LabReportRecord, LabResultRecord
from aegle.store.tables import AuditEvent

TODAY = date(2026, 3, 1)
REPORT = """检验报告单  姓名 王某  性别 女  年龄 45岁
采样时间: 2026-01-10 08:05   报告时间: 2026-01-10 14:00
血红蛋白 98 ↓ g/L 115-150
白细胞计数 6.1 10^9/L 3.5-9.5
葡萄糖 7.9 ↑ mmol/L 3.9-6.1
尿蛋白 2+ 阴性
C反应蛋白 <0.5 mg/L 0-10
"""


def _person(platform: Platform, name: str) -> Actor:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username=name, password="password1", locale="zh-CN")
    return Actor(user_id=user.id, role=Role.PATIENT, origin="test")


def _read(text: str) -> ReadUpload:
    return read_upload(text.encode(), today=TODAY)


def _store(platform: Platform, actor: Actor, upload: ReadUpload, **kw: object) -> tuple[str, bool]:
    assert actor.user_id
    with platform.unit_of_work() as s:
        outcome = s.labs.store(actor, actor.user_id, upload, **kw)  # type: ignore[arg-type]
        return outcome.stored.summary.id, outcome.duplicate


def test_stored_report_reads_back_exactly(platform: Platform) -> None:
    actor = _person(platform, "wang")
    upload = _read(REPORT)
    assert upload.printed_date == date(2026, 1, 10)
    report_id, duplicate = _store(platform, actor, upload, file_name="cbc.txt")
    assert not duplicate
    with platform.unit_of_work() as s:
        stored = s.labs.get(actor, actor.user_id or "", report_id)
        listed = s.labs.reports(actor, actor.user_id or "")
    assert stored.report == upload.report
    summary = stored.summary
    assert (summary.effective, summary.effective_source) == (date(2026, 1, 10), "printed")
    assert (summary.kind, summary.file_name, summary.item_count) == ("text", "cbc.txt", 5)
    explanation = stored.explanation()
    assert summary.abnormal_count == len(explanation.abnormal) + len(explanation.critical) >= 3
    assert [r.id for r in listed] == [report_id]


def test_the_same_report_twice_is_stored_once(platform: Platform) -> None:
    actor = _person(platform, "li")
    first, _ = _store(platform, actor, _read(REPORT))
    again, duplicate = _store(platform, actor, _read(REPORT))
    assert (again, duplicate) == (first, True)
    # Another photo of the same paper: other bytes, same results and sample date.
    relaid = "\n".join("    ".join(line.split()) for line in REPORT.splitlines())
    other_layout, duplicate = _store(platform, actor, _read(relaid))
    assert (other_layout, duplicate) == (first, True)
    # The same results on another day are another report.
    later, duplicate = _store(platform, actor, _read(REPORT.replace("2026-01-10", "2026-02-10")))
    assert later != first
    assert not duplicate
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(LabReportRecord)) == 2
        assert session.scalar(select(func.count()).select_from(LabResultRecord)) == 10
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("lab_report.duplicate") == 2
    assert actions.count("lab_report.create") == 2


def test_a_given_date_wins_and_undated_reports_use_the_upload_day(platform: Platform) -> None:
    actor = _person(platform, "zhao")
    undated = "\n".join(line for line in REPORT.splitlines() if "采样" not in line)
    given, _ = _store(platform, actor, _read(REPORT), effective=date(2025, 12, 31))
    uploaded, _ = _store(platform, actor, _read(undated))
    with platform.unit_of_work() as s:
        rows = {r.id: r for r in s.labs.reports(actor, actor.user_id or "")}
    assert (rows[given].effective, rows[given].effective_source) == (date(2025, 12, 31), "given")
    assert rows[uploaded].effective_source == "uploaded"
    assert rows[uploaded].effective == platform.clock.now().date()


def test_trend_across_reports_in_mixed_units(platform: Platform) -> None:
    actor = _person(platform, "chen")
    _store(platform, actor, _read(REPORT))
    # Glucose in mg/dL six weeks later: 90 mg/dL is 5.0 mmol/L.
    later = REPORT.replace("2026-01-10", "2026-02-20").replace(
        "葡萄糖 7.9 ↑ mmol/L 3.9-6.1", "葡萄糖 90 mg/dL 70-110"
    )
    _store(platform, actor, _read(later.replace("血红蛋白 98 ↓", "血红蛋白 121")))
    with platform.unit_of_work() as s:
        glucose = s.labs.test_history(actor, actor.user_id or "", "2345-7")
        everything = s.labs.history(actor, actor.user_id or "")
    assert [p.effective for p in glucose.points] == [date(2026, 1, 10), date(2026, 2, 20)]
    trend = glucose.trend
    assert trend is not None
    assert trend.direction == "down"
    assert trend.points[-1].value == pytest.approx(90 / 18.0, rel=0.02)
    assert trend.crossed_limit
    rising = [h for h in everything if h.trend and h.trend.direction == "up"]
    assert any(h.points[0].item.name == "血红蛋白" for h in rising)
    # A qualitative result has points but no numeric trend.
    protein = next(h for h in everything if h.points[0].item.name == "尿蛋白")
    assert len(protein.points) == 2
    assert protein.trend is None


def test_unknown_test_is_not_found(platform: Platform) -> None:
    actor = _person(platform, "sun")
    with pytest.raises(NotFound), platform.unit_of_work() as s:
        s.labs.test_history(actor, actor.user_id or "", "no-such-test")


def test_another_person_cannot_read_and_the_denial_is_audited(platform: Platform) -> None:
    owner = _person(platform, "owner")
    stranger = _person(platform, "stranger")
    report_id, _ = _store(platform, owner, _read(REPORT))
    with pytest.raises(NotFound), platform.unit_of_work() as s:
        s.labs.get(stranger, owner.user_id or "", report_id)
    with pytest.raises(NotFound), platform.unit_of_work() as s:
        s.labs.get(stranger, stranger.user_id or "", report_id)  # own scope, other's id
    with platform.unit_of_work() as s:
        denied = s.gate.session.scalars(
            select(AuditEvent.action).where(AuditEvent.outcome == "denied")
        ).all()
    assert "lab_report.read" in denied


def test_bad_input_stores_nothing(platform: Platform) -> None:
    actor = _person(platform, "zhou")
    with pytest.raises(NoResultsFound):
        _store(platform, actor, read_upload("今天天气很好，没有化验结果。".encode(), today=TODAY))

    # A failure after storing inside the unit of work rolls the whole report back.
    def fail_after_storing() -> None:
        with platform.unit_of_work() as s:
            s.labs.store(actor, actor.user_id or "", _read(REPORT))
            raise RuntimeError("the request failed later")

    with pytest.raises(RuntimeError):
        fail_after_storing()
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(LabReportRecord)) == 0
        assert session.scalar(select(func.count()).select_from(LabResultRecord)) == 0


def test_export_and_erase(platform: Platform) -> None:
    actor = _person(platform, "wu")
    report_id, _ = _store(platform, actor, _read(REPORT))
    with platform.unit_of_work() as s:
        bundle = s.privacy.export(actor, actor.user_id or "")
    Bundle.model_validate(bundle)
    reports = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DiagnosticReport"
    ]
    assert [r["id"] for r in reports] == [report_id]
    report = reports[0]
    assert report["effectiveDateTime"].startswith("2026-01-10")
    observations = report["contained"]
    assert len(observations) == 5 == len(report["result"])
    hb = observations[0]
    assert hb["code"]["coding"][0] == {"system": "http://loinc.org", "code": "718-7"}
    assert hb["interpretation"][0]["coding"][0]["code"] == "L"
    origin = hb["referenceRange"][0]["extension"][0]
    assert origin["valueCode"] == "printed"
    assert hb["effectiveDateTime"].startswith("2026-01-10")
    with platform.unit_of_work() as s:
        s.privacy.erase(actor, actor.user_id or "")
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(LabReportRecord)) == 0
        assert session.scalar(select(func.count()).select_from(LabResultRecord)) == 0
