"""The signed-in person's health data: the alerts inbox, charts and a summary of recent data."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import Field

from aegle.api.deps import LocaleDep, PlatformDep, TokenDep, authenticated
from aegle.api.schemas import Strict
from aegle.core.types import LocaleCode
from aegle.services.health_alerts import InboxAlert

router = APIRouter(tags=["health data"])

ChartPath = Literal["agp", "bp", "sleep", "weight", "heart_rate", "spo2"]
Days = Annotated[int, Query(ge=1, le=90, description="How many days back from now")]


class SourcePublic(Strict):
    title: str
    publisher: str
    edition: str
    section: str
    url: str | None = None


class AlertPublic(Strict):
    id: int
    rule_id: str
    severity: str
    triage: str
    start: str = Field(description="When the event started (ISO 8601, with the UTC offset)")
    end: str
    value: float = Field(description="The event's extreme value, in the rule's unit")
    title: str
    explanation: str = Field(description="What happened, with the data that triggered it")
    advice: str
    sources: list[SourcePublic]
    created_at: str
    read_at: str | None


class AlertsOut(Strict):
    unread: int
    alerts: list[AlertPublic]


class MarkedOut(Strict):
    marked: int


def alert_public(alert: InboxAlert, locale: LocaleCode) -> AlertPublic:
    data: dict[str, Any] = alert.as_dict(locale)
    return AlertPublic.model_validate(data)


@router.get("/me/alerts")
def list_alerts(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertsOut:
    """Your alerts from device data, newest first, each explaining itself with its source."""
    with authenticated(platform, token, request) as (services, actor, auth):
        alerts = services.health_data.alerts
        found = alerts.inbox(actor, auth.user.id, unread_only=unread_only, limit=limit)
        unread = alerts.unread_count(actor, auth.user.id)
    return AlertsOut(unread=unread, alerts=[alert_public(a, locale) for a in found])


@router.post("/me/alerts/{alert_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_alert_read(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    with authenticated(platform, token, request) as (services, actor, auth):
        services.health_data.alerts.mark_read(actor, auth.user.id, alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/alerts/read")
def mark_all_alerts_read(request: Request, platform: PlatformDep, token: TokenDep) -> MarkedOut:
    with authenticated(platform, token, request) as (services, actor, auth):
        marked = services.health_data.alerts.mark_read(actor, auth.user.id)
    return MarkedOut(marked=marked)


@router.get(
    "/me/health/charts/{name}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def chart(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
    name: ChartPath,
    format: Literal["svg", "png"] = "svg",
    days: Days = 14,
    unit: Literal["mg/dL", "mmol/L"] | None = None,
) -> Response:
    """One chart of your recent data: `agp` (the Ambulatory Glucose Profile report), `bp`,
    `sleep`, `weight`, `heart_rate` or `spo2`, as SVG or PNG."""
    from aegle.services.health_charts import render  # matplotlib: loaded on the first chart

    with authenticated(platform, token, request) as (services, actor, auth):
        snapshot = services.health_data.snapshot(actor, auth.user.id, days=days)
        scheme = services.health_data.bp_scheme
    drawn = render(name, snapshot, locale, format, unit=unit, bp_scheme=scheme)
    return Response(
        drawn.content,
        media_type=drawn.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{drawn.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
