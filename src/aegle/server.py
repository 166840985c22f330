"""The application factory: API + web UI on one platform. Nothing is built at import time;
`uvicorn aegle.server:create_app --factory` and the tests call it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aegle import __version__
from aegle.api.app import install_api
from aegle.bootstrap import Platform
from aegle.settings import Settings, load_settings
from aegle.web.app import install_web


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform(settings or load_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if platform.settings.server.preload:
            # Before the worker accepts connections: no person waits seconds for the first reply.
            platform.responder  # noqa: B018 - building it is the point
            platform.evidence.preload()  # its index now, its vectors in the background
            platform.citations.preload()  # what a citation link opens, listed now
            # The knowledge just loaded lives as long as the process. Left to the collector, every
            # full collection walks its large dicts again (60-100 ms on this machine, a stall
            # that lands in the p99); frozen, the collector skips it.
            gc.collect()
            gc.freeze()
        elif platform.settings.evidence.dense:
            # Not preloading: the vectors are still prepared off the request path (evidence
            # requests are BM25 until they are ready), never inside a request.
            platform.evidence.start_vectors()
        yield
        platform.close()

    app = FastAPI(
        title=platform.settings.app.name,
        version=__version__,
        description="Open, self-hostable AI health manager. Informs; does not diagnose.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_api(app, platform)
    install_web(app, platform)
    return app
