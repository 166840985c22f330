"""The HTTP API under /api/v1: routers, error shape and size limits."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from aegle.api.limits import BodySizeLimit
from aegle.api.problems import install_problem_handlers
from aegle.api.routers import (
    admin,
    auth,
    conversations,
    evidence,
    health,
    interviews,
    labs,
    people,
    system,
)
from aegle.bootstrap import Platform

API_PREFIX = "/api/v1"
# Lab report uploads: the API endpoint and the web chat's upload form.
UPLOAD_PATHS: tuple[str, ...] = (
    f"{API_PREFIX}/uploads",
    f"{API_PREFIX}/labs/reports",
    "/labs/reports",
)


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for module in (system, auth, conversations, interviews, people, admin, evidence, health, labs):
        router.include_router(module.router)
    return router


def install_api(app: FastAPI, platform: Platform) -> None:
    """Attach the API to an application built by the server's factory."""
    app.state.platform = platform
    app.state.default_locale = platform.settings.app.default_locale
    install_problem_handlers(app)
    app.include_router(api_router())
    app.add_middleware(
        BodySizeLimit,
        max_bytes=platform.settings.api.max_body_bytes,
        upload_max_bytes=platform.settings.api.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
