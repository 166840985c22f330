"""Migrations and models agree, and the schema goes down and up cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from aegle.store.db import Database, create_db_engine
from aegle.store.migrate import alembic_config, downgrade, is_current, upgrade
from aegle.store.schema import metadata


def test_models_match_migrations(database_url: str) -> None:
    database = Database(create_db_engine(database_url))
    upgrade(database)
    assert is_current(database)
    command.check(alembic_config(database_url))  # raises when models and migrations differ
    database.dispose()


def test_down_and_up_again(tmp_path: Path) -> None:
    database = Database(create_db_engine(f"sqlite:///{tmp_path / 'cycle.db'}"))
    upgrade(database)
    downgrade(database, "base")
    assert not is_current(database)
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(database)
    assert set(inspect(database.engine).get_table_names()) >= set(metadata.tables)
    database.dispose()
