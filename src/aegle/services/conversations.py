"""Conversations: stored per person, every turn through the assistant (safety first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import func, select

from aegle.assistant.model import Reply, TurnContext
from aegle.core.errors import InvalidInput, NotFound
from aegle.core.i18n import N_
from aegle.core.ports import Clock
from aegle.core.text import clean_user_text
from aegle.core.types import LocaleCode
from aegle.services.access import AccessGate, PersonScope
from aegle.services.accounts import new_id
from aegle.services.actor import Actor
from aegle.store.tables import Conversation, Message

HISTORY_TURNS = 10


class Responder(Protocol):
    def turn(self, turn: TurnContext) -> Reply: ...


def reply_payload(reply: Reply) -> dict[str, Any]:
    return {
        "cards": [card.model_dump(mode="json") for card in reply.cards],
        "actions": [action.model_dump(mode="json") for action in reply.actions],
        "safety": reply.safety.model_dump(mode="json"),
    }


class Conversations:
    def __init__(
        self, gate: AccessGate, clock: Clock, responder: Callable[[], Responder], max_chars: int
    ) -> None:
        """`responder` is a provider so units of work that never chat don't build the assistant."""
        self._gate = gate
        self._clock = clock
        self._responder = responder
        self._max_chars = max_chars

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
        self, actor: Actor, conversation_id: str, purpose: str
    ) -> tuple[PersonScope, Conversation]:
        conversation = self._gate.session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound()
        scope = self._gate.open(
            actor,
            conversation.person_id,
            "read" if purpose == "read" else "write",
            resource_type="conversation",
            resource_id=conversation.id,
        )
        return scope, conversation

    def get(self, actor: Actor, conversation_id: str) -> tuple[Conversation, list[Message]]:
        scope, conversation = self._open(actor, conversation_id, "read")
        return conversation, self.messages(scope, conversation.id)

    @staticmethod
    def messages(scope: PersonScope, conversation_id: str) -> list[Message]:
        return list(
            scope.session.scalars(
                select(Message)
                .where(
                    Message.person_id == scope.person_id,
                    Message.conversation_id == conversation_id,
                )
                .order_by(Message.seq)
            )
        )

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
        self, actor: Actor, conversation_id: str, *, text: str, locale: LocaleCode
    ) -> tuple[Message, Message, Reply]:
        text = clean_user_text(text)
        if not text:
            raise InvalidInput(N_("The message is empty"))
        if len(text) > self._max_chars:
            raise InvalidInput(
                N_("The message is longer than {max} characters"), params={"max": self._max_chars}
            )
        scope, conversation = self._open(actor, conversation_id, "write")
        session = scope.session
        last_seq = session.scalar(
            select(func.max(Message.seq)).where(Message.conversation_id == conversation.id)
        )
        history = tuple(
            (m.role, m.text)
            for m in session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.seq.desc())
                .limit(HISTORY_TURNS)
            )
        )[::-1]
        reply = self._responder().turn(TurnContext(text=text, locale=locale, history=history))
        now = self._clock.now()
        seq = (last_seq or 0) + 1
        user_message = Message(
            id=new_id(),
            conversation_id=conversation.id,
            person_id=scope.person_id,
            seq=seq,
            role="user",
            text=text,
            lang=locale,
            intent=reply.intent,
            payload={},
            created_at=now,
        )
        reply_message = Message(
            id=new_id(),
            conversation_id=conversation.id,
            person_id=scope.person_id,
            seq=seq + 1,
            role="assistant",
            text=reply.text,
            lang=locale,
            intent=reply.intent,
            payload=reply_payload(reply),
            created_at=now,
        )
        session.add_all([user_message, reply_message])
        if not conversation.title:
            conversation.title = text[:60]
        conversation.updated_at = now
        session.flush()
        return user_message, reply_message, reply
