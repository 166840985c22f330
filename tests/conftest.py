"""Shared fixtures. Tests that use the database run on a fresh SQLite file by default, and on
PostgreSQL when AEGLE_TEST_DATABASE_URL is set (CI runs `pytest -m db` that way)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.settings import Settings, load_settings
from aegle.store.db import Database, create_db_engine
from aegle.store.migrate import upgrade
from aegle.store.schema import metadata

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
PG_URL = os.environ.get("AEGLE_TEST_DATABASE_URL")
DB_FIXTURES = {"database_url", "platform", "settings", "client", "app"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str | None]:
    """Migrate the PostgreSQL test database once per session (from scratch)."""
    if not PG_URL:
        yield None
        return
    engine = create_db_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    database = Database(engine)
    upgrade(database)
    yield PG_URL
    database.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _postgres_schema: str | None) -> str:
    if _postgres_schema is None:
        return f"sqlite:///{tmp_path / 'aegle.db'}"
    engine = create_db_engine(_postgres_schema)
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as conn:
        # TRUNCATE skips row triggers, so the append-only audit table can be reset too.
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _postgres_schema


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        preset="test",
        database={"url": database_url},
        app={"var_dir": tmp_path / "var"},
    )


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock=clock)
    platform.upgrade_database()
    yield platform
    platform.close()
