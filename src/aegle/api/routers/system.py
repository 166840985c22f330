from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from aegle import __version__
from aegle.api.deps import PlatformDep
from aegle.api.schemas import HealthPublic

router = APIRouter(tags=["system"])


@router.get("/health")
def health(platform: PlatformDep) -> HealthPublic:
    with platform.database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return HealthPublic(status="ok", version=__version__, database=platform.database.dialect)
