"""The audit chain detects edited, deleted and truncated rows; the table refuses edits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.types import Role
from aegle.services.actor import Actor
from aegle.services.audit import verify
from aegle.settings import Settings


def _write_events(platform: Platform, count: int) -> None:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="audited", password="password1")
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
    for _ in range(count):
        with platform.unit_of_work() as s:
            s.gate.open(actor, user.id, "read", resource_type="conversation")


@pytest.fixture
def unprotected(platform: Platform) -> Iterator[None]:
    """What an attacker with raw database access would do first: switch the guard off.
    (PostgreSQL's schema is shared by the session's tests, so it is switched back on after.)"""
    postgres = platform.database.dialect == "postgresql"
    with platform.database.engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
    yield
    if postgres:
        with platform.database.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))


def _verify(platform: Platform) -> list[str]:
    with platform.unit_of_work() as s:
        report = verify(s.gate.session)
    return report.problems


def test_intact_chain_verifies(platform: Platform) -> None:
    _write_events(platform, 5)
    assert _verify(platform) == []


def test_database_refuses_edits_and_deletes(platform: Platform) -> None:
    _write_events(platform, 2)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError), platform.database.engine.begin() as conn:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE audit_events SET resource_type = 'labs' WHERE seq = 3", "row 3 was modified"),
        ("DELETE FROM audit_events WHERE seq = 3", "rows 3..3 are missing"),
        ("DELETE FROM audit_events WHERE seq = 6", "rows were removed from the end"),
    ],
)
def test_tampering_is_detected(
    platform: Platform, statement: str, expected: str, unprotected: None
) -> None:
    _write_events(platform, 5)
    with platform.database.engine.begin() as conn:
        conn.execute(text(statement))
    problems = _verify(platform)
    assert any(expected in problem for problem in problems), problems


def test_the_chain_stays_whole_when_other_processes_and_rollbacks_move_the_head(
    platform: Platform, settings: Settings, clock: FrozenClock
) -> None:
    """Each process remembers the head it last committed; another process's appends and a
    rolled-back append make that memory stale, and the next append must notice."""
    _write_events(platform, 1)
    other = Platform(settings, clock=clock)  # a second server worker on the same database
    with platform.unit_of_work() as s:
        user = s.accounts.find("audited")
        assert user is not None
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")

    def read(p: Platform) -> None:
        with p.unit_of_work() as s:
            s.gate.open(actor, user.id, "read", resource_type="conversation")

    before = _count(platform)
    for turn in range(6):
        read(platform if turn % 3 else other)
    with pytest.raises(RuntimeError):
        _fail_after_access(platform, actor, user.id)
    read(platform)
    read(other)
    other.close()
    assert _verify(platform) == []
    assert _count(platform) == before + 6 + 2  # the rolled-back access left no row


def _fail_after_access(platform: Platform, actor: Actor, person_id: str) -> None:
    with platform.unit_of_work() as s:
        s.gate.open(actor, person_id, "read", resource_type="conversation")
        raise RuntimeError("the request failed after its audited access")


def _count(platform: Platform) -> int:
    with platform.unit_of_work() as s:
        return int(s.gate.session.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one())
