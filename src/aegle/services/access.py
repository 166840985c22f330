"""The one place where access to a person's health data is decided and audited.

Repositories of health records accept only a `PersonScope`, and the only way to get one is
`AccessGate.open`, so no endpoint can forget a check. Rules:
- a patient reaches their own records;
- a doctor reaches a patient's records only through an active care grant (a consultation or a
  care relationship the patient or an admin created);
- an admin manages accounts but does not read health data; an admin may erase a person on request;
- the system actor (CLI maintenance) may export or erase on an operator's command.
Denied attempts are audited too and surface as "not found", so ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aegle.core.errors import NotFound
from aegle.core.ports import Clock
from aegle.core.types import Role
from aegle.services.actor import Actor
from aegle.services.audit import AuditLog
from aegle.store.tables import CareGrant, User

Purpose = Literal["read", "write", "export", "erase"]


@dataclass(frozen=True, slots=True)
class PersonScope:
    """Proof that `actor` may do `purpose` on `person_id`'s records in this unit of work."""

    person_id: str
    actor: Actor
    purpose: Purpose
    _gate: AccessGate

    @property
    def session(self) -> Session:
        """The unit of work this scope was opened in; repositories query through it."""
        return self._gate.session

    def audit(self, action: str, resource_type: str, resource_id: str | None = None) -> None:
        self._gate.audit.record(
            self.actor,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            person_id=self.person_id,
        )


class AccessGate:
    def __init__(self, session: Session, clock: Clock, audit: AuditLog) -> None:
        self.session = session
        self._clock = clock
        self.audit = audit

    def open(
        self,
        actor: Actor,
        person_id: str,
        purpose: Purpose,
        *,
        resource_type: str,
        resource_id: str | None = None,
    ) -> PersonScope:
        """Return a scope for the person's records or raise NotFound (audited either way)."""
        allowed = self._allowed(actor, person_id, purpose)
        self.audit.record(
            actor,
            action=f"{resource_type}.{purpose}",
            resource_type=resource_type,
            resource_id=resource_id,
            person_id=person_id,
            outcome="allowed" if allowed else "denied",
        )
        if not allowed:
            raise NotFound()
        return PersonScope(person_id=person_id, actor=actor, purpose=purpose, _gate=self)

    def _allowed(self, actor: Actor, person_id: str, purpose: Purpose) -> bool:
        if actor.user_id is None:  # the operator at the console
            return purpose in ("export", "erase")
        if actor.role is Role.PATIENT:
            return actor.user_id == person_id
        if actor.role is Role.ADMIN:
            return purpose == "erase"
        if actor.role is Role.DOCTOR:
            if actor.user_id == person_id:
                return purpose in ("read", "write", "export", "erase")
            return purpose in ("read", "write") and self.has_grant(actor.user_id, person_id)
        return False

    def has_grant(self, doctor_id: str, patient_id: str) -> bool:
        now = self._clock.now()
        grant = self.session.scalars(
            select(CareGrant.id)
            .join(User, User.id == CareGrant.patient_id)
            .where(
                CareGrant.doctor_id == doctor_id,
                CareGrant.patient_id == patient_id,
                CareGrant.revoked_at.is_(None),
                or_(CareGrant.expires_at.is_(None), CareGrant.expires_at > now),
            )
            .limit(1)
        ).first()
        return grant is not None
