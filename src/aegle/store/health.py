"""Tables for health data: observations (vital signs, labs, CGM, wearables), conditions,
medications, the devices that produced them and the imports that brought them in.

Designed for years of 5-minute CGM data for many people, on SQLite and PostgreSQL alike:
- an observation's primary key is its natural key (person, code, time, device), so re-importing
  adds nothing (`INSERT ... ON CONFLICT DO NOTHING`) and the same index serves range reads by
  (person, code, time); on SQLite the table is WITHOUT ROWID, so rows are stored clustered in
  that order and there is no second copy of the key;
- times are integer epoch seconds (UTC) plus the original UTC offset in minutes: compact, exact,
  cheap to compare and to bind in bulk, and what the metric engines use (POSIX seconds);
- source and device strings live once in `health_devices`, rows carry its integer id;
- the device and import ids are not foreign keys, so bulk inserts don't pay for lookups.

Every person column references `users.id` with ON DELETE CASCADE, so erasing a person erases
their health data. Rows are written with Core `executemany`, never the ORM unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from aegle.core.errors import Conflict, StorageError
from aegle.store.tables import Base

BATCH: Final = 5000
"""Rows per executemany call: large enough to amortise round trips, small enough for memory."""

_BigInt = BigInteger().with_variant(Integer(), "sqlite")


def _person() -> Mapped[str]:
    return mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))


class HealthImport(Base):
    """One import run: provenance, counts and the cursor an incremental source resumes from."""

    __tablename__ = "health_imports"
    __table_args__ = (Index("ix_health_imports_person_source", "person_id", "source", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person()
    source: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    actor_id: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    added: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HealthDevice(Base):
    """A (source, device) pair of one person, e.g. ("cgm_csv", "Dexcom G6 SN 1234")."""

    __tablename__ = "health_devices"
    __table_args__ = (UniqueConstraint("person_id", "source", "device", name="uq_health_devices"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person()
    source: Mapped[str] = mapped_column(String(32))
    device: Mapped[str] = mapped_column(String(200))


class HealthObservation(Base):
    """One measured value. `code` is a LOINC code, or `system|code` for codes outside LOINC."""

    __tablename__ = "health_observations"
    __table_args__ = ({"sqlite_with_rowid": False},)

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    effective_at: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Not foreign keys (like import_id): a per-row lookup would slow bulk inserts, and devices
    # are only ever deleted together with the person, which cascades here directly.
    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    utc_offset_min: Mapped[int | None] = mapped_column(SmallInteger)
    effective_end: Mapped[int | None] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(24))
    import_id: Mapped[int] = mapped_column(Integer)


class HealthCondition(Base):
    __tablename__ = "health_conditions"
    __table_args__ = (
        UniqueConstraint("person_id", "natural_key", name="uq_health_conditions_natural"),
    )

    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person()
    natural_key: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(128))
    code: Mapped[str] = mapped_column(String(64))
    display: Mapped[str] = mapped_column(String(255), default="")
    clinical_status: Mapped[str] = mapped_column(String(32), default="")
    onset_at: Mapped[int | None] = mapped_column(BigInteger)
    abatement_at: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))
    import_id: Mapped[int] = mapped_column(Integer)


class HealthMedication(Base):
    __tablename__ = "health_medications"
    __table_args__ = (
        UniqueConstraint("person_id", "natural_key", name="uq_health_medications_natural"),
    )

    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person()
    natural_key: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(128))
    code: Mapped[str] = mapped_column(String(64))
    display: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(32), default="")
    intent: Mapped[str] = mapped_column(String(32), default="")
    authored_at: Mapped[int | None] = mapped_column(BigInteger)
    dosage: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(32))
    import_id: Mapped[int] = mapped_column(Integer)


class HealthAlert(Base):
    """An alert raised from a person's device data, delivered to their in-app inbox.

    The texts are stored as rendered (zh and en) with their sources, so an alert keeps saying
    what it said when it was raised even after the rules change. One row per (rule, event start):
    re-evaluating the same data adds nothing.
    """

    __tablename__ = "health_alerts"
    __table_args__ = (
        UniqueConstraint("person_id", "rule_id", "start_at", name="uq_health_alerts_event"),
        Index("ix_health_alerts_person_id", "person_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person()
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    triage: Mapped[str] = mapped_column(String(32))
    start_at: Mapped[int] = mapped_column(BigInteger)  # epoch seconds (UTC)
    end_at: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int | None] = mapped_column(SmallInteger)
    value: Mapped[float] = mapped_column(Float)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    advice: Mapped[dict[str, Any]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


OBSERVATIONS: Final[Table] = HealthObservation.__table__  # type: ignore[assignment]
CONDITIONS: Final[Table] = HealthCondition.__table__  # type: ignore[assignment]
MEDICATIONS: Final[Table] = HealthMedication.__table__  # type: ignore[assignment]
DEVICES: Final[Table] = HealthDevice.__table__  # type: ignore[assignment]
ALERTS: Final[Table] = HealthAlert.__table__  # type: ignore[assignment]


def insert_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert alerts, skipping any whose (person, rule, start) is already stored (a concurrent
    evaluation of the same data). Returns how many were added."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement = (
        postgresql_insert(ALERTS).on_conflict_do_nothing()
        if dialect == "postgresql"
        else sqlite_insert(ALERTS).on_conflict_do_nothing()
    )
    result = session.execute(statement, list(rows))
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def bulk_insert(
    session: Session, table: Table, rows: Iterable[Mapping[str, Any]], *, batch: int = BATCH
) -> tuple[int, int]:
    """Insert rows given as mappings (all with the same keys), skipping those whose natural key
    is already stored. Returns (added, offered)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0, 0
    columns = tuple(first)

    def tuples() -> Iterator[tuple[Any, ...]]:
        yield tuple(first[c] for c in columns)
        for row in iterator:
            yield tuple(row[c] for c in columns)

    return insert_tuples(session, table, columns, tuples(), batch=batch)


OBSERVATION_COLUMNS: Final = (
    "person_id",
    "code",
    "effective_at",
    "device_id",
    "utc_offset_min",
    "effective_end",
    "value",
    "unit",
    "import_id",
)


def insert_tuples(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    batch: int = BATCH,
) -> tuple[int, int]:
    """The fast path for large streamed imports, skipping natural-key duplicates: `rows` in
    lists of `batch`, through `insert_batches`. Values must already be in storage form (ints,
    floats, strings). Returns (added, offered)."""
    return insert_batches(session, table, columns, _chunks(rows, batch))


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert_batches(
    session: Session,
    table: Table,
    columns: Sequence[str],
    batches: Iterable[list[tuple[Any, ...]]],
) -> tuple[int, int]:
    """Rows that already come in lists, skipping natural-key duplicates: one executemany per
    list on SQLite (plain tuples straight to the driver, no per-row parameter processing); on
    PostgreSQL each list is COPYed into a temporary staging table and moved with one INSERT ...
    SELECT ... ON CONFLICT DO NOTHING, an order of magnitude faster than row-by-row statements.
    Returns (added, offered)."""
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")
    connection = session.connection()
    # The driver's own cursor, inside the session's transaction: `added` counts the rows the
    # database reports inserted (conflicts count zero); SQLAlchemy's executemany on psycopg
    # reports -1. The session's error translation doesn't see this cursor: done below.
    cursor = connection.connection.cursor()
    write = (
        _copy_batches(cursor, table.name, columns)
        if connection.dialect.name == "postgresql"
        else _executemany_batches(cursor, table.name, columns)
    )
    added = offered = 0
    dbapi = connection.dialect.loaded_dbapi
    try:
        for chunk in batches:
            if chunk:
                added += write(chunk)
                offered += len(chunk)
    except dbapi.IntegrityError as exc:
        raise Conflict() from exc
    except dbapi.Error as exc:
        raise StorageError() from exc
    finally:
        cursor.close()
    return added, offered


def _executemany_batches(
    cursor: Any, table: str, columns: Sequence[str]
) -> Callable[[list[tuple[Any, ...]]], int]:
    names = ", ".join(columns)
    markers = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({markers}) ON CONFLICT DO NOTHING"  # noqa: S608 - names are ours

    def write(chunk: list[tuple[Any, ...]]) -> int:
        cursor.executemany(sql, chunk)
        return int(cursor.rowcount)

    return write


def _copy_batches(
    cursor: Any, table: str, columns: Sequence[str]
) -> Callable[[list[tuple[Any, ...]]], int]:
    names = ", ".join(columns)
    stage = f"stage_{table}"
    # Column types only (no constraints); dropped with the transaction.
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608 - names are ours
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    move = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} "  # noqa: S608 - names are ours
        "ON CONFLICT DO NOTHING"
    )

    def write(chunk: list[tuple[Any, ...]]) -> int:
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in chunk:
                copy.write_row(row)
        cursor.execute(move)
        added = int(cursor.rowcount)
        cursor.execute(f"TRUNCATE {stage}")
        return added

    return write


def device_id(session: Session, person_id: str, source: str, device: str) -> int:
    """The id of (person, source, device), created on first use."""
    device = device[:200]
    query = select(DEVICES.c.id).where(
        DEVICES.c.person_id == person_id, DEVICES.c.source == source, DEVICES.c.device == device
    )
    found = session.scalar(query)
    if found is not None:
        return int(found)
    insert_tuples(
        session, DEVICES, ("person_id", "source", "device"), [(person_id, source, device)]
    )
    created = session.scalar(query)
    assert created is not None
    return int(created)


def value_series(
    session: Session,
    person_id: str,
    code: str,
    unit: str,
    start: int | None = None,
    end: int | None = None,
) -> tuple[list[int], list[float]]:
    """(epoch seconds, values) of one person's code in [start, end), oldest first.

    Read through the driver's cursor: years of 5-minute data are hundreds of thousands of rows,
    and this is the hot read of the metric engines; the (person, code, time) key serves it.
    """
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        "SELECT effective_at, value FROM health_observations "  # noqa: S608 - constants only
        f"WHERE person_id = {marker} AND code = {marker} AND unit = {marker} "
        f"AND effective_at >= {marker} AND effective_at < {marker} "
        "ORDER BY effective_at"
    )
    low = -(2**62) if start is None else start
    high = 2**62 if end is None else end
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, (person_id, code, unit, low, high))
        rows = cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as exc:
        raise StorageError() from exc
    finally:
        cursor.close()
    return [row[0] for row in rows], [row[1] for row in rows]
