from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from aegle.api.deps import (
    IdPath,
    LocaleDep,
    PlatformDep,
    TokenDep,
    authenticated,
    prepare_turn,
    run_short_db_work,
)
from aegle.api.schemas import (
    ConversationIn,
    ConversationPublic,
    ConversationSummary,
    CreatedOut,
    MessageIn,
    MessageOut,
    MessagePublic,
    ReplyOut,
)
from aegle.core.types import normalize_locale
from aegle.services.conversations import MessageRecord
from aegle.store.tables import Conversation

router = APIRouter(prefix="/conversations", tags=["conversations"])


def summary(conversation: Conversation) -> ConversationSummary:
    return ConversationSummary(
        id=conversation.id,
        title=conversation.title,
        locale=conversation.locale,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )


def message_public(message: MessageRecord) -> MessagePublic:
    payload = message.payload or {}
    return MessagePublic(
        id=message.id,
        seq=message.seq,
        role=message.role,
        text=message.text,
        lang=message.lang,
        intent=message.intent,
        cards=payload.get("cards", []),
        actions=payload.get("actions", []),
        created_at=message.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_conversation(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
    body: ConversationIn | None = None,
) -> CreatedOut:
    body = body or ConversationIn()
    with authenticated(platform, token, request) as (services, actor, _):
        conversation = services.conversations.create(
            actor, locale=normalize_locale(body.lang, locale), title=body.title
        )
        return CreatedOut(id=conversation.id)


@router.get("")
def list_conversations(
    request: Request, platform: PlatformDep, token: TokenDep
) -> list[ConversationSummary]:
    with authenticated(platform, token, request) as (services, actor, auth):
        return [summary(c) for c in services.conversations.list_for(actor, auth.user.id)]


@router.get("/{conversation_id}")
def get_conversation(
    conversation_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> ConversationPublic:
    """Another person's conversation is a 404, exactly like a missing one."""
    with authenticated(platform, token, request) as (services, actor, _):
        conversation, messages = services.conversations.get(actor, conversation_id)
        return ConversationPublic(
            **summary(conversation).model_dump(),
            person_id=conversation.person_id,
            messages=[message_public(m) for m in messages],
        )


@router.post("/{conversation_id}/messages", response_model=MessageOut)
async def post_message(
    conversation_id: IdPath,
    body: MessageIn,
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
) -> Response:
    locale = normalize_locale(body.lang, locale)
    prepared = await prepare_turn(platform, body.text, locale)  # outside the write lock

    def store() -> MessageRecord:
        with authenticated(platform, token, request) as (services, actor, _):
            _, reply_message, _ = services.conversations.post(
                actor, conversation_id, text=body.text, locale=locale, prepared=prepared
            )
        return reply_message

    reply_message = await run_short_db_work(platform, store)
    payload = reply_message.payload
    out = MessageOut(
        reply=ReplyOut(
            text=reply_message.text,
            cards=payload.get("cards", []),
            actions=payload.get("actions", []),
            intent=reply_message.intent,
        ),
        message_id=reply_message.id,
    )
    # Serialised here, once: returned as a model, FastAPI would validate it all over again
    # against `response_model` (which still documents the shape).
    return Response(out.model_dump_json(), media_type="application/json")
