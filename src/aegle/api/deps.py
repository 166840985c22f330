"""Typed dependencies and the per-request unit of work, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from aegle.api.problems import request_locale
from aegle.assistant.model import PreparedTurn
from aegle.bootstrap import Platform, Services
from aegle.core.errors import AuthenticationRequired
from aegle.core.types import LocaleCode
from aegle.services.accounts import AuthenticatedUser
from aegle.services.actor import Actor

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthenticationRequired()
    return credentials.credentials


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def origin_of(request: Request) -> str:
    return f"api:{client_address(request)}"


UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
IdPath = Annotated[str, Path(pattern=UUID_PATTERN, description="A UUID")]
UsernamePath = Annotated[str, Path(min_length=1, max_length=64)]


async def locale_of(request: Request) -> LocaleCode:
    return request_locale(request)


# Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies in the thread
# pool, which would cost a thread hand-off each on every request.
PlatformDep = Annotated[Platform, Depends(get_platform)]
TokenDep = Annotated[str, Depends(bearer_token)]
LocaleDep = Annotated[LocaleCode, Depends(locale_of)]


async def run_short_db_work(platform: Platform, work: Callable[[], T]) -> T:
    """Run `work`, a few short database statements: inline on the event loop on SQLite, where
    writes are serialised anyway (no thread hand-off, no GIL convoy behind the writer lock); in
    the thread pool on PostgreSQL, so network waits never block the loop. Endpoints that hash
    passwords or parse files stay plain `def` (always the thread pool)."""
    if platform.database.dialect == "sqlite":
        return work()
    return await run_in_threadpool(work)


async def prepare_turn(platform: Platform, text: str, locale: LocaleCode) -> PreparedTurn | None:
    """The text-only part of a chat turn, before its transaction. A skill that runs a model
    (the evidence embedder, tens of ms) answers in a worker thread: the model releases the GIL,
    so the event loop serves other requests meanwhile instead of stalling behind it."""
    prepared = platform.prepare_turn(text, locale, answer=False)
    if prepared is None:
        return None
    responder = platform.responder
    if responder.runs_a_model(prepared):
        return await run_in_threadpool(responder.complete, prepared)
    return responder.complete(prepared)


@contextmanager
def authenticated(
    platform: Platform, token: str, request: Request
) -> Iterator[tuple[Services, Actor, AuthenticatedUser]]:
    """Authenticate and work in one transaction (one write lock per request on SQLite)."""
    with platform.unit_of_work() as services:
        auth = services.accounts.authenticate_token(token)
        yield services, auth.actor(origin_of(request)), auth
