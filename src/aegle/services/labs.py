"""Lab reports per person: store an uploaded report with its results, list and read them back,
follow each test across reports, and export them as FHIR. Everything goes through the access
gate (every read and write is audited).

Reading a file (OCR can take seconds) is `read_upload`, a pure step done before a unit of work
opens, so no database lock is held while a photo is read; `LabReports.store` then writes the
report and all its results in the caller's transaction: whole or not at all.

No separate consent record is asked for: the person uploads their own report, and the upload is
that decision (device imports, which pull data from elsewhere, do need one). The report is
recognised when uploaded again: the same bytes (SHA-256), or the same results with the same
sample date (a new photo of the same paper).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from sqlalchemy import select

from aegle.core.errors import NotFound
from aegle.core.ports import Clock
from aegle.labs.catalogue import Catalogue, LabTest, default_catalogue
from aegle.labs.dates import report_date
from aegle.labs.fhir import diagnostic_report, fingerprint
from aegle.labs.interpret import Explanation, explain
from aegle.labs.model import LabItem, ParsedReport, RefRange
from aegle.labs.reader import read_report
from aegle.labs.trends import Trend, trends
from aegle.services.access import AccessGate, PersonScope
from aegle.services.accounts import new_id
from aegle.services.actor import Actor
from aegle.services.privacy import Resource
from aegle.store.labs import LabReportRecord, LabResultRecord

RESOURCE = "lab_report"
EffectiveSource = Literal["given", "printed", "uploaded"]


@dataclass(frozen=True, slots=True)
class ReadUpload:
    """A file read into results, not stored yet."""

    kind: str
    pages: int
    report: ParsedReport
    sha256: str
    printed_date: date | None


def read_upload(
    data: bytes,
    *,
    today: date,
    sex: str | None = None,
    age: float | None = None,
) -> ReadUpload:
    """Read a file (text, PDF or photo) into results, or raise an `aegle.labs.errors` error."""
    document, report = read_report(data, sex=sex, age=age)
    return ReadUpload(
        kind=document.kind,
        pages=document.pages,
        report=report,
        sha256=hashlib.sha256(data).hexdigest(),
        printed_date=report_date(document.text, not_after=today),
    )


@dataclass(frozen=True, slots=True)
class ReportSummary:
    id: str
    kind: str
    file_name: str
    pages: int
    effective: date
    effective_source: str
    uploaded_at: datetime
    item_count: int
    abnormal_count: int
    critical_count: int

    @classmethod
    def of(cls, row: LabReportRecord) -> ReportSummary:
        return cls(
            id=row.id,
            kind=row.kind,
            file_name=row.file_name,
            pages=row.pages,
            effective=row.effective_at.date(),
            effective_source=row.effective_source,
            uploaded_at=row.uploaded_at,
            item_count=row.item_count,
            abnormal_count=row.abnormal_count,
            critical_count=row.critical_count,
        )


@dataclass(frozen=True, slots=True)
class StoredReport:
    summary: ReportSummary
    report: ParsedReport

    def explanation(self, catalogue: Catalogue | None = None) -> Explanation:
        """Judged again on every read, so a corrected catalogue corrects old reports too."""
        return explain(self.report, catalogue)


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    stored: StoredReport
    duplicate: bool


@dataclass(frozen=True, slots=True)
class TrendPointView:
    report_id: str
    effective: date
    item: LabItem


@dataclass(frozen=True, slots=True)
class TestHistory:
    """One test across a person's reports: every result (oldest first) and, from two values
    on, the trend."""

    test: LabTest
    points: list[TrendPointView]
    trend: Trend | None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _cut(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


def _row(scope: PersonScope, report_id: str, seq: int, item: LabItem) -> LabResultRecord:
    ref = item.reference_range
    return LabResultRecord(
        report_id=report_id,
        person_id=scope.person_id,
        seq=seq,
        name=item.name[:200],
        test_id=item.test_id,
        loinc=item.loinc,
        value_text=item.value_text[:120],
        value=item.value,
        comparator=item.comparator,
        qualitative=item.qualitative,
        grade=_cut(item.grade, 16),
        unit=_cut(item.unit, 64),
        ucum=_cut(item.ucum, 64),
        printed_flag=_cut(item.printed_flag, 16),
        flag=item.flag,
        ref_low=ref.low if ref else None,
        ref_high=ref.high if ref else None,
        ref_text=_cut(ref.text, 120) if ref else None,
        ref_origin=ref.origin if ref else None,
        ref_source=_cut(ref.source, 64) if ref else None,
        ref_expected=ref.expected if ref else None,
        line=item.line,
    )


def _item(row: LabResultRecord) -> LabItem:
    ref = None
    if row.ref_origin is not None:
        ref = RefRange.model_validate(
            {
                "low": row.ref_low,
                "high": row.ref_high,
                "text": row.ref_text,
                "origin": row.ref_origin,
                "source": row.ref_source,
                "expected": row.ref_expected,
            }
        )
    return LabItem.model_validate(
        {
            "name": row.name,
            "test_id": row.test_id,
            "loinc": row.loinc,
            "value_text": row.value_text,
            "value": row.value,
            "comparator": row.comparator,
            "qualitative": row.qualitative,
            "grade": row.grade,
            "unit": row.unit,
            "ucum": row.ucum,
            "printed_flag": row.printed_flag,
            "flag": row.flag,
            "reference_range": ref,
            "line": row.line,
        }
    )


def _report(row: LabReportRecord, results: Iterable[LabResultRecord]) -> ParsedReport:
    return ParsedReport.model_validate(
        {
            "items": [_item(r) for r in results],
            "sex": row.sex if row.sex in ("M", "F") else None,
            "age": row.age,
        }
    )


class LabReports:
    def __init__(self, gate: AccessGate, clock: Clock, catalogue: Catalogue | None = None) -> None:
        self._gate = gate
        self._clock = clock
        self._catalogue = catalogue

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue or default_catalogue()

    # -- writes ----------------------------------------------------------------------------

    def store(
        self,
        actor: Actor,
        person_id: str,
        upload: ReadUpload,
        *,
        file_name: str = "",
        effective: date | None = None,
    ) -> UploadOutcome:
        """Store a read report, or return the stored one when it was uploaded before.

        Raises:
            NotFound: the actor may not write this person's records.
        """
        scope = self._gate.open(actor, person_id, "write", resource_type=RESOURCE)
        session = scope.session
        now = self._clock.now()
        source: EffectiveSource
        if effective is not None:
            day, source = effective, "given"
        elif upload.printed_date is not None:
            day, source = upload.printed_date, "printed"
        else:
            day, source = now.date(), "uploaded"
        mark = fingerprint(upload.report)
        existing = session.scalars(
            select(LabReportRecord).where(
                LabReportRecord.person_id == person_id,
                LabReportRecord.content_sha256 == upload.sha256,
            )
        ).first()
        if existing is None and source != "uploaded":
            # A new photo of the same paper: same results, same sample date.
            existing = session.scalars(
                select(LabReportRecord).where(
                    LabReportRecord.person_id == person_id,
                    LabReportRecord.fingerprint == mark,
                    LabReportRecord.effective_at == _at(day),
                )
            ).first()
        if existing is not None:
            scope.audit("lab_report.duplicate", RESOURCE, existing.id)
            return UploadOutcome(self._load(scope, existing), duplicate=True)
        explanation = explain(upload.report, self._catalogue)
        record = LabReportRecord(
            id=new_id(),
            person_id=person_id,
            content_sha256=upload.sha256,
            fingerprint=mark,
            kind=upload.kind,
            file_name=file_name[-255:],
            pages=min(upload.pages, 32767),
            effective_at=_at(day),
            effective_source=source,
            uploaded_at=now,
            actor_id=actor.user_id,
            sex=upload.report.sex,
            age=upload.report.age,
            item_count=len(upload.report.items),
            abnormal_count=len(explanation.abnormal) + len(explanation.critical),
            critical_count=len(explanation.critical),
        )
        session.add(record)
        session.flush()
        session.add_all(
            _row(scope, record.id, seq, item) for seq, item in enumerate(upload.report.items)
        )
        session.flush()
        scope.audit("lab_report.create", RESOURCE, record.id)
        return UploadOutcome(StoredReport(ReportSummary.of(record), upload.report), duplicate=False)

    def delete(self, actor: Actor, person_id: str, report_id: str) -> None:
        scope = self._gate.open(
            actor, person_id, "write", resource_type=RESOURCE, resource_id=report_id
        )
        record = self._record(scope, report_id)
        scope.session.delete(record)
        scope.session.flush()
        scope.audit("lab_report.delete", RESOURCE, report_id)

    # -- reads -----------------------------------------------------------------------------

    def reports(self, actor: Actor, person_id: str) -> list[ReportSummary]:
        """The person's reports, newest sample first."""
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        rows = scope.session.scalars(
            select(LabReportRecord)
            .where(LabReportRecord.person_id == person_id)
            .order_by(LabReportRecord.effective_at.desc(), LabReportRecord.uploaded_at.desc())
        )
        return [ReportSummary.of(row) for row in rows]

    def get(self, actor: Actor, person_id: str, report_id: str) -> StoredReport:
        scope = self._gate.open(
            actor, person_id, "read", resource_type=RESOURCE, resource_id=report_id
        )
        return self._load(scope, self._record(scope, report_id))

    def history(self, actor: Actor, person_id: str) -> list[TestHistory]:
        """Every catalogue test the person has results for, with its trend."""
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        return self._histories(scope, None)

    def test_history(self, actor: Actor, person_id: str, test_key: str) -> TestHistory:
        """One test by catalogue id or LOINC code (NotFound for an unknown test)."""
        test = self.resolve_test(test_key)
        scope = self._gate.open(
            actor, person_id, "read", resource_type=RESOURCE, resource_id=test.id
        )
        found = self._histories(scope, test.id)
        if found:
            return found[0]
        return TestHistory(test=test, points=[], trend=None)

    def resolve_test(self, key: str) -> LabTest:
        catalogue = self.catalogue
        test = catalogue.by_id.get(key)
        if test is None:
            test = next((t for t in catalogue.tests if key in t.loinc), None)
        if test is None:
            raise NotFound()
        return test

    # -- internals -------------------------------------------------------------------------

    def _record(self, scope: PersonScope, report_id: str) -> LabReportRecord:
        record = scope.session.get(LabReportRecord, report_id)
        if record is None or record.person_id != scope.person_id:
            raise NotFound()
        return record

    def _load(self, scope: PersonScope, record: LabReportRecord) -> StoredReport:
        rows = scope.session.scalars(
            select(LabResultRecord)
            .where(LabResultRecord.report_id == record.id)
            .order_by(LabResultRecord.seq)
        )
        return StoredReport(ReportSummary.of(record), _report(record, rows))

    def _histories(self, scope: PersonScope, test_id: str | None) -> list[TestHistory]:
        query = (
            select(LabResultRecord, LabReportRecord.effective_at)
            .join(LabReportRecord, LabReportRecord.id == LabResultRecord.report_id)
            .where(
                LabResultRecord.person_id == scope.person_id,
                LabResultRecord.test_id.is_not(None),
            )
            .order_by(
                LabReportRecord.effective_at, LabReportRecord.uploaded_at, LabResultRecord.seq
            )
        )
        if test_id is not None:
            query = query.where(LabResultRecord.test_id == test_id)
        points: dict[str, list[TrendPointView]] = {}
        for row, effective_at in scope.session.execute(query):
            if row.test_id not in self.catalogue.by_id:
                continue  # a test since removed from the catalogue
            points.setdefault(row.test_id, []).append(
                TrendPointView(row.report_id, effective_at.date(), _item(row))
            )
        histories = []
        for key, found in points.items():
            # One point per report: a report listing a test twice keeps its first reading.
            first: dict[str, TrendPointView] = {}
            for point in found:
                first.setdefault(point.report_id, point)
            unique = list(first.values())
            series = [(_at(p.effective), ParsedReport(items=[p.item])) for p in unique]
            trend = trends(series, self.catalogue).get(key)
            histories.append(TestHistory(self.catalogue.by_id[key], unique, trend))
        histories.sort(key=lambda h: (h.test.panel, h.test.id))
        return histories


class LabReportSection:
    """Privacy export: each stored report as a DiagnosticReport with contained Observations."""

    def resources(self, scope: PersonScope) -> Iterator[Resource]:
        session = scope.session
        subject = f"Patient/{scope.person_id}"
        records = session.scalars(
            select(LabReportRecord)
            .where(LabReportRecord.person_id == scope.person_id)
            .order_by(LabReportRecord.effective_at)
        )
        for record in records:
            rows = session.scalars(
                select(LabResultRecord)
                .where(LabResultRecord.report_id == record.id)
                .order_by(LabResultRecord.seq)
            )
            resource = diagnostic_report(
                _report(record, rows),
                subject=subject,
                issued=record.uploaded_at,
                effective=record.effective_at,
                report_id=record.id,
            )
            resource["identifier"].append(
                {"system": "urn:aegle:lab-report-sha256", "value": record.content_sha256}
            )
            yield resource
