"""health data: observations, conditions, medications, devices, imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _person() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "person_id",
        sa.String(length=36),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "health_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _person(),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_health_imports_person_source", "health_imports", ["person_id", "source", "id"]
    )
    op.create_table(
        "health_devices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _person(),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "source", "device", name="uq_health_devices"),
    )
    op.create_table(
        "health_observations",
        _person(),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("effective_at", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("utc_offset_min", sa.SmallInteger(), nullable=True),
        sa.Column("effective_end", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "code", "effective_at", "device_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "health_conditions",
        *_coded_columns(),
        sa.Column("clinical_status", sa.String(length=32), nullable=False),
        sa.Column("onset_at", sa.BigInteger(), nullable=True),
        sa.Column("abatement_at", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "natural_key", name="uq_health_conditions_natural"),
    )
    op.create_table(
        "health_medications",
        *_coded_columns(),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("authored_at", sa.BigInteger(), nullable=True),
        sa.Column("dosage", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "natural_key", name="uq_health_medications_natural"),
    )


def _coded_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", _BigInt, autoincrement=True, nullable=False),
        _person(),
        sa.Column("natural_key", sa.String(length=128), nullable=False),
        sa.Column("system", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("display", sa.String(length=255), nullable=False),
    ]


def downgrade() -> None:
    for table in (
        "health_medications",
        "health_conditions",
        "health_observations",
        "health_devices",
    ):
        op.drop_table(table)
    op.drop_index("ix_health_imports_person_source", table_name="health_imports")
    op.drop_table("health_imports")
