"""One error shape: RFC 9457 problem+json, titles in the caller's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from aegle.core.errors import (
    AegleError,
    AuthenticationRequired,
    BadRequest,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    UnsupportedMediaType,
)
from aegle.core.i18n import translate
from aegle.core.types import LocaleCode, normalize_locale

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("aegle.api")

HtmlRenderer = Callable[[Request, int, str, str], Response]

_BY_STATUS: dict[int, type[AegleError]] = {
    400: BadRequest,
    401: AuthenticationRequired,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidInput,
    429: RateLimited,
}


def request_locale(request: Request) -> LocaleCode:
    """`?lang=` wins, then the first Accept-Language entry, then the configured default."""
    default: LocaleCode = normalize_locale(getattr(request.app.state, "default_locale", None))
    lang = request.query_params.get("lang") or request.cookies.get("aegle_lang")
    if not lang:
        header = request.headers.get("accept-language", "")
        lang = header.split(",")[0].split(";")[0] if header else None
    return normalize_locale(lang, default)


def problem_body(
    error: AegleError, locale: LocaleCode, instance: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://aegle.dev/problems/{error.code}",
        "title": translate(locale, error.title),
        "status": error.status,
        "code": error.code,
        "instance": instance,
    }
    if error.detail:
        body["detail"] = translate(locale, error.detail, **error.params)
    if error.errors:
        body["errors"] = error.errors
    if extra:
        body.update(extra)
    return body


def problem_response(request: Request, error: AegleError) -> Response:
    locale = request_locale(request)
    renderer: HtmlRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and not request.url.path.startswith("/api/"):
        detail = translate(locale, error.detail, **error.params) if error.detail else ""
        return renderer(request, error.status, translate(locale, error.title), detail)
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse(
        problem_body(error, locale, request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _validation_errors(exc: RequestValidationError) -> tuple[AegleError, list[dict[str, Any]]]:
    errors = []
    malformed = False
    for item in exc.errors():
        if item.get("type") in {"json_invalid", "json_type"} or "decode" in str(item.get("type")):
            malformed = True
        errors.append(
            {
                "location": [str(part) for part in item.get("loc", ())],
                "type": str(item.get("type")),
                "message": str(item.get("msg")),
            }
        )
    error: AegleError = BadRequest(errors=errors) if malformed else InvalidInput(errors=errors)
    return error, errors


def install_problem_handlers(app: FastAPI) -> None:
    async def on_aegle_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AegleError)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        error, _ = _validation_errors(exc)
        return problem_response(request, error)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error_type = _BY_STATUS.get(exc.status_code)
        if error_type is None:
            error: AegleError = AegleError()
            response = problem_response(request, error)
            response.status_code = exc.status_code
            return response
        response = problem_response(request, error_type())
        if exc.status_code == 405 and exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, AegleError())

    app.add_exception_handler(AegleError, on_aegle_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
