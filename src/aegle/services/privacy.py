"""Export everything stored about a person as a FHIR R4 Bundle, and erase a person.

Capabilities that store more kinds of records add an `ExportSection`; erasure relies on every
health table referencing `users.id` with ON DELETE CASCADE (a test walks the schema for that).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import delete, select

from aegle.core.ports import Clock
from aegle.services.access import AccessGate, PersonScope
from aegle.services.actor import Actor
from aegle.store.tables import (
    CareGrant,
    Consent,
    Conversation,
    InterviewRecord,
    LoginAttempt,
    Message,
    User,
)

AEGLE_SYSTEM = "urn:aegle"
Resource = dict[str, Any]


class ExportSection(Protocol):
    def resources(self, scope: PersonScope) -> Iterable[Resource]: ...


def _ref(user_id: str) -> dict[str, str]:
    return {"reference": f"Patient/{user_id}"}


class AccountSection:
    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        user = scope.session.get(User, scope.person_id)
        if user is None:
            return
        yield {
            "resourceType": "Patient",
            "id": user.id,
            "identifier": [{"system": f"{AEGLE_SYSTEM}:username", "value": user.username}],
            "name": [{"text": user.display_name or user.username}],
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": user.locale}]}}
            ],
            "meta": {"tag": [{"system": f"{AEGLE_SYSTEM}:role", "code": user.role}]},
        }


class ConsentSection:
    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        consents = scope.session.scalars(
            select(Consent).where(Consent.person_id == scope.person_id)
        )
        for consent in consents:
            period: dict[str, str] = {"start": consent.granted_at.isoformat()}
            if consent.revoked_at:
                period["end"] = consent.revoked_at.isoformat()
            yield {
                "resourceType": "Consent",
                "id": consent.id,
                "status": "inactive" if consent.revoked_at else "active",
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "patient-privacy",
                        }
                    ]
                },
                "category": [{"text": consent.purpose}],
                "patient": _ref(scope.person_id),
                "dateTime": consent.granted_at.isoformat(),
                "provision": {
                    "period": period,
                    "purpose": [{"system": f"{AEGLE_SYSTEM}:purpose", "code": consent.purpose}],
                    "class": [{"system": f"{AEGLE_SYSTEM}:source", "code": consent.source}],
                    "data": [
                        {"meaning": "related", "reference": {"display": consent.scope}},
                    ],
                },
            }


class CareGrantSection:
    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        grants = scope.session.scalars(
            select(CareGrant).where(CareGrant.patient_id == scope.person_id)
        )
        for grant in grants:
            period: dict[str, str] = {"start": grant.created_at.isoformat()}
            end = grant.revoked_at or grant.expires_at
            if end:
                period["end"] = end.isoformat()
            yield {
                "resourceType": "CareTeam",
                "id": grant.id,
                "status": "inactive" if grant.revoked_at else "active",
                "category": [{"text": grant.kind}],
                "subject": _ref(scope.person_id),
                "period": period,
                "participant": [{"member": {"reference": f"Practitioner/{grant.doctor_id}"}}],
            }


class ConversationSection:
    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        conversations = scope.session.scalars(
            select(Conversation).where(Conversation.person_id == scope.person_id)
        )
        for conversation in conversations:
            messages = scope.session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.seq)
            )
            for message in messages:
                payload: list[dict[str, Any]] = [{"contentString": message.text}]
                if message.payload:
                    encoded = json.dumps(message.payload, ensure_ascii=False).encode()
                    payload.append(
                        {
                            "contentAttachment": {
                                "contentType": "application/json",
                                "data": base64.b64encode(encoded).decode(),
                            }
                        }
                    )
                sender = (
                    _ref(scope.person_id)
                    if message.role == "user"
                    else {"reference": "Device/aegle-assistant"}
                )
                yield {
                    "resourceType": "Communication",
                    "id": message.id,
                    "status": "completed",
                    "identifier": [
                        {
                            "system": f"{AEGLE_SYSTEM}:conversation:{conversation.id}",
                            "value": str(message.seq),
                        }
                    ],
                    "topic": {"text": conversation.title or conversation.id},
                    "subject": _ref(scope.person_id),
                    "sender": sender,
                    "sent": message.created_at.isoformat(),
                    "language": message.lang,
                    "payload": payload,
                }


class InterviewSection:
    """Each consultation interview as a QuestionnaireResponse: the opening, every answer as the
    client sent it, and the engine's latest message (the result once finished)."""

    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        records = scope.session.scalars(
            select(InterviewRecord).where(InterviewRecord.person_id == scope.person_id)
        )
        for record in records:
            items = [
                {
                    "linkId": f"message-{index}",
                    "text": str(message.get("type", "message")),
                    "answer": [{"valueString": json.dumps(message, ensure_ascii=False)}],
                }
                for index, message in enumerate(record.transcript)
            ]
            items.append(
                {
                    "linkId": "engine-latest",
                    "text": str(record.last_output.get("type", "")),
                    "answer": [{"valueString": json.dumps(record.last_output, ensure_ascii=False)}],
                }
            )
            yield {
                "resourceType": "QuestionnaireResponse",
                "id": record.id,
                "status": "completed" if record.status == "finished" else "in-progress",
                "subject": _ref(scope.person_id),
                "authored": record.updated_at.isoformat(),
                "language": record.lang,
                "item": items,
            }


DEFAULT_SECTIONS: tuple[ExportSection, ...] = (
    AccountSection(),
    ConsentSection(),
    CareGrantSection(),
    ConversationSection(),
    InterviewSection(),
)


class Privacy:
    def __init__(
        self, gate: AccessGate, clock: Clock, sections: Sequence[ExportSection] = DEFAULT_SECTIONS
    ) -> None:
        self._gate = gate
        self._clock = clock
        self._sections = sections

    def export(self, actor: Actor, person_id: str) -> dict[str, Any]:
        scope = self._gate.open(actor, person_id, "export", resource_type="person")
        entries = [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for section in self._sections
            for resource in section.resources(scope)
        ]
        bundle = Bundle.model_validate(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "timestamp": self._clock.now().isoformat(),
                "entry": entries,
            }
        )
        exported: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
        return exported

    def erase(self, actor: Actor, person_id: str) -> None:
        """Delete the account and every record that references it; the audit log keeps the
        fact (opaque ids only)."""
        scope = self._gate.open(actor, person_id, "erase", resource_type="person")
        session = scope.session
        user = session.get(User, person_id)
        if user is None:
            return
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == user.username))
        session.delete(user)
        session.flush()
        scope.audit("person.erase", "person", person_id)
