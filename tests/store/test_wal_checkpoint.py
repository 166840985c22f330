"""The SQLite write-ahead log is folded back into the database file by the checkpointer
thread, not by the request that happens to cross SQLite's 1,000-page threshold."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from aegle.store.db import Database, WalCheckpointer, create_db_engine


def _write(database: Database, transactions: int) -> None:
    for n in range(transactions):
        with database.transaction() as session:
            session.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": f"{n}".ljust(3000)})


def _checkpointer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "aegle-wal-checkpoint"]


def test_commits_are_checkpointed_by_the_thread_not_by_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    threads_before = len(_checkpointer_threads())  # other tests' databases may still run one
    database = Database(create_db_engine(f"sqlite:///{path}"))
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
            valve = session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
        # Writers checkpoint only as a safety valve, far above what these writes reach.
        assert valve == WalCheckpointer.SAFETY_VALVE_PAGES
        size_before = path.stat().st_size
        _write(database, 2 * WalCheckpointer.NUDGE_EVERY)  # ~64 pages of log, then a nudge
        deadline = time.monotonic() + 20
        while path.stat().st_size <= size_before and time.monotonic() < deadline:
            time.sleep(0.05)
        # The rows reached the database file itself: only a checkpoint copies them there.
        assert path.stat().st_size > size_before + 32 * 3000
        with database.transaction() as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == 64
    finally:
        database.dispose()
    assert len(_checkpointer_threads()) == threads_before  # dispose stopped this one


def test_in_memory_databases_have_no_checkpointer() -> None:
    threads_before = len(_checkpointer_threads())
    database = Database(create_db_engine("sqlite://"))
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
        _write(database, WalCheckpointer.NUDGE_EVERY + 1)
        assert len(_checkpointer_threads()) == threads_before
    finally:
        database.dispose()
