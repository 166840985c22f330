"""The one exception tree. Adapters translate library errors into these; the API maps them to
RFC 9457 problem+json and the CLI to a message and exit code.

`title` and `detail` are English message ids translated at the boundary into the user's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from aegle.core.i18n import N_


class AegleError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = N_("Something went wrong on our side")

    def __init__(
        self,
        detail: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.params = dict(params or {})
        self.errors = errors or []


class InvalidInput(AegleError):
    status = 422
    code = "invalid_input"
    title = N_("The request is not valid")


class BadRequest(AegleError):
    status = 400
    code = "bad_request"
    title = N_("The request could not be read")


class AuthenticationRequired(AegleError):
    status = 401
    code = "authentication_required"
    title = N_("Please sign in")


class InvalidCredentials(AuthenticationRequired):
    code = "invalid_credentials"
    title = N_("Wrong username or password")


class PermissionDenied(AegleError):
    status = 403
    code = "permission_denied"
    title = N_("You are not allowed to do this")


class ConsentRequired(PermissionDenied):
    code = "consent_required"
    title = N_("Consent is needed before this can be done")


class NotFound(AegleError):
    status = 404
    code = "not_found"
    title = N_("Not found")


class MethodNotAllowed(AegleError):
    status = 405
    code = "method_not_allowed"
    title = N_("This method is not allowed here")


class Conflict(AegleError):
    status = 409
    code = "conflict"
    title = N_("This conflicts with what is already stored")


class PayloadTooLarge(AegleError):
    status = 413
    code = "payload_too_large"
    title = N_("The request is too large")


class UnsupportedMediaType(AegleError):
    status = 415
    code = "unsupported_media_type"
    title = N_("This content type is not supported")


class RateLimited(AegleError):
    status = 429
    code = "rate_limited"
    title = N_("Too many attempts; please wait and try again")


class StorageError(AegleError):
    status = 503
    code = "storage_unavailable"
    title = N_("Storage is temporarily unavailable")


class ConfigurationError(AegleError):
    code = "configuration_error"
    title = N_("Aegle is not configured correctly")
