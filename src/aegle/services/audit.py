"""Append-only, hash-chained audit log of every read and write of health data.

Each row's hash covers its content and the previous row's hash; `audit_head` keeps the newest
seq and hash. `verify` recomputes the chain and reports edited rows, missing rows (gaps) and a
truncated tail. Rows hold opaque ids only, so erasing a person leaves the fact, not the data.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from aegle.core.ports import Clock
from aegle.services.actor import Actor
from aegle.store.driver import DriverStatement
from aegle.store.tables import AuditEvent, AuditHead, Base

GENESIS = "0" * 64
# Built once: statement construction and cache keys are most of the ORM's per-call cost.
_HEADS: Table = Base.metadata.tables["audit_head"]
_HEAD = DriverStatement(select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.id == 1))
_EVENTS: Table = Base.metadata.tables["audit_events"]
_INSERT_EVENT = DriverStatement(insert(_EVENTS))
_ADVANCE_STATEMENT = (
    update(_HEADS)
    .where(_HEADS.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_ADVANCE = DriverStatement(_ADVANCE_STATEMENT)
# Advances the head only if it is still the one this process last saw.
_ADVANCE_FROM = DriverStatement(
    _ADVANCE_STATEMENT.where(
        _HEADS.c.seq == bindparam("old_seq"), _HEADS.c.hash == bindparam("old_hash")
    )
)
_PG_AUDIT_LOCK = 0x4AE61E  # advisory lock id serialising appends across workers


_HASHED = (
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "resource_type",
    "resource_id",
    "person_id",
    "origin",
    "outcome",
    "prev_hash",
)


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the row's content and the previous row's hash."""
    payload = {name: event[name] for name in _HASHED}
    payload["at"] = payload["at"].isoformat()
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


class HeadHint:
    """The chain head as this process last committed it, shared by its units of work.

    Only a hint: an append that starts from it advances the head row conditionally, and reads
    the real head when another process (or a rolled-back transaction) moved it. It spares one
    statement on every audited access.
    """

    def __init__(self) -> None:
        self._head: tuple[int, str] | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[int, str] | None:
        with self._lock:
            return self._head

    def committed(self, head: tuple[int, str] | None) -> None:
        if head is None:
            return
        with self._lock:
            if self._head is None or head[0] > self._head[0]:
                self._head = head


class AuditLog:
    def __init__(self, session: Session, clock: Clock, hint: HeadHint | None = None) -> None:
        self._session = session
        self._clock = clock
        self._hint = hint
        # The head this unit of work wrote last; handed to the hint after a commit.
        self.written_head: tuple[int, str] | None = None
        # Denials are kept aside as well: the failing request's transaction rolls back, and the
        # unit of work writes them again in a transaction of their own (see bootstrap).
        self.denials: list[dict[str, Any]] = []

    def record(
        self,
        actor: Actor,
        *,
        action: str,
        resource_type: str,
        resource_id: str | None = None,
        person_id: str | None = None,
        outcome: str = "allowed",
    ) -> None:
        if outcome == "denied":
            self.denials.append(
                {
                    "actor": actor,
                    "action": action,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "person_id": person_id,
                    "outcome": outcome,
                }
            )
        session = self._session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
        # Core statements, not the ORM unit of work: this runs on every health-data access.
        conn = session.connection()  # Core on the session's transaction, no ORM overhead
        known = self.written_head or (self._hint.get() if self._hint else None)
        if known is not None:
            event = self._event(
                actor,
                known[0] + 1,
                known[1],
                action,
                resource_type,
                resource_id,
                person_id,
                outcome,
            )
            moved = _ADVANCE_FROM.execute(
                conn,
                {
                    "new_seq": event["seq"],
                    "new_hash": event["hash"],
                    "old_seq": known[0],
                    "old_hash": known[1],
                },
            )
            if moved.rowcount != 1:
                known = None
        if known is None:
            head = _HEAD.execute(conn, {}).first()
            seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
            event = self._event(
                actor, seq, prev_hash, action, resource_type, resource_id, person_id, outcome
            )
            if head is None:
                conn.execute(insert(_HEADS), {"id": 1, "seq": seq, "hash": event["hash"]})
            else:
                _ADVANCE.execute(conn, {"new_seq": seq, "new_hash": event["hash"]})
        _INSERT_EVENT.execute(conn, event)
        self.written_head = (event["seq"], event["hash"])

    def _event(
        self,
        actor: Actor,
        seq: int,
        prev_hash: str,
        action: str,
        resource_type: str,
        resource_id: str | None,
        person_id: str | None,
        outcome: str,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "seq": seq,
            "at": self._clock.now().astimezone(UTC),
            "actor_id": actor.user_id,
            "actor_role": actor.role_name,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "person_id": person_id,
            "origin": actor.origin[:128],
            "outcome": outcome,
            "prev_hash": prev_hash,
        }
        event["hash"] = event_hash(event)
        return event

    def replay(self, denials: list[dict[str, Any]]) -> None:
        for denial in denials:
            self.record(**denial)


@dataclass
class VerifyReport:
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the whole chain in seq order (streamed, constant memory)."""
    report = VerifyReport()
    expected_prev, expected_seq = GENESIS, 1
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for event in rows.yield_per(1000):
        report.rows += 1
        if event.seq != expected_seq:
            report.problems.append(f"rows {expected_seq}..{event.seq - 1} are missing")
        if event.prev_hash != expected_prev:
            report.problems.append(f"row {event.seq} does not link to the row before it")
        if event_hash({name: getattr(event, name) for name in _HASHED}) != event.hash:
            report.problems.append(f"row {event.seq} was modified")
        expected_prev, expected_seq = event.hash, event.seq + 1
    head = session.get(AuditHead, 1)
    if head is None:
        if report.rows:
            report.problems.append("the chain head record is missing")
    elif head.seq != expected_seq - 1 or head.hash != expected_prev:
        report.problems.append(
            f"the log ends at row {expected_seq - 1} but the head says {head.seq}: "
            "rows were removed from the end or the head was altered"
        )
    return report
