"""Conversations: stored per person, every turn through the assistant (safety first)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, func, insert, select, update

from aegle.assistant.consult import answer_from_text, question_reply, result_reply, wants_to_stop
from aegle.assistant.model import PreparedTurn, Reply, TurnContext
from aegle.assistant.texts import default_texts
from aegle.core.errors import InvalidInput, NotFound
from aegle.core.i18n import N_
from aegle.core.ports import Clock
from aegle.core.text import clean_user_text
from aegle.core.types import LocaleCode
from aegle.services.access import AccessGate, PersonScope, Purpose
from aegle.services.accounts import new_id
from aegle.services.actor import Actor
from aegle.services.health_data import HealthData
from aegle.services.interviews import Interviews
from aegle.store.driver import DriverStatement
from aegle.store.tables import Base, Conversation, InterviewRecord

HISTORY_TURNS = 10
# Built once: statement construction and cache keys are most of the per-call cost.
_CONVERSATIONS: Table = Base.metadata.tables["conversations"]
_MESSAGES: Table = Base.metadata.tables["messages"]
_INTERVIEWS: Table = Base.metadata.tables["interviews"]
# One statement gives the owner and the conversation's unfinished interview (the newest), which
# is used only after the access gate has allowed the actor in.
_OWNER_AND_INTERVIEW = DriverStatement(
    select(
        _CONVERSATIONS.c.person_id,
        select(_INTERVIEWS.c.id)
        .where(
            _INTERVIEWS.c.conversation_id == _CONVERSATIONS.c.id,
            _INTERVIEWS.c.person_id == _CONVERSATIONS.c.person_id,
            _INTERVIEWS.c.status == "active",
        )
        .order_by(_INTERVIEWS.c.created_at.desc())
        .limit(1)
        .scalar_subquery()
        .label("active_interview_id"),
    ).where(_CONVERSATIONS.c.id == bindparam("cid"))
)
_RECENT = DriverStatement(
    select(_MESSAGES.c.seq, _MESSAGES.c.role, _MESSAGES.c.text)
    .where(_MESSAGES.c.conversation_id == bindparam("cid"))
    .order_by(_MESSAGES.c.seq.desc())
    .limit(HISTORY_TURNS)
)
_INSERT_MESSAGE = DriverStatement(insert(_MESSAGES))
_TOUCH = DriverStatement(
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("cid"))
    .values(
        updated_at=bindparam("now"),
        # The first message names the conversation unless it already has a title.
        title=func.coalesce(func.nullif(_CONVERSATIONS.c.title, ""), bindparam("first_title")),
    )
)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A stored message as the services hand it out (never a live table row)."""

    id: str
    conversation_id: str
    person_id: str
    seq: int
    role: str
    text: str
    lang: str
    intent: str | None
    payload: dict[str, Any]
    created_at: datetime

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class Responder(Protocol):
    def prepare(self, text: str, locale: LocaleCode, *, answer: bool = True) -> PreparedTurn: ...

    def complete(self, prepared: PreparedTurn) -> PreparedTurn: ...

    def runs_a_model(self, prepared: PreparedTurn) -> bool: ...

    def turn(self, turn: TurnContext, prepared: PreparedTurn | None = None) -> Reply: ...


def message_text(text: str, max_chars: int) -> str:
    """The user's text as stored and answered, or InvalidInput (empty or too long)."""
    text = clean_user_text(text)
    if not text:
        raise InvalidInput(N_("The message is empty"))
    if len(text) > max_chars:
        raise InvalidInput(
            N_("The message is longer than {max} characters"), params={"max": max_chars}
        )
    return text


def _is_safety(reply: Reply) -> bool:
    return reply.safety.triggered or any(card.kind == "safety" for card in reply.cards)


def _carry_scope(rendered: Reply, original: Reply) -> Reply:
    """A reply rebuilt by the service keeps the safety assessment and the scope notice."""
    scope = tuple(card for card in original.cards if card.kind == "scope")
    return rendered.model_copy(update={"safety": original.safety, "cards": rendered.cards + scope})


def reply_payload(reply: Reply) -> dict[str, Any]:
    return {
        "cards": [card.model_dump(mode="json") for card in reply.cards],
        "actions": [action.model_dump(mode="json") for action in reply.actions],
        "safety": reply.safety.model_dump(mode="json"),
    }


class Conversations:
    def __init__(
        self,
        gate: AccessGate,
        clock: Clock,
        responder: Callable[[], Responder],
        max_chars: int,
        interviews: Interviews | None = None,
        health_data: HealthData | None = None,
        timezone: str = "UTC",
    ) -> None:
        """`responder` is a provider so units of work that never chat don't build the assistant.
        With `interviews`, a consultation runs inside the conversation."""
        self._gate = gate
        self._clock = clock
        self._responder = responder
        self._max_chars = max_chars
        self._interviews = interviews
        self._health_data = health_data
        self._timezone = timezone

    def create(self, actor: Actor, *, locale: LocaleCode, title: str = "") -> Conversation:
        if actor.user_id is None:
            raise NotFound()
        scope = self._gate.open(actor, actor.user_id, "write", resource_type="conversation")
        now = self._clock.now()
        conversation = Conversation(
            id=new_id(),
            person_id=scope.person_id,
            title=clean_user_text(title)[:200],
            locale=locale,
            created_at=now,
            updated_at=now,
        )
        scope.session.add(conversation)
        scope.session.flush()
        return conversation

    def _open(
        self, actor: Actor, conversation_id: str, purpose: Purpose
    ) -> tuple[PersonScope, str | None]:
        """Authorise access to one conversation; unknown and forbidden look the same (404).
        Also returns the id of the conversation's unfinished interview, if any."""
        connection = self._gate.session.connection()
        row = _OWNER_AND_INTERVIEW.execute(connection, {"cid": conversation_id}).first()
        if row is None:
            raise NotFound()
        scope = self._gate.open(
            actor, row.person_id, purpose, resource_type="conversation", resource_id=conversation_id
        )
        return scope, row.active_interview_id

    def get(self, actor: Actor, conversation_id: str) -> tuple[Conversation, list[MessageRecord]]:
        scope, _ = self._open(actor, conversation_id, "read")
        conversation = scope.session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound()
        return conversation, self.messages(scope, conversation.id)

    def _consult(
        self,
        actor: Actor,
        active: InterviewRecord | None,
        conversation_id: str,
        text: str,
        locale: LocaleCode,
        reply: Reply,
    ) -> Reply:
        """Start or continue the conversation's consultation interview.

        Runs only after the safety layer found nothing: a safety reply is never replaced, and an
        interview interrupted by one simply continues with the next message.
        """
        assert self._interviews is not None
        texts = default_texts()
        stopped = False
        if active is not None:
            if wants_to_stop(text):
                stopped = True
                output = self._interviews.answer(actor, active.id, {"type": "finish"})
            else:
                answer = answer_from_text(text, active.last_output)
                try:
                    output = self._interviews.answer(actor, active.id, answer)
                except InvalidInput:  # an answer the engine refuses is sent as free text
                    free = {"type": "answer", "id": answer["id"], "message": text}
                    output = self._interviews.answer(actor, active.id, free)
        elif reply.intent == "consult":
            start = {"lang": "zh" if locale == "zh-CN" else "en", "message": text}
            _, output = self._interviews.start(actor, start, conversation_id=conversation_id)
        else:
            return reply
        if output.get("type") == "question":
            rendered = question_reply(output, locale, texts)
        else:
            rendered = result_reply(output, locale, texts, stopped=stopped)
        return _carry_scope(rendered, reply)

    def _health_reply(
        self, actor: Actor, scope: PersonScope, text: str, locale: LocaleCode, reply: Reply
    ) -> Reply:
        """The person's own device data: metrics, a chart, judged against the targets."""
        assert self._health_data is not None
        rendered = self._health_data.answer(actor, scope.person_id, text, locale)
        return _carry_scope(rendered, reply)

    @staticmethod
    def messages(scope: PersonScope, conversation_id: str) -> list[MessageRecord]:
        rows = scope.session.connection().execute(
            select(_MESSAGES)
            .where(
                _MESSAGES.c.person_id == scope.person_id,
                _MESSAGES.c.conversation_id == conversation_id,
            )
            .order_by(_MESSAGES.c.seq)
        )
        return [MessageRecord(**row._asdict()) for row in rows]

    def list_for(self, actor: Actor, person_id: str) -> list[Conversation]:
        scope = self._gate.open(actor, person_id, "read", resource_type="conversation")
        return list(
            scope.session.scalars(
                select(Conversation)
                .where(Conversation.person_id == scope.person_id)
                .order_by(Conversation.updated_at.desc())
            )
        )

    def post(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        text: str,
        locale: LocaleCode,
        prepared: PreparedTurn | None = None,
    ) -> tuple[MessageRecord, MessageRecord, Reply]:
        """Store the user's message and the reply. `prepared` is the text-only part of the turn
        (Platform.prepare_turn), computed before this transaction began."""
        text = message_text(text, self._max_chars)
        scope, active_id = self._open(actor, conversation_id, "write")
        conn = scope.session.connection()
        # Core statements on this hot path: one query gives both the history and the last seq.
        recent = _RECENT.execute(conn, {"cid": conversation_id}).all()
        history = tuple((row.role, row.text) for row in reversed(recent))
        active = (
            scope.session.get(InterviewRecord, active_id)
            if self._interviews is not None and active_id is not None
            else None
        )
        reply = self._responder().turn(
            TurnContext(text=text, locale=locale, history=history, consulting=active is not None),
            prepared,
        )
        if self._interviews is not None and not _is_safety(reply):
            reply = self._consult(actor, active, conversation_id, text, locale, reply)
        if (
            self._health_data is not None
            and reply.intent == "health_data"
            and not _is_safety(reply)
        ):
            reply = self._health_reply(actor, scope, text, locale, reply)
        user_message, reply_message = self._append(
            scope, conversation_id, text, reply, locale, recent
        )
        return user_message, reply_message, reply

    def record_upload(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        file_name: str,
        reply: Reply,
        locale: LocaleCode,
    ) -> tuple[MessageRecord, MessageRecord]:
        """A file the person uploaded in the conversation (a lab report): its name as their
        message and `reply` (the explanation) as the assistant's, so the thread keeps both."""
        text = message_text(f"📎 {file_name}", self._max_chars)
        scope, _ = self._open(actor, conversation_id, "write")
        recent = _RECENT.execute(scope.session.connection(), {"cid": conversation_id}).all()
        return self._append(scope, conversation_id, text, reply, locale, recent)

    def _append(
        self,
        scope: PersonScope,
        conversation_id: str,
        text: str,
        reply: Reply,
        locale: LocaleCode,
        recent: Sequence[Any],
    ) -> tuple[MessageRecord, MessageRecord]:
        """Store the person's message and the reply after the newest of `recent`."""
        now = self._clock.now()
        seq = recent[0].seq + 1 if recent else 1
        common: dict[str, Any] = {
            "conversation_id": conversation_id,
            "person_id": scope.person_id,
            "lang": locale,
            "intent": reply.intent,
            "created_at": now,
        }
        user_message = MessageRecord(
            id=new_id(), seq=seq, role="user", text=text, payload={}, **common
        )
        reply_message = MessageRecord(
            id=new_id(),
            seq=seq + 1,
            role="assistant",
            text=reply.text,
            payload=reply_payload(reply),
            **common,
        )
        conn = scope.session.connection()
        _INSERT_MESSAGE.execute(conn, [user_message.row(), reply_message.row()])
        _TOUCH.execute(conn, {"cid": conversation_id, "now": now, "first_title": text[:60]})
        return user_message, reply_message
