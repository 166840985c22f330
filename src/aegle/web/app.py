"""Server-rendered UI (Jinja2 + HTMX). Being built; see the web templates."""

from __future__ import annotations

from fastapi import FastAPI

from aegle.bootstrap import Platform


def install_web(app: FastAPI, platform: Platform) -> None:
    """Attach the web UI routes to the application."""
