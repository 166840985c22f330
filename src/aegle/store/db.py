"""Engine and session factory. SQLite gets WAL, foreign keys and immediate transactions;
PostgreSQL gets a pool. Same code, different URL."""

from __future__ import annotations

import contextlib
import os
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
        self.engine.dispose()
        if isinstance(self._writer, WriterLock):
            self._writer.close()
