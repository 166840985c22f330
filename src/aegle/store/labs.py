"""Tables for lab reports: one row per uploaded report (a FHIR DiagnosticReport) and one per
result (a FHIR Observation), each result keeping everything the parser read.

Why not `health_observations`: those rows are numeric device readings keyed by (person, code,
time, device); lab results also carry text values (阴性, 2+, <0.5), printed flags and a printed
or default reference range, and belong to a report. Keeping them apart keeps both tables simple.

A report is recognised when uploaded again by the SHA-256 of its bytes (unique per person) and,
for a new photo or scan of the same paper, by the fingerprint of its results plus its date.
Every person column references `users.id` with ON DELETE CASCADE, and results cascade with their
report, so erasing a person erases their reports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aegle.store.tables import Base

_BigInt = BigInteger().with_variant(Integer(), "sqlite")


class LabReportRecord(Base):
    __tablename__ = "lab_reports"
    __table_args__ = (
        UniqueConstraint("person_id", "content_sha256", name="uq_lab_reports_content"),
        Index("ix_lab_reports_person_effective", "person_id", "effective_at"),
        Index("ix_lab_reports_person_fingerprint", "person_id", "fingerprint"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # text | pdf | image
    file_name: Mapped[str] = mapped_column(String(255), default="")
    pages: Mapped[int] = mapped_column(SmallInteger, default=1)
    # When the sample was taken: given by the person, printed on the report, or the upload time.
    effective_at: Mapped[datetime]
    effective_source: Mapped[str] = mapped_column(String(8))  # given | printed | uploaded
    uploaded_at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(36))
    sex: Mapped[str | None] = mapped_column(String(1))
    age: Mapped[float | None] = mapped_column(Float)
    item_count: Mapped[int] = mapped_column(Integer)
    abnormal_count: Mapped[int] = mapped_column(Integer)
    critical_count: Mapped[int] = mapped_column(Integer)


class LabResultRecord(Base):
    """One result exactly as parsed: the columns mirror `aegle.labs.model.LabItem`."""

    __tablename__ = "lab_results"
    __table_args__ = (Index("ix_lab_results_person_test", "person_id", "test_id"),)

    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("lab_reports.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(200))
    test_id: Mapped[str | None] = mapped_column(String(64))
    loinc: Mapped[str | None] = mapped_column(String(16))
    value_text: Mapped[str] = mapped_column(String(120))
    value: Mapped[float | None] = mapped_column(Float)
    comparator: Mapped[str | None] = mapped_column(String(2))
    qualitative: Mapped[str | None] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))
    ucum: Mapped[str | None] = mapped_column(String(64))
    printed_flag: Mapped[str | None] = mapped_column(String(16))
    flag: Mapped[str | None] = mapped_column(String(1))
    ref_low: Mapped[float | None] = mapped_column(Float)
    ref_high: Mapped[float | None] = mapped_column(Float)
    ref_text: Mapped[str | None] = mapped_column(String(120))
    ref_origin: Mapped[str | None] = mapped_column(String(8))  # printed | default
    ref_source: Mapped[str | None] = mapped_column(String(64))
    ref_expected: Mapped[str | None] = mapped_column(String(8))
    line: Mapped[int] = mapped_column(Integer, default=0)
