"""Lab reports: upload (file or pasted text), list, read, delete, and each test's trend.

An upload is authenticated first, then read (OCR can take seconds) outside any database
transaction, then stored in one transaction: a file that cannot be read stores nothing. The
size limit is enforced before the body is read (`UPLOAD_PATHS` in `aegle.api.app`, 413);
type, page-count, pixel (decompression bomb) and language checks happen in the reader, and
each failure answers problem+json with a message in the caller's language.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aegle.api.deps import (
    IdPath,
    LocaleDep,
    PlatformDep,
    TokenDep,
    authenticated,
)
from aegle.api.problems import PROBLEM_JSON, problem_body
from aegle.api.schemas import Strict
from aegle.bootstrap import Platform
from aegle.core.errors import AegleError, BadRequest, InvalidInput, UnsupportedMediaType
from aegle.core.i18n import N_
from aegle.core.types import LocaleCode
from aegle.labs.errors import FileTooLarge, LabInputMixin
from aegle.labs.render import explanation_json, item_json
from aegle.services.labs import ReadUpload, ReportSummary, StoredReport, TestHistory, read_upload

router = APIRouter(tags=["lab reports"])

MAX_TEXT_CHARS = 200_000
FORM_FIELDS = ("effective_date", "sex", "age")


class UploadOptions(Strict):
    """Optional facts the report may not print; they sharpen default reference ranges."""

    effective_date: date | None = Field(
        None, description="Sample date (ISO 8601); else the date printed on the report"
    )
    sex: Literal["M", "F"] | None = None
    age: float | None = Field(None, ge=0, le=130, description="Age in years")


class TextUploadIn(UploadOptions):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Pasted report text")
    file_name: str = Field("", max_length=255)


class RangePublic(Strict):
    low: float | None
    high: float | None
    text: str | None
    origin: Literal["printed", "default"]


class ItemPublic(Strict):
    name: str
    loinc: str | None
    value: float | str | None
    unit: str | None
    flag: Literal["H", "L", "A"] | None
    reference_range: RangePublic | None


class ReportSummaryPublic(Strict):
    id: str
    kind: Literal["text", "pdf", "image"]
    file_name: str
    pages: int
    effective_date: date
    effective_source: Literal["given", "printed", "uploaded"]
    uploaded_at: datetime
    item_count: int
    abnormal_count: int
    critical_count: int


class ReportPublic(ReportSummaryPublic):
    items: list[ItemPublic]
    interpretation: dict[str, Any] = Field(
        description="Results judged (status per item), patterns, departments, questions, "
        "limits and numbered sources, in the caller's language"
    )


class UploadOut(ReportPublic):
    duplicate: bool = Field(description="The same report was uploaded before; nothing was added")


class TrendPointPublic(Strict):
    report_id: str
    date: date
    value: float | str | None
    unit: str | None
    flag: Literal["H", "L", "A"] | None


class TrendPublic(Strict):
    direction: Literal["up", "down", "stable"]
    unit: str | None = Field(description="Values compared in this (the catalogue's) unit")
    first: float
    last: float
    change: float
    change_percent: float | None
    crossed_limit: bool = Field(description="Moved between in range and out of range")
    meaningful: bool | None = Field(
        description="Previous -> latest change beyond the reference change value; "
        "null without biological-variation data"
    )
    rcv_percent: float | None = Field(
        default=None,
        description="Reference change value in percent (bidirectional, 95 %); "
        "null without biological-variation data",
    )
    last_change_percent: float | None = Field(
        default=None, description="Previous -> latest change in percent of the previous value"
    )


class TestPublic(Strict):
    id: str
    loinc: list[str]
    name: str
    unit: str | None


class TestHistoryPublic(Strict):
    test: TestPublic
    points: list[TrendPointPublic]
    trend: TrendPublic | None


def summary_public(summary: ReportSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "kind": summary.kind,
        "file_name": summary.file_name,
        "pages": summary.pages,
        "effective_date": summary.effective,
        "effective_source": summary.effective_source,
        "uploaded_at": summary.uploaded_at,
        "item_count": summary.item_count,
        "abnormal_count": summary.abnormal_count,
        "critical_count": summary.critical_count,
    }


def report_public(stored: StoredReport, locale: LocaleCode) -> dict[str, Any]:
    return {
        **summary_public(stored.summary),
        "items": [item_json(item) for item in stored.report.items],
        "interpretation": explanation_json(stored.explanation(), locale),
    }


def history_public(history: TestHistory, locale: LocaleCode) -> TestHistoryPublic:
    test, trend = history.test, history.trend
    return TestHistoryPublic(
        test=TestPublic(
            id=test.id,
            loinc=list(test.loinc),
            name=test.name_zh if locale == "zh-CN" else test.name_en,
            unit=test.unit,
        ),
        points=[
            TrendPointPublic(
                report_id=p.report_id,
                date=p.effective,
                value=item_json(p.item)["value"],
                unit=p.item.unit or p.item.ucum,
                flag=p.item.flag,
            )
            for p in history.points
        ],
        trend=None
        if trend is None
        else TrendPublic(
            direction=trend.direction,
            unit=trend.unit,
            first=trend.points[0].value,
            last=trend.points[-1].value,
            change=trend.change,
            change_percent=trend.change_percent,
            crossed_limit=trend.crossed_limit,
            meaningful=trend.meaningful,
            rcv_percent=None if trend.rcv_percent is None else round(trend.rcv_percent, 1),
            last_change_percent=trend.last_change_percent,
        ),
    )


def lab_problem(request: Request, error: AegleError, locale: LocaleCode) -> JSONResponse:
    """problem+json whose detail is the lab error's own message in the caller's language."""
    extra = {"detail": error.localized(locale)} if isinstance(error, LabInputMixin) else None
    return JSONResponse(
        problem_body(error, locale, request.url.path, extra),
        status_code=error.status,
        media_type=PROBLEM_JSON,
    )


async def _upload_body(request: Request, max_bytes: int) -> tuple[bytes, str, UploadOptions]:
    """(file bytes, file name, options) from multipart/form-data or JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().casefold()
    try:
        if content_type == "application/json":
            body = TextUploadIn.model_validate_json(await request.body())
            data = body.text.encode("utf-8")
            return (
                data,
                body.file_name,
                UploadOptions(effective_date=body.effective_date, sex=body.sex, age=body.age),
            )
        if content_type == "multipart/form-data":
            async with request.form(max_files=1, max_fields=len(FORM_FIELDS) + 1) as form:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise InvalidInput(N_("Send the report as a file field named 'file'"))
                data = await upload.read(max_bytes + 1)
                options = UploadOptions.model_validate(
                    {
                        key: value
                        for key in FORM_FIELDS
                        if isinstance(value := form.get(key), str) and value.strip()
                    }
                )
                return data, upload.filename or "", options
    except ValidationError as exc:
        errors = [
            {
                "location": [str(part) for part in item.get("loc", ())],
                "type": str(item.get("type")),
                "message": str(item.get("msg")),
            }
            for item in exc.errors()
        ]
        if any(error["type"] == "json_invalid" for error in errors):
            raise BadRequest(errors=errors) from exc
        raise InvalidInput(errors=errors) from exc
    raise UnsupportedMediaType()


def _authenticate(platform: Platform, token: str, request: Request) -> None:
    with authenticated(platform, token, request):
        pass


def _store(
    platform: Platform,
    token: str,
    request: Request,
    upload: ReadUpload,
    file_name: str,
    options: UploadOptions,
    locale: LocaleCode,
) -> tuple[dict[str, Any], bool]:
    with authenticated(platform, token, request) as (services, actor, auth):
        outcome = services.labs.store(
            actor, auth.user.id, upload, file_name=file_name, effective=options.effective_date
        )
        return report_public(outcome.stored, locale), outcome.duplicate


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "effective_date": {"type": "string", "format": "date"},
                        "sex": {"type": "string", "enum": ["M", "F"]},
                        "age": {"type": "number", "minimum": 0, "maximum": 130},
                    },
                }
            },
            "application/json": {"schema": TextUploadIn.model_json_schema()},
        },
    }
}


@router.post(
    "/labs/reports",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"model": UploadOut, "description": "Uploaded before: the stored report"},
        413: {"description": "File, page count or image pixels over the limit"},
        415: {"description": "Not a photo (JPEG/PNG/WebP/BMP), PDF or text file"},
        422: {"description": "Unreadable, encrypted, no text, no results or unsupported language"},
    },
)
async def upload_report(
    request: Request, platform: PlatformDep, token: TokenDep, locale: LocaleDep
) -> Response:
    """Upload a lab report (photo, PDF or text file as multipart `file`, or JSON `text`):
    returns every result read, its interpretation and the stored report's id. The same report
    uploaded again answers 200 with `duplicate: true` and adds nothing."""
    await run_in_threadpool(_authenticate, platform, token, request)
    max_bytes = platform.settings.api.max_upload_bytes
    try:
        data, file_name, options = await _upload_body(request, max_bytes)
        if len(data) > max_bytes:
            raise FileTooLarge()
        today = platform.clock.now().date()
        if options.effective_date is not None and options.effective_date > today:
            raise InvalidInput(N_("The sample date cannot be in the future"))
        upload = await run_in_threadpool(
            read_upload, data, today=today, sex=options.sex, age=options.age
        )
    except AegleError as error:
        return lab_problem(request, error, locale)
    body, duplicate = await run_in_threadpool(
        _store, platform, token, request, upload, file_name, options, locale
    )
    out = UploadOut.model_validate({**body, "duplicate": duplicate})
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=status.HTTP_200_OK if duplicate else status.HTTP_201_CREATED,
    )


@router.get("/labs/reports")
def list_reports(
    request: Request, platform: PlatformDep, token: TokenDep
) -> list[ReportSummaryPublic]:
    """Your lab reports, newest sample first."""
    with authenticated(platform, token, request) as (services, actor, auth):
        found = services.labs.reports(actor, auth.user.id)
    return [ReportSummaryPublic.model_validate(summary_public(s)) for s in found]


@router.get("/labs/reports/{report_id}")
def get_report(
    report_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep, locale: LocaleDep
) -> ReportPublic:
    """One report: every result and its interpretation (judged with today's catalogue)."""
    with authenticated(platform, token, request) as (services, actor, auth):
        stored = services.labs.get(actor, auth.user.id, report_id)
    return ReportPublic.model_validate(report_public(stored, locale))


@router.delete("/labs/reports/{report_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_report(
    report_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> Response:
    with authenticated(platform, token, request) as (services, actor, auth):
        services.labs.delete(actor, auth.user.id, report_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/labs/trends")
def list_trends(
    request: Request, platform: PlatformDep, token: TokenDep, locale: LocaleDep
) -> list[TestHistoryPublic]:
    """Every test you have results for, each with its values over time and trend."""
    with authenticated(platform, token, request) as (services, actor, auth):
        found = services.labs.history(actor, auth.user.id)
    return [history_public(h, locale) for h in found]


TestKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9_]+$|^\d{1,7}-\d$",
        description="A catalogue test id or a LOINC code",
    ),
]


@router.get("/labs/tests/{test_key}/trend")
def test_trend(
    test_key: TestKey, request: Request, platform: PlatformDep, token: TokenDep, locale: LocaleDep
) -> TestHistoryPublic:
    """One test across your reports (by catalogue id or LOINC code): values, direction and
    whether it moved in or out of range."""
    with authenticated(platform, token, request) as (services, actor, auth):
        found = services.labs.test_history(actor, auth.user.id, test_key)
    return history_public(found, locale)


@router.get("/patients/{person_id}/labs/reports", tags=["doctor"])
def patient_reports(
    person_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> list[ReportSummaryPublic]:
    """A doctor's view of a patient's lab reports; 404 without an active care grant."""
    with authenticated(platform, token, request) as (services, actor, _):
        found = services.labs.reports(actor, person_id)
    return [ReportSummaryPublic.model_validate(summary_public(s)) for s in found]


@router.get("/patients/{person_id}/labs/reports/{report_id}", tags=["doctor"])
def patient_report(
    person_id: IdPath,
    report_id: IdPath,
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
) -> ReportPublic:
    """One of a patient's reports with its interpretation; 404 without an active care grant."""
    with authenticated(platform, token, request) as (services, actor, _):
        stored = services.labs.get(actor, person_id, report_id)
    return ReportPublic.model_validate(report_public(stored, locale))
