"""Typed dependencies and the per-request unit of work, in one place."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from aegle.api.problems import request_locale
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


def short_db_work(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Mark an endpoint whose work is a few short database statements.

    On SQLite, where writes are serialised anyway, it runs inline on the event loop: no thread
    hand-off and no GIL convoy behind the writer lock. On PostgreSQL it runs in the thread pool
    so network waits never block the loop. Endpoints that hash passwords or parse files stay
    plain `def` (always the thread pool).
    """

    @functools.wraps(endpoint)
    async def run(**kwargs: Any) -> T:
        platform: Platform = kwargs["platform"]
        if platform.database.dialect == "sqlite":
            return endpoint(**kwargs)
        return await run_in_threadpool(endpoint, **kwargs)

    return run


@contextmanager
def authenticated(
    platform: Platform, token: str, request: Request
) -> Iterator[tuple[Services, Actor, AuthenticatedUser]]:
    """Authenticate and work in one transaction (one write lock per request on SQLite)."""
    with platform.unit_of_work() as services:
        auth = services.accounts.authenticate_token(token)
        yield services, auth.actor(origin_of(request)), auth
