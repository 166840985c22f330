"""Templates, the page language and the friendly error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from aegle.core.i18n import N_, translations
from aegle.core.types import LocaleCode, normalize_locale
from aegle.web.security import CSRF_HEADER, LANG_COOKIE, CookiePolicy

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

LOCALE_NAMES: dict[LocaleCode, str] = {"zh-CN": "中文", "en": "English"}

# Content-Security-Policy: only our own scripts and styles; htmx is configured (meta tag) not to
# inject inline styles, and nothing in the UI relies on eval.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # Pages can show health data: keep them out of shared and back-forward caches.
    "Cache-Control": "no-store",
}

ERROR_HINTS: dict[int, str] = {
    403: N_("If you followed a link from elsewhere, open Aegle directly and try again."),
    404: N_("The page or conversation does not exist, or it is not yours."),
    429: N_("For your safety we paused sign-in attempts for a while."),
}


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(value: str | None, default: str = "/chat") -> str:
    """Only site-local paths, so a crafted link cannot send people elsewhere after sign-in.
    Backslashes and control characters are refused too: browsers may read `/\\x` or `/<TAB>/x`
    as another host."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    ):
        return value
    return default


class Renderer:
    def __init__(self, app_name: str, default_locale: LocaleCode, cookies: CookiePolicy) -> None:
        self.app_name = app_name
        self.default_locale = default_locale
        self.cookies = cookies
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- language ----------------------------------------------------------------------------

    def requested_lang(self, request: Request) -> LocaleCode | None:
        value = request.query_params.get("lang")
        return normalize_locale(value, self.default_locale) if value else None

    def locale(self, request: Request) -> LocaleCode:
        """`?lang=` wins, then the `aegle_lang` cookie, then Accept-Language, then the default."""
        chosen = self.requested_lang(request)
        if chosen:
            return chosen
        value = request.cookies.get(LANG_COOKIE)
        if not value:
            header = request.headers.get("accept-language", "")
            value = header.split(",")[0].split(";")[0].strip() if header else None
        return normalize_locale(value, self.default_locale)

    def lang_links(self, request: Request, current: LocaleCode) -> list[dict[str, Any]]:
        links = []
        for code, name in LOCALE_NAMES.items():
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
            query.append(("lang", code))
            links.append(
                {
                    "code": code,
                    "name": name,
                    "href": f"{request.url.path}?{urlencode(query)}",
                    "current": code == current,
                }
            )
        return links

    # -- pages -------------------------------------------------------------------------------

    def page(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        csrf_token: str | None = None,
        username: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        locale = self.locale(request)
        catalogue = translations(locale)
        values: dict[str, Any] = {
            "gettext": catalogue.gettext,
            "ngettext": catalogue.ngettext,
            "locale": locale,
            "app_name": self.app_name,
            "lang_links": self.lang_links(request, locale),
            "csrf_header": CSRF_HEADER,
            "csrf_token": csrf_token,
            "username": username,
            "path": request.url.path,
        }
        values.update(context or {})
        body = self.env.get_template(template).render(values)
        response = HTMLResponse(body, status_code=status_code, headers=headers)
        response.headers.update(SECURITY_HEADERS)
        self.cookies.remember_nonce(request, response)
        chosen = self.requested_lang(request)
        if chosen and request.cookies.get(LANG_COOKIE) != chosen:
            self.cookies.set_lang(response, chosen)
        return response

    def error(self, request: Request, status: int, title: str, detail: str) -> Response:
        """`app.state.html_error_renderer`: errors on web paths as pages, not problem+json."""
        if status == 401:
            target = "/login?" + urlencode({"next": safe_next(request.url.path)})
            if is_htmx(request):
                return Response(status_code=204, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        if is_htmx(request):
            # Swapped into the page's alert region (see the htmx-config meta tag in base.html).
            return self.page(
                request,
                "partials/alert.html",
                {"title": title, "detail": detail},
                status_code=status,
                headers={"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"},
            )
        return self.page(
            request,
            "error.html",
            {"status": status, "title": title, "detail": detail, "hint": ERROR_HINTS.get(status)},
            status_code=status,
        )
