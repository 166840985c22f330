"""Server-rendered UI (Jinja2 + HTMX): sign in, register and chat, in zh-CN and en."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from aegle.bootstrap import Platform
from aegle.web.rendering import STATIC_DIR, Renderer
from aegle.web.routes import WebPages, build_router
from aegle.web.security import CookiePolicy


def install_web(app: FastAPI, platform: Platform) -> None:
    """Attach the web UI routes to the application."""
    settings = platform.settings
    cookies = CookiePolicy(settings)
    renderer = Renderer(settings.app.name, settings.app.default_locale, cookies)
    app.state.html_error_renderer = renderer.error
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_router(WebPages(platform, renderer, cookies)))
