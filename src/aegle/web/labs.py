"""Lab reports in the web UI: upload from the chat (the results table lands in the thread),
one report's page, and the lab history with each test's trend.

The upload is read before any unit of work opens (OCR takes seconds and SQLite transactions hold
the write lock), then stored in one; a file that cannot be read stores nothing and the person
sees why in their language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aegle.assistant.report import explanation_reply
from aegle.core.errors import AegleError, InvalidInput, PayloadTooLarge
from aegle.core.i18n import N_, translate
from aegle.core.types import LocaleCode
from aegle.labs.errors import LabInputMixin
from aegle.labs.render import explanation_json
from aegle.labs.trends import Trend
from aegle.services.labs import ReadUpload, StoredReport, TestHistory, read_upload
from aegle.web.rendering import is_htmx
from aegle.web.routes import WebPages
from aegle.web.security import check_session_token

UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
NO_FILE = N_("Choose a photo, PDF or text file of your lab report first.")
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


@dataclass(frozen=True, slots=True)
class ReportView:
    id: str
    effective: str
    effective_source: str
    file_name: str
    kind: str
    item_count: int
    abnormal_count: int
    critical_count: int
    duplicate: bool
    interpretation: dict[str, Any]
    """`explanation_json` with the entry ids its source numbers link to."""

    @classmethod
    def of(cls, stored: StoredReport, locale: LocaleCode, *, duplicate: bool = False) -> ReportView:
        summary = stored.summary
        return cls(
            id=summary.id,
            effective=summary.effective.isoformat(),
            effective_source=summary.effective_source,
            file_name=summary.file_name,
            kind=summary.kind,
            item_count=summary.item_count,
            abnormal_count=summary.abnormal_count,
            critical_count=summary.critical_count,
            duplicate=duplicate,
            interpretation=explanation_json(stored.explanation(), locale, entry_ids=True),
        )


@dataclass(frozen=True, slots=True)
class PointView:
    date: str
    value: str
    flag: str | None


@dataclass(frozen=True, slots=True)
class TrendView:
    test_id: str
    name: str
    unit: str | None
    points: list[PointView]
    direction: str | None  # up | down | stable, None with one point or no numbers
    change_percent: float | None
    crossed_limit: bool
    spark: str | None  # SVG polyline points
    meaningful: bool | None = None  # latest change beyond the RCV; None when not judged
    rcv_percent: float | None = None

    @classmethod
    def of(cls, history: TestHistory, locale: LocaleCode) -> TrendView:
        test, trend = history.test, history.trend
        points = [
            PointView(
                date=p.effective.isoformat(),
                value=p.item.shown,
                flag=p.item.flag,
            )
            for p in history.points
        ]
        return cls(
            test_id=test.id,
            name=test.name_zh if locale == "zh-CN" else test.name_en,
            unit=test.unit,
            points=points,
            direction=trend.direction if trend else None,
            change_percent=trend.change_percent if trend else None,
            crossed_limit=trend.crossed_limit if trend else False,
            spark=_spark(trend) if trend else None,
            meaningful=trend.meaningful if trend else None,
            rcv_percent=trend.rcv_percent if trend else None,
        )


def _spark(trend: Trend) -> str:
    values = [p.value for p in trend.points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 4 - (v - low) / span * (SPARK_HEIGHT - 8):.1f}"
        for i, v in enumerate(values)
    )


class LabPages:
    def __init__(self, pages: WebPages) -> None:
        self.pages = pages
        self.render = pages.render

    def _error(self, request: Request, error: AegleError, locale: LocaleCode) -> Response:
        title = translate(locale, error.title)
        if isinstance(error, LabInputMixin):
            detail = error.localized(locale)
        else:
            detail = translate(locale, error.detail, **error.params) if error.detail else ""
        return self.render.error(request, error.status, title, detail)

    async def upload(self, request: Request) -> Response:
        locale = self.render.locale(request)
        platform = self.pages.platform
        max_bytes = platform.settings.api.max_upload_bytes
        # Who is asking, before the body is read: a stranger's upload is never parsed.
        csrf = await run_in_threadpool(self._session_csrf, request)
        try:
            async with request.form(max_files=1, max_fields=4) as form:
                token = form.get("csrf_token")
                check_session_token(csrf, request, token if isinstance(token, str) else "")
                # Sent from a conversation: the report is kept in its thread too.
                conversation = form.get("conversation_id")
                conversation_id = (
                    conversation
                    if isinstance(conversation, str) and UUID.match(conversation)
                    else None
                )
                upload = form.get("file")
                if not isinstance(upload, UploadFile) or not upload.filename:
                    raise InvalidInput(NO_FILE)
                data = await upload.read(max_bytes + 1)
                file_name = upload.filename
            if len(data) > max_bytes:
                raise PayloadTooLarge()
            today = platform.clock.now().date()
            read = await run_in_threadpool(read_upload, data, today=today)
        except AegleError as error:
            return self._error(request, error, locale)
        return await run_in_threadpool(
            self._store, request, read, file_name, locale, conversation_id
        )

    def _session_csrf(self, request: Request) -> str | None:
        with self.pages.signed_in(request) as (_, _, auth):
            return auth.csrf_token

    def _store(
        self,
        request: Request,
        read: ReadUpload,
        file_name: str,
        locale: LocaleCode,
        conversation_id: str | None = None,
    ) -> Response:
        with self.pages.signed_in(request) as (services, actor, auth):
            outcome = services.labs.store(actor, auth.user.id, read, file_name=file_name)
            view = ReportView.of(outcome.stored, locale, duplicate=outcome.duplicate)
            if conversation_id is not None:
                reply = explanation_reply(outcome.stored.explanation(), locale)
                services.conversations.record_upload(
                    actor, conversation_id, file_name=file_name, reply=reply, locale=locale
                )
            csrf = auth.csrf_token
        if not is_htmx(request):
            return self.pages.redirect(f"/labs/reports/{view.id}")
        return self.render.page(
            request,
            "partials/lab_report.html",
            {"report": view, "in_chat": True},
            csrf_token=csrf,
        )

    def report(self, request: Request, report_id: str) -> Response:
        locale = self.render.locale(request)
        with self.pages.signed_in(request) as (services, actor, auth):
            stored = services.labs.get(actor, auth.user.id, report_id)
            view = ReportView.of(stored, locale)
            username, csrf = auth.user.username, auth.csrf_token
        return self.render.page(
            request,
            "lab_report.html",
            {"report": view, "in_chat": False},
            csrf_token=csrf,
            username=username,
        )

    def history(self, request: Request) -> Response:
        locale = self.render.locale(request)
        with self.pages.signed_in(request) as (services, actor, auth):
            reports = services.labs.reports(actor, auth.user.id)
            trends = [TrendView.of(h, locale) for h in services.labs.history(actor, auth.user.id)]
            username, csrf = auth.user.username, auth.csrf_token
        return self.render.page(
            request,
            "labs.html",
            {"reports": reports, "trends": trends},
            csrf_token=csrf,
            username=username,
        )


def add_lab_routes(router: APIRouter, pages: WebPages) -> None:
    labs = LabPages(pages)

    @router.get("/labs")
    def lab_history(request: Request) -> Response:
        return labs.history(request)

    @router.post("/labs/reports")
    async def upload_report(request: Request) -> Response:
        return await labs.upload(request)

    @router.get("/labs/reports/{report_id}")
    def lab_report(report_id: str, request: Request) -> Response:
        return labs.report(request, report_id)
