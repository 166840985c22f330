"""Cookies and CSRF tokens for the web UI.

Signed-in forms carry the server-side session's own CSRF token. The anonymous forms (sign in,
register) use a signed double-submit token: a random nonce in an HttpOnly cookie and, in the form,
an HMAC of that nonce under the application secret, so a page on another site can neither read
nor forge the pair.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from aegle.core.errors import PermissionDenied
from aegle.core.i18n import N_
from aegle.settings import Settings

SESSION_COOKIE = "aegle_session"
LANG_COOKIE = "aegle_lang"
CSRF_COOKIE = "aegle_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

CSRF_REJECTED = N_("This form has expired. Please reload the page and try again.")


class CookiePolicy:
    def __init__(self, settings: Settings) -> None:
        self.secure = settings.auth.cookie_secure
        self.session_max_age = settings.auth.session_ttl_hours * 3600
        self._secret = settings.app.secret_key.get_secret_value().encode()

    def _set(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def set_session(self, response: Response, raw: str) -> None:
        self._set(response, SESSION_COOKIE, raw, self.session_max_age)

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax"
        )

    def set_lang(self, response: Response, locale: str) -> None:
        self._set(response, LANG_COOKIE, locale, LANG_COOKIE_MAX_AGE)

    # -- anonymous forms: signed double submit ----------------------------------------------

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, b"aegle-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()

    def anonymous_token(self, request: Request) -> str:
        """The form token for the caller's nonce. Without a nonce cookie a new nonce is made;
        `remember_nonce` then sets it on the response."""
        nonce = str(
            request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_nonce", "")
        )
        if len(nonce) < 16:
            nonce = secrets.token_urlsafe(24)
            request.state.new_csrf_nonce = nonce
        return self._sign(nonce)

    def remember_nonce(self, request: Request, response: Response) -> None:
        nonce = getattr(request.state, "new_csrf_nonce", None)
        if nonce:
            self._set(response, CSRF_COOKIE, nonce, None)

    def check_anonymous(self, request: Request, sent: str) -> None:
        nonce = request.cookies.get(CSRF_COOKIE) or ""
        token = sent_token(request, sent)
        if len(nonce) < 16 or not token or not hmac.compare_digest(self._sign(nonce), token):
            raise PermissionDenied(CSRF_REJECTED)


def sent_token(request: Request, form_value: str) -> str:
    """HTMX sends the token in a header (hx-headers); plain forms in a hidden field."""
    return request.headers.get(CSRF_HEADER) or form_value


def check_session_token(expected: str | None, request: Request, form_value: str) -> None:
    token = sent_token(request, form_value)
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise PermissionDenied(CSRF_REJECTED)
