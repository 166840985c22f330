"""`POST /api/v1/interviews` and `/answers`: the interview protocol (PROTOCOL.md) over HTTP.

Bodies are the protocol's client messages; replies are its engine messages (a question or the
result) with the interview's id added."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, status

from aegle.api.deps import IdPath, PlatformDep, TokenDep, authenticated

router = APIRouter(prefix="/interviews", tags=["clinic"])

START_EXAMPLE = {
    "lang": "zh",
    "age": 45,
    "sex": "F",
    "message": "我这三天头疼，还有点发烧",
    "max_questions": 20,
}
ANSWER_EXAMPLE = {"type": "answer", "id": "q1", "present": True}

ProtocolBody = dict[str, Any]


@router.post("", status_code=status.HTTP_201_CREATED)
def start_interview(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    body: ProtocolBody = Body(..., examples=[START_EXAMPLE]),  # noqa: B008
) -> dict[str, Any]:
    """Start a consultation: the reply is the first question, or the result at once."""
    with authenticated(platform, token, request) as (services, actor, _):
        interview_id, output = services.interviews.start(actor, body)
    return {**output, "interview_id": interview_id}


@router.post("/{interview_id}/answers")
def answer_interview(
    interview_id: IdPath,
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    body: ProtocolBody = Body(..., examples=[ANSWER_EXAMPLE]),  # noqa: B008
) -> dict[str, Any]:
    """Answer the current question (or send `{"type": "finish"}`)."""
    with authenticated(platform, token, request) as (services, actor, _):
        output = services.interviews.answer(actor, interview_id, body)
    return {**output, "interview_id": interview_id}


@router.get("/{interview_id}")
def get_interview(
    interview_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> dict[str, Any]:
    """The interview's status, transcript and latest engine message."""
    with authenticated(platform, token, request) as (services, actor, _):
        record = services.interviews.get(actor, interview_id)
        return {
            "id": record.id,
            "status": record.status,
            "lang": record.lang,
            "transcript": record.transcript,
            "last": record.last_output,
            "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat(),
        }
