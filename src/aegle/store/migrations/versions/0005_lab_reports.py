"""lab reports (DiagnosticReport) and their results (Observations)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lab_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("pages", sa.SmallInteger(), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_source", sa.String(length=8), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("age", sa.Float(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("abnormal_count", sa.Integer(), nullable=False),
        sa.Column("critical_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "content_sha256", name="uq_lab_reports_content"),
    )
    with op.batch_alter_table("lab_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lab_reports_person_effective", ["person_id", "effective_at"], unique=False
        )
        batch_op.create_index(
            "ix_lab_reports_person_fingerprint", ["person_id", "fingerprint"], unique=False
        )
    op.create_table(
        "lab_results",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=True),
        sa.Column("loinc", sa.String(length=16), nullable=True),
        sa.Column("value_text", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("comparator", sa.String(length=2), nullable=True),
        sa.Column("qualitative", sa.String(length=8), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("ucum", sa.String(length=64), nullable=True),
        sa.Column("printed_flag", sa.String(length=16), nullable=True),
        sa.Column("flag", sa.String(length=1), nullable=True),
        sa.Column("ref_low", sa.Float(), nullable=True),
        sa.Column("ref_high", sa.Float(), nullable=True),
        sa.Column("ref_text", sa.String(length=120), nullable=True),
        sa.Column("ref_origin", sa.String(length=8), nullable=True),
        sa.Column("ref_source", sa.String(length=64), nullable=True),
        sa.Column("ref_expected", sa.String(length=8), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["lab_reports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lab_results_report_id"), ["report_id"], unique=False)
        batch_op.create_index("ix_lab_results_person_test", ["person_id", "test_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_index("ix_lab_results_person_test")
        batch_op.drop_index(batch_op.f("ix_lab_results_report_id"))
    op.drop_table("lab_results")
    with op.batch_alter_table("lab_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_lab_reports_person_fingerprint")
        batch_op.drop_index("ix_lab_reports_person_effective")
    op.drop_table("lab_reports")
