"""Wire schemas, one per use; table rows never go on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HealthPublic(Strict):
    status: Literal["ok"]
    version: str
    database: str


class RegisterIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str = Field("", max_length=128)
    locale: Literal["zh-CN", "en"] = "zh-CN"


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(Strict):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_in: int


class UserPublic(Strict):
    id: str
    username: str
    role: Literal["patient", "doctor", "admin"]
    display_name: str
    locale: str


class AdminUserIn(RegisterIn):
    role: Literal["patient", "doctor", "admin"] = "patient"


class ConversationIn(Strict):
    title: str = Field("", max_length=200)
    lang: str | None = Field(None, max_length=16)


class CreatedOut(Strict):
    id: str


class MessageIn(Strict):
    text: str = Field(min_length=1, max_length=20_000)
    lang: str | None = Field(None, max_length=16, description="zh, zh-CN or en")


class ReplyOut(Strict):
    text: str
    cards: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    intent: str | None = None


class MessageOut(Strict):
    reply: ReplyOut
    message_id: str


class MessagePublic(Strict):
    id: str
    seq: int
    role: Literal["user", "assistant"]
    text: str
    lang: str
    intent: str | None
    cards: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    created_at: datetime


class ConversationSummary(Strict):
    id: str
    title: str
    locale: str
    created_at: datetime
    updated_at: datetime


class ConversationPublic(ConversationSummary):
    person_id: str
    messages: list[MessagePublic]


class GrantIn(Strict):
    doctor_username: str = Field(min_length=1, max_length=64)
    kind: Literal["care", "consultation"] = "care"
    days: int | None = Field(None, ge=1, le=3650)


class GrantPublic(Strict):
    id: str
    doctor_id: str
    patient_id: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ConsentIn(Strict):
    source: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=64)
    scope: str = Field("*", min_length=1, max_length=255)


class ConsentPublic(Strict):
    id: str
    source: str
    purpose: str
    scope: str
    granted_at: datetime
    revoked_at: datetime | None
