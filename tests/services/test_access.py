"""Per-person isolation and doctor access through explicit grants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.errors import NotFound, PermissionDenied
from aegle.core.types import Role
from aegle.services.actor import Actor
from aegle.store.tables import AuditEvent, User


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), origin="test")


@pytest.fixture
def people(platform: Platform) -> dict[str, User]:
    with platform.unit_of_work() as s:
        return {
            "pat": s.accounts.register(username="pat", password="password1"),
            "other": s.accounts.register(username="other", password="password1"),
            "doc": s.accounts.register(username="doc", password="password1", role=Role.DOCTOR),
            "admin": s.accounts.register(username="root", password="password1", role=Role.ADMIN),
        }


def _read(platform: Platform, actor: Actor, person: User) -> None:
    with platform.unit_of_work() as s:
        s.gate.open(actor, person.id, "read", resource_type="conversation")


def test_patient_reads_only_own_records(platform: Platform, people: dict[str, User]) -> None:
    _read(platform, _actor(people["pat"]), people["pat"])
    with pytest.raises(NotFound):
        _read(platform, _actor(people["pat"]), people["other"])


def test_doctor_needs_a_grant(
    platform: Platform, people: dict[str, User], clock: FrozenClock
) -> None:
    doctor = _actor(people["doc"])
    with pytest.raises(NotFound):
        _read(platform, doctor, people["pat"])
    with platform.unit_of_work() as s:
        grant = s.accounts.grant_care(
            _actor(people["pat"]), patient_id=people["pat"].id, doctor_username="doc", days=1
        )
    _read(platform, doctor, people["pat"])
    with pytest.raises(NotFound):  # the grant covers one patient only
        _read(platform, doctor, people["other"])
    clock.advance(timedelta(days=1, seconds=1))
    with pytest.raises(NotFound):  # expired
        _read(platform, doctor, people["pat"])
    clock.advance(-timedelta(hours=2))
    with platform.unit_of_work() as s:
        s.accounts.revoke_grant(_actor(people["pat"]), grant.id)
    with pytest.raises(NotFound):  # revoked
        _read(platform, doctor, people["pat"])


def test_only_the_patient_or_admin_can_grant(platform: Platform, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied), platform.unit_of_work() as s:
        s.accounts.grant_care(
            _actor(people["doc"]), patient_id=people["pat"].id, doctor_username="doc"
        )
    with pytest.raises(PermissionDenied), platform.unit_of_work() as s:
        s.accounts.grant_care(
            _actor(people["other"]), patient_id=people["pat"].id, doctor_username="doc"
        )


def test_admin_does_not_read_health_data(platform: Platform, people: dict[str, User]) -> None:
    with pytest.raises(NotFound):
        _read(platform, _actor(people["admin"]), people["pat"])


def test_every_decision_is_audited(platform: Platform, people: dict[str, User]) -> None:
    _read(platform, _actor(people["pat"]), people["pat"])
    with pytest.raises(NotFound):
        _read(platform, _actor(people["doc"]), people["pat"])
    with platform.unit_of_work() as s:
        events = s.gate.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "conversation.read")
        ).all()
    assert [(e.actor_id, e.outcome) for e in events] == [
        (people["pat"].id, "allowed"),
        (people["doc"].id, "denied"),
    ]
    assert all(e.person_id == people["pat"].id for e in events)
