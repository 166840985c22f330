"""The web pages: sign in, register, sign out and chat. Handlers stay thin: they check the
session and CSRF token, call a service inside one unit of work and render a template."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aegle.bootstrap import Platform, Services
from aegle.core.errors import AegleError, AuthenticationRequired, InvalidCredentials
from aegle.core.i18n import translate
from aegle.services.accounts import AuthenticatedUser
from aegle.services.actor import Actor
from aegle.web.rendering import Renderer, is_htmx, safe_next
from aegle.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    CookiePolicy,
    check_session_token,
)
from aegle.web.views import (
    CAPABILITY_LABELS,
    HEALTH_DAYS,
    KIND_LABELS,
    AlertView,
    CardView,
    ChartFormat,
    ConversationView,
    EvidenceForm,
    HealthChart,
    MessageView,
    chart_src,
    health_days,
)

FormStr = Annotated[str, Form()]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class WebPages:
    def __init__(self, platform: Platform, renderer: Renderer, cookies: CookiePolicy) -> None:
        self.platform = platform
        self.render = renderer
        self.cookies = cookies

    @contextmanager
    def signed_in(self, request: Request) -> Iterator[tuple[Services, Actor, AuthenticatedUser]]:
        """One unit of work for a signed-in request; no session means AuthenticationRequired,
        which the error renderer turns into a redirect to the sign-in page."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            raise AuthenticationRequired()
        with self.platform.unit_of_work() as services:
            auth = services.accounts.authenticate_session(raw)
            yield services, auth.actor(f"web:{client_address(request)}"), auth

    def has_session(self, request: Request) -> bool:
        try:
            with self.signed_in(request):
                return True
        except AuthenticationRequired:
            return False

    def redirect(self, url: str, request: Request | None = None) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        if request is not None and (chosen := self.render.requested_lang(request)):
            self.cookies.set_lang(response, chosen)  # `?lang=` sticks across the redirect
        return response

    # -- anonymous pages ---------------------------------------------------------------------

    def auth_form(
        self,
        request: Request,
        template: str,
        *,
        username: str = "",
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        return self.render.page(
            request,
            template,
            {
                "form_username": username,
                "error": error,
                "next": safe_next(request.query_params.get("next")),
                "password_min": self.platform.settings.auth.password_min_length,
            },
            csrf_token=self.cookies.anonymous_token(request),
            status_code=status_code,
        )

    def signed_in_response(self, target: str, raw_session: str, locale: str | None) -> Response:
        response = self.redirect(target)
        self.cookies.set_session(response, raw_session)
        if locale:
            self.cookies.set_lang(response, locale)
        return response

    def login(self, request: Request, username: str, password: str, csrf_token: str) -> Response:
        self.cookies.check_anonymous(request, csrf_token)
        locale = self.render.locale(request)
        target = safe_next(request.query_params.get("next"))
        try:
            with self.platform.unit_of_work() as services:
                user = services.accounts.verify_login(
                    username=username, password=password, client=client_address(request)
                )
                issued = services.accounts.open_session(user) if user else None
                user_locale = user.locale if user else None
        except AegleError as error:  # rate limited: say so on the form itself
            return self.auth_form(
                request,
                "login.html",
                username=username,
                error=translate(locale, error.title),
                status_code=error.status,
            )
        if issued is None:  # after the commit, so the failed attempt counts towards the limit
            return self.auth_form(
                request,
                "login.html",
                username=username,
                error=translate(locale, InvalidCredentials.title),
                status_code=401,
            )
        keep = None if request.cookies.get(LANG_COOKIE) else user_locale
        return self.signed_in_response(target, issued.session_id, keep)

    def register(
        self, request: Request, username: str, password: str, confirm: str, csrf_token: str
    ) -> Response:
        self.cookies.check_anonymous(request, csrf_token)
        locale = self.render.locale(request)
        if password != confirm:
            return self.auth_form(
                request,
                "register.html",
                username=username,
                error=translate(locale, "The two passwords do not match"),
                status_code=422,
            )
        try:
            with self.platform.unit_of_work() as services:
                user = services.accounts.register(
                    username=username, password=password, locale=locale
                )
                issued = services.accounts.open_session(user)
        except AegleError as error:
            message = error.detail or error.title
            return self.auth_form(
                request,
                "register.html",
                username=username,
                error=translate(locale, message, **error.params),
                status_code=error.status,
            )
        return self.signed_in_response("/chat", issued.session_id, locale)

    def logout(self, request: Request, csrf_token: str) -> Response:
        raw = request.cookies.get(SESSION_COOKIE)
        try:
            with self.signed_in(request) as (services, _, auth):
                check_session_token(auth.csrf_token, request, csrf_token)
                services.accounts.close_session(raw or "")
        except AuthenticationRequired:
            pass  # already signed out or expired: just clear the cookie
        response = self.redirect("/login")
        self.cookies.clear_session(response)
        return response

    # -- chat --------------------------------------------------------------------------------

    def chat(self, request: Request, conversation_id: str | None) -> Response:
        with self.signed_in(request) as (services, actor, auth):
            conversations = services.conversations.list_for(actor, auth.user.id)
            if conversation_id is None and conversations:
                return self.redirect(f"/chat/{conversations[0].id}", request)
            current = None
            messages: list[MessageView] = []
            if conversation_id is not None:
                conversation, rows = services.conversations.get(actor, conversation_id)
                current = ConversationView.of(conversation)
                messages = [MessageView.of(m) for m in rows]
            listed = [ConversationView.of(c) for c in conversations]
            username, csrf = auth.user.username, auth.csrf_token
        return self.render.page(
            request,
            "chat.html",
            {"conversations": listed, "current": current, "messages": messages},
            csrf_token=csrf,
            username=username,
        )

    def new_conversation(self, request: Request, text: str, csrf_token: str) -> Response:
        locale = self.render.locale(request)
        with self.signed_in(request) as (services, actor, auth):
            check_session_token(auth.csrf_token, request, csrf_token)
            conversation = services.conversations.create(actor, locale=locale)
            if text.strip():
                services.conversations.post(actor, conversation.id, text=text, locale=locale)
            target = f"/chat/{conversation.id}"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Location": target})
        return self.redirect(target)

    def post_message(
        self, request: Request, conversation_id: str, text: str, csrf_token: str
    ) -> Response:
        locale = self.render.locale(request)
        prepared = self.platform.prepare_turn(text, locale)  # outside the write lock
        with self.signed_in(request) as (services, actor, auth):
            check_session_token(auth.csrf_token, request, csrf_token)
            user_row, reply_row, _ = services.conversations.post(
                actor, conversation_id, text=text, locale=locale, prepared=prepared
            )
            turn = [MessageView.of(user_row), MessageView.of(reply_row)]
            listed = [
                ConversationView.of(c) for c in services.conversations.list_for(actor, auth.user.id)
            ]
            csrf = auth.csrf_token
        if not is_htmx(request):
            return self.redirect(f"/chat/{conversation_id}#m-{turn[-1].id}")
        return self.render.page(
            request,
            "partials/turn.html",
            {
                "messages": turn,
                "conversations": listed,
                "current": next(
                    (c for c in listed if c.id == conversation_id),
                    ConversationView(id=conversation_id, title=""),
                ),
            },
            csrf_token=csrf,
        )

    # -- evidence ----------------------------------------------------------------------------

    def evidence_search(self, request: Request) -> Response:
        """The evidence search: any signed-in person (the corpus is public health information;
        clinicians get the filters). A plain GET form, so results have a shareable URL."""
        with self.signed_in(request) as (_, _, auth):
            username, csrf = auth.user.username, auth.csrf_token
        form = EvidenceForm.of(request.query_params)
        results = (
            self.platform.evidence.search(
                form.q,
                lang=self.render.locale(request),
                kinds=form.kinds,
                passage_lang=form.passage_lang,
                since_year=form.since,
                limit=20,
            )
            if form.q
            else []
        )
        return self.render.page(
            request,
            "evidence.html",
            {"form": form, "results": results, "kind_labels": KIND_LABELS},
            csrf_token=csrf,
            username=username,
        )

    def evidence_passage(self, request: Request, passage_id: str) -> Response:
        """One cited passage in its section, or a cited knowledge entry among its sibling
        parts, with its source: what a citation of an answer or a chat card opens."""
        with self.signed_in(request) as (_, _, auth):
            username, csrf = auth.user.username, auth.csrf_token
        shown = self.platform.citations.resolve(passage_id, self.render.locale(request))
        return self.render.page(
            request,
            "evidence_passage.html",
            {"shown": shown, "kind_labels": KIND_LABELS, "capability_labels": CAPABILITY_LABELS},
            csrf_token=csrf,
            username=username,
        )

    # -- health data -------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        """The person's device data: an overview with charts against the guidelines, and the
        alerts inbox."""
        days = health_days(request.query_params.get("days"))
        locale = self.render.locale(request)
        with self.signed_in(request) as (services, actor, auth):
            overview = services.health_data.answer(actor, auth.user.id, "", locale, days=days)
            alerts = services.health_data.alerts.inbox(actor, auth.user.id, limit=50)
            username, csrf = auth.user.username, auth.csrf_token
        return self.render.page(
            request,
            "health.html",
            {
                "days": days,
                "choices": HEALTH_DAYS,
                "overview": overview,
                "charts": [(card, chart_src(card, days)) for card in overview.cards],
                "cards": [CardView.of(c) for c in overview.cards if c.kind != "chart"],
                "alerts": [AlertView.of(a, locale) for a in alerts],
            },
            csrf_token=csrf,
            username=username,
        )

    def health_chart(self, request: Request, name: str, fmt: str) -> Response:
        from aegle.services.health_charts import render  # matplotlib: loaded on first use

        days = health_days(request.query_params.get("days"))
        locale = self.render.locale(request)
        with self.signed_in(request) as (services, actor, auth):
            snapshot = services.health_data.snapshot(actor, auth.user.id, days=days)
            scheme = services.health_data.bp_scheme
        drawn = render(name, snapshot, locale, fmt, bp_scheme=scheme)
        return Response(
            drawn.content,
            media_type=drawn.media_type,
            headers={
                "Content-Disposition": f'inline; filename="{drawn.filename}"',
                "Cache-Control": "private, no-store",
            },
        )

    def mark_alerts_read(self, request: Request, alert_id: int | None, csrf_token: str) -> Response:
        with self.signed_in(request) as (services, actor, auth):
            check_session_token(auth.csrf_token, request, csrf_token)
            services.health_data.alerts.mark_read(actor, auth.user.id, alert_id)
        return self.redirect("/health#alerts")


def build_router(pages: WebPages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        return pages.redirect("/chat" if request.cookies.get(SESSION_COOKIE) else "/login", request)

    @router.get("/login")
    def login_page(request: Request) -> Response:
        if pages.has_session(request):
            return pages.redirect(safe_next(request.query_params.get("next")), request)
        return pages.auth_form(request, "login.html")

    @router.post("/login")
    def login(
        request: Request, username: FormStr = "", password: FormStr = "", csrf_token: FormStr = ""
    ) -> Response:
        return pages.login(request, username, password, csrf_token)

    @router.get("/register")
    def register_page(request: Request) -> Response:
        return pages.auth_form(request, "register.html")

    @router.post("/register")
    def register(
        request: Request,
        username: FormStr = "",
        password: FormStr = "",
        confirm: FormStr = "",
        csrf_token: FormStr = "",
    ) -> Response:
        return pages.register(request, username, password, confirm, csrf_token)

    @router.post("/logout")
    def logout(request: Request, csrf_token: FormStr = "") -> Response:
        return pages.logout(request, csrf_token)

    @router.get("/chat")
    def chat(request: Request) -> Response:
        return pages.chat(request, None)

    @router.post("/chat/new")
    def new_conversation(
        request: Request, text: FormStr = "", csrf_token: FormStr = ""
    ) -> Response:
        return pages.new_conversation(request, text, csrf_token)

    @router.get("/chat/{conversation_id}")
    def conversation(conversation_id: str, request: Request) -> Response:
        return pages.chat(request, conversation_id)

    @router.post("/chat/{conversation_id}/messages")
    def post_message(
        conversation_id: str, request: Request, text: FormStr = "", csrf_token: FormStr = ""
    ) -> Response:
        return pages.post_message(request, conversation_id, text, csrf_token)

    @router.get("/evidence")
    def evidence_search(request: Request) -> Response:
        return pages.evidence_search(request)

    @router.get("/evidence/passages/{passage_id:path}")
    def evidence_passage(passage_id: str, request: Request) -> Response:
        return pages.evidence_passage(request, passage_id)

    @router.get("/health")
    def health(request: Request) -> Response:
        return pages.health(request)

    @router.get("/health/charts/{name}.{fmt}")
    def health_chart(name: HealthChart, fmt: ChartFormat, request: Request) -> Response:
        return pages.health_chart(request, name, fmt)

    @router.post("/health/alerts/read")
    def health_alerts_read(request: Request, csrf_token: FormStr = "") -> Response:
        return pages.mark_alerts_read(request, None, csrf_token)

    @router.post("/health/alerts/{alert_id}/read")
    def health_alert_read(
        alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
        request: Request,
        csrf_token: FormStr = "",
    ) -> Response:
        return pages.mark_alerts_read(request, alert_id, csrf_token)

    # Lab reports (upload from the chat, report pages, history): their own module.
    from aegle.web.labs import add_lab_routes

    add_lab_routes(router, pages)
    return router
