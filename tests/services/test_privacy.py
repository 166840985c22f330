"""Export is a valid FHIR R4 Bundle of everything stored; erasure leaves no health data."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from aegle.assistant.model import Reply, TurnContext
from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.services.actor import Actor
from aegle.store.schema import metadata
from aegle.store.tables import AuditEvent, User
from tests.fakes import FakeResponder


class EchoResponder(FakeResponder):
    """A real, minimal responder so these tests don't depend on the assistant's wording."""

    def answer(self, turn: TurnContext) -> Reply:
        return Reply(text=f"echo: {turn.text}", intent="smalltalk")


def _seed(platform: Platform) -> tuple[User, Actor]:
    platform._responder = EchoResponder()
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="pia", password="password1", locale="en")
        s.accounts.register(username="drx", password="password1", role=Role.DOCTOR)
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
    with platform.unit_of_work() as s:
        conversation = s.conversations.create(actor, locale="en")
        s.conversations.post(actor, conversation.id, text="头疼三天了", locale="zh-CN")
        scope = s.gate.open(actor, user.id, "write", resource_type="consent")
        s.consents.grant(scope, source="apple_health", purpose="import")
        s.accounts.grant_care(actor, patient_id=user.id, doctor_username="drx")
    return user, actor


def test_export_is_a_valid_bundle_with_everything(platform: Platform) -> None:
    user, actor = _seed(platform)
    with platform.unit_of_work() as s:
        exported = s.privacy.export(actor, user.id)
    bundle = Bundle.model_validate(exported)
    kinds = sorted(entry.resource.__resource_type__ for entry in bundle.entry or [])
    assert kinds == ["CareTeam", "Communication", "Communication", "Consent", "Patient"]
    texts = [
        payload.contentString
        for entry in bundle.entry or []
        if entry.resource.__resource_type__ == "Communication"
        for payload in entry.resource.payload
        if payload.contentString
    ]
    assert texts == ["头疼三天了", "echo: 头疼三天了"]


def test_another_person_cannot_export(platform: Platform) -> None:
    user, _ = _seed(platform)
    with platform.unit_of_work() as s:
        other = s.accounts.register(username="mallory", password="password1")
    import pytest

    from aegle.core.errors import NotFound

    with pytest.raises(NotFound), platform.unit_of_work() as s:
        s.privacy.export(Actor(user_id=other.id, role=Role.PATIENT, origin="t"), user.id)


def test_erase_removes_every_row_of_the_person(platform: Platform) -> None:
    user, actor = _seed(platform)
    with platform.unit_of_work() as s:
        s.privacy.erase(actor, user.id)
    with platform.unit_of_work() as s:
        session = s.gate.session
        for table in metadata.sorted_tables:
            if table.name in {"audit_events", "audit_head"}:
                continue
            columns = ("id",) if table.name == "users" else ("person_id", "user_id", "patient_id")
            for column in columns:
                if column in table.c:
                    count = session.scalar(
                        select(func.count()).select_from(table).where(table.c[column] == user.id)
                    )
                    assert count == 0, f"{table.name}.{column} still holds the person"
        facts = session.scalars(
            select(AuditEvent.action).where(AuditEvent.person_id == user.id)
        ).all()
    assert "person.erase" in facts


def test_every_person_reference_cascades_on_erase() -> None:
    """A new table holding a person's data must reference users.id with ON DELETE CASCADE."""
    for table in metadata.sorted_tables:
        for column in table.c:
            if column.name in {"person_id", "user_id", "patient_id", "doctor_id"}:
                if table.name == "audit_events":
                    continue
                keys = list(column.foreign_keys)
                assert keys, f"{table.name}.{column.name} has no foreign key to users"
                assert keys[0].target_fullname == "users.id"
                assert keys[0].ondelete == "CASCADE", f"{table.name}.{column.name}"
