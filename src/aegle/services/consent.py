"""Consent records: what a person allowed (source, purpose, scope), granted and revoked times,
and the check that refuses work without an active consent."""

from __future__ import annotations

from sqlalchemy import select

from aegle.core.errors import ConsentRequired, InvalidInput, NotFound
from aegle.core.i18n import N_
from aegle.core.ports import Clock
from aegle.core.text import clean_user_text
from aegle.services.access import PersonScope
from aegle.services.accounts import new_id
from aegle.store.tables import Consent

_TOKEN_MAX = 64


def _clean(value: str, what: str) -> str:
    value = clean_user_text(value)
    if not value or len(value) > _TOKEN_MAX:
        raise InvalidInput(N_("Consent {field} must be 1 to 64 characters"), params={"field": what})
    return value


class Consents:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def grant(self, scope: PersonScope, *, source: str, purpose: str, detail: str = "*") -> Consent:
        session = scope.session
        consent = Consent(
            id=new_id(),
            person_id=scope.person_id,
            source=_clean(source, "source"),
            purpose=_clean(purpose, "purpose"),
            scope=clean_user_text(detail)[:255] or "*",
            granted_at=self._clock.now(),
            revoked_at=None,
        )
        session.add(consent)
        session.flush()
        scope.audit("consent.grant", "consent", consent.id)
        return consent

    def revoke(self, scope: PersonScope, consent_id: str) -> Consent:
        session = scope.session
        consent = session.get(Consent, consent_id)
        if consent is None or consent.person_id != scope.person_id:
            raise NotFound()
        if consent.revoked_at is None:
            consent.revoked_at = self._clock.now()
        scope.audit("consent.revoke", "consent", consent.id)
        return consent

    def list(self, scope: PersonScope) -> list[Consent]:
        session = scope.session
        return list(
            session.scalars(
                select(Consent)
                .where(Consent.person_id == scope.person_id)
                .order_by(Consent.granted_at)
            )
        )

    def active(self, scope: PersonScope, *, source: str, purpose: str) -> Consent | None:
        session = scope.session
        return session.scalars(
            select(Consent)
            .where(
                Consent.person_id == scope.person_id,
                Consent.source == source,
                Consent.purpose == purpose,
                Consent.revoked_at.is_(None),
            )
            .order_by(Consent.granted_at.desc())
            .limit(1)
        ).first()

    def require(self, scope: PersonScope, *, source: str, purpose: str) -> Consent:
        """Refuse work for which the person has not given (or has revoked) consent."""
        consent = self.active(scope, source=source, purpose=purpose)
        if consent is None:
            raise ConsentRequired(
                N_("No active consent for {source} ({purpose})"),
                params={"source": source, "purpose": purpose},
            )
        return consent
