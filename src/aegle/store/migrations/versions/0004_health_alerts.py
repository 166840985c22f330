"""health alerts (in-app inbox of alerts raised from device data)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("triage", sa.String(length=32), nullable=False),
        sa.Column("start_at", sa.BigInteger(), nullable=False),
        sa.Column("end_at", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.SmallInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("advice", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "rule_id", "start_at", name="uq_health_alerts_event"),
    )
    with op.batch_alter_table("health_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_health_alerts_person_id", ["person_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("health_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_health_alerts_person_id")
    op.drop_table("health_alerts")
