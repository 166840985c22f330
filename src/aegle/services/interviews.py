"""Consultation interviews over HTTP: the same protocol messages as `aegle interview --jsonl`.

Workers are stateless: an interview is stored as the client's messages, and the deterministic
engine is rebuilt by replaying them. A small in-process cache keeps live sessions so the usual
case (the same worker answering the next question) does not replay at all.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aegle.clinic.protocol import Session
from aegle.core.errors import Conflict, InvalidInput, NotFound
from aegle.core.i18n import N_
from aegle.core.ports import Clock
from aegle.core.types import normalize_locale
from aegle.services.access import AccessGate
from aegle.services.accounts import new_id
from aegle.services.actor import Actor
from aegle.store.tables import InterviewRecord

ProtocolMessage = dict[str, Any]


class SessionCache:
    """Live engine sessions keyed by (interview id, messages handled). Thread-safe LRU."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int], Session] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: tuple[str, int]) -> Session | None:
        with self._lock:
            return self._items.pop(key, None)

    def put(self, key: tuple[str, int], session: Session) -> None:
        with self._lock:
            self._items[key] = session
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _handle(session: Session, message: ProtocolMessage) -> ProtocolMessage:
    outputs = session.handle(json.dumps(message, ensure_ascii=False))
    last = outputs[-1]
    if last.get("type") == "error":
        raise InvalidInput(
            N_("The interview message was refused: {reason}"),
            params={"reason": str(last.get("message", ""))},
        )
    return last


class Interviews:
    def __init__(
        self,
        gate: AccessGate,
        clock: Clock,
        new_session: Callable[[], Session],
        cache: SessionCache,
    ) -> None:
        self._gate = gate
        self._clock = clock
        self._new_session = new_session
        self._cache = cache

    def start(
        self, actor: Actor, message: ProtocolMessage, *, conversation_id: str | None = None
    ) -> tuple[str, ProtocolMessage]:
        if actor.user_id is None:
            raise NotFound()
        message = {**message, "type": "start"}
        scope = self._gate.open(actor, actor.user_id, "write", resource_type="interview")
        session = self._new_session()
        output = _handle(session, message)
        now = self._clock.now()
        record = InterviewRecord(
            id=new_id(),
            person_id=scope.person_id,
            conversation_id=conversation_id,
            lang=normalize_locale(str(message.get("lang") or "en"), "en"),
            status=_status(output),
            transcript=[message],
            last_output=output,
            created_at=now,
            updated_at=now,
        )
        scope.session.add(record)
        scope.session.flush()
        self._cache.put((record.id, 1), session)
        return record.id, output

    def answer(self, actor: Actor, interview_id: str, message: ProtocolMessage) -> ProtocolMessage:
        record = self._load(actor, interview_id, "write")
        if record.status != "active":
            raise Conflict(N_("This interview has finished"))
        transcript = list(record.transcript)
        session = self._cache.take((record.id, len(transcript)))
        if session is None:
            session = self._replay(transcript)
        output = _handle(session, message)
        transcript.append(message)
        record.transcript = transcript
        record.last_output = output
        record.status = _status(output)
        record.updated_at = self._clock.now()
        if record.status == "active":
            self._cache.put((record.id, len(transcript)), session)
        return output

    def get(self, actor: Actor, interview_id: str) -> InterviewRecord:
        return self._load(actor, interview_id, "read")

    def _load(self, actor: Actor, interview_id: str, purpose: str) -> InterviewRecord:
        record = self._gate.session.get(InterviewRecord, interview_id)
        if record is None:
            raise NotFound()
        self._gate.open(
            actor,
            record.person_id,
            "read" if purpose == "read" else "write",
            resource_type="interview",
            resource_id=record.id,
        )
        return record

    def _replay(self, transcript: list[ProtocolMessage]) -> Session:
        session = self._new_session()
        for message in transcript:
            _handle(session, message)
        return session


def _status(output: ProtocolMessage) -> str:
    return "finished" if output.get("type") == "result" else "active"
