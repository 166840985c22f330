from __future__ import annotations

from fastapi import APIRouter

from aegle import __version__
from aegle.api.deps import PlatformDep
from aegle.api.schemas import HealthPublic

router = APIRouter(tags=["system"])


@router.get("/health")
def health(platform: PlatformDep) -> HealthPublic:
    platform.database.ping()
    return HealthPublic(status="ok", version=__version__, database=platform.database.dialect)
