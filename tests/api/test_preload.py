"""A worker builds the assistant before it accepts connections, unless told not to."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.server import create_app
from aegle.settings import Settings


@pytest.mark.parametrize("preload", [True, False])
def test_start_up_builds_the_assistant_only_when_preloading(
    settings: Settings, clock: FrozenClock, preload: bool
) -> None:
    configured = settings.model_copy(
        update={"server": settings.server.model_copy(update={"preload": preload})}
    )
    platform = Platform(configured, clock=clock)
    gc.unfreeze()
    try:
        with TestClient(create_app(platform=platform)) as client:
            assert client.get("/api/v1/health").status_code == 200
            assert ("responder" in platform.__dict__) is preload
            # The chat's evidence skill and the evidence API share one service, built at start-up.
            assert ("evidence" in platform.__dict__) is preload
            # So does the listing of knowledge entries that citation links open.
            assert ("citations" in platform.__dict__) is preload
            # What start-up loaded is kept out of the collector's full passes.
            assert (gc.get_freeze_count() > 0) is preload
    finally:
        gc.unfreeze()
