"""Engine and session factory. SQLite gets WAL, foreign keys and immediate transactions;
PostgreSQL gets a pool. Same code, different URL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aegle.core.errors import Conflict, StorageError

try:
    import fcntl
except ImportError:  # not POSIX: processes fall back on SQLite's busy handler
    fcntl = None  # type: ignore[assignment]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy drive transactions so we can begin them IMMEDIATE (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Taking the write lock at BEGIN avoids SQLITE_BUSY upgrade failures between
        # processes; the audit chain's read-then-append relies on it. Sent on the driver's
        # connection directly: SQLAlchemy's statement machinery adds nothing to a BEGIN.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


def create_db_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, busy_timeout_ms: int = 5000
) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


class WriterLock:
    """One SQLite writer at a time, across threads and processes.

    SQLite has one writer at a time and every transaction here begins IMMEDIATE. Queueing on a
    lock is prompt; leaving waiters to SQLite's busy handler makes them sleep and retry, which
    wrecks tail latency under load. Threads queue on a thread lock; processes (several server
    workers, a CLI import beside the server) on an flock of a file beside the database, which
    the kernel releases if a process dies.
    """

    def __init__(self, lock_path: Path | None) -> None:
        self._threads = threading.Lock()
        self._fd: int | None = None
        if lock_path is not None and fcntl is not None:
            self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class WalCheckpointer:
    """Copies the SQLite write-ahead log back into the database file from a thread of its own.

    Left to SQLite, the commit that finds the log over 1,000 pages does the checkpoint itself:
    every ~60 chat turns one request stalled 10-17 ms (the log copied and synced) while holding
    the writer lock and the event loop. Here commits only nudge this thread; it runs PASSIVE
    checkpoints (they never block readers or the writer) on its own connection, and sqlite3
    releases the GIL while it works, so the copy runs on another core. The writers' own
    autocheckpoint stays as a safety valve, at 10x SQLite's default, in case this thread lags.
    """

    NUDGE_EVERY = 32  # commits: ~300-500 log pages of chat turns
    IDLE_SECONDS = 1.0  # a quiet process still folds its log back soon after its last write
    SAFETY_VALVE_PAGES = 10_000

    def __init__(self, database_path: str) -> None:
        self._path = database_path
        self._wake = threading.Event()
        self._stopping = False
        self._commits = 0
        self._dirty = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def committed(self) -> None:
        # Unlocked counters: a lost increment only shifts the next nudge by a commit. The Event
        # is set once per NUDGE_EVERY commits, not on each (setting it takes its lock).
        self._dirty = True
        self._commits += 1
        if self._thread is None:
            self._ensure_running()
        if self._commits >= self.NUDGE_EVERY:
            self._commits = 0
            self._wake.set()

    def _ensure_running(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(
                        target=self._run, name="aegle-wal-checkpoint", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        try:
            while not self._stopping:
                self._wake.wait(self.IDLE_SECONDS)
                self._wake.clear()
                if self._stopping:
                    break
                if not self._dirty:
                    continue  # nothing written since the last checkpoint
                self._dirty = False
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    continue  # busy or locked: the next nudge tries again
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def _file_database(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _writer_lock(engine: Engine) -> WriterLock | contextlib.nullcontext[None]:
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()  # PostgreSQL has row locks and MVCC
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return WriterLock(None)
    return WriterLock(Path(database + ".writer-lock"))


class Database:
    """Owns the engine and hands out transactional sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = _writer_lock(engine)
        self._checkpointer: WalCheckpointer | None = None
        path = _file_database(engine) if engine.dialect.name == "sqlite" else None
        if path is not None:
            checkpointer = self._checkpointer = WalCheckpointer(path)
            pages = checkpointer.SAFETY_VALVE_PAGES

            @event.listens_for(engine, "connect")
            def _safety_valve(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={pages}")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self._writer:
            yield from self._transaction()

    def _transaction(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
            if self._checkpointer is not None:
                self._checkpointer.committed()
        except IntegrityError as error:
            session.rollback()
            raise Conflict() from error
        except SQLAlchemyError as error:
            session.rollback()
            raise StorageError() from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as error:
            raise StorageError() from error

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()
        if isinstance(self._writer, WriterLock):
            self._writer.close()
