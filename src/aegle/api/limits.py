"""Request-size limits enforced before the body reaches a handler (pure ASGI, streaming-safe)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aegle.api.problems import problem_response
from aegle.core.errors import PayloadTooLarge
from aegle.core.i18n import N_


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_max_bytes: int,
        upload_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        upload = any(path.startswith(prefix) for prefix in self.upload_paths)
        limit = self.upload_max_bytes if upload else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _reject(scope, receive, send, upload, limit)
            return
        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now and tell the app the client went away: frameworks turn
                    # exceptions raised while reading a body into their own 400s.
                    rejected = True
                    if not response_started:
                        await _reject(scope, receive, send, upload, limit)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not rejected:
                raise


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reject(scope: Scope, receive: Receive, send: Send, upload: bool, limit: int) -> None:
    """Answer 413 in the one error shape (Starlette has put the app in the scope). A person
    uploading a file is told the limit, in their language."""
    error = (
        PayloadTooLarge(
            N_("The file is too large ({size} MB at most)"),
            params={"size": max(1, limit // 1_000_000)},
        )
        if upload
        else PayloadTooLarge()
    )
    response = problem_response(Request(scope, receive), error)
    await response(scope, receive, send)
