"""SQLite writers queue on one lock across processes (server workers, CLI imports)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import text

from aegle.store.db import Database, create_db_engine

HOLDER = """
import sys
from aegle.store.db import Database, create_db_engine
database = Database(create_db_engine(sys.argv[1]))
with database.transaction() as session:
    session.execute(__import__("sqlalchemy").text("INSERT INTO marks VALUES ('holder')"))
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_transaction_waits_for_another_process_holding_the_writer_lock(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    database = Database(create_db_engine(url))
    with database.transaction() as session:
        session.execute(text("CREATE TABLE marks (who TEXT)"))
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
        done = threading.Event()

        def write() -> None:
            with database.transaction() as session:
                session.execute(text("INSERT INTO marks VALUES ('waiter')"))
            done.set()

        waiter = threading.Thread(target=write)
        waiter.start()
        # The other process holds the lock: the writer must still be waiting.
        assert not done.wait(0.5)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert done.wait(10)
        waiter.join()
        holder.stdin.close()
        holder.wait(timeout=10)
    with database.transaction() as session:
        order = [row[0] for row in session.execute(text("SELECT who FROM marks ORDER BY rowid"))]
    assert order == ["holder", "waiter"]
    assert (tmp_path / "lock.db.writer-lock").exists()
    database.dispose()


def test_in_memory_databases_need_no_lock_file(tmp_path: Path) -> None:
    database = Database(create_db_engine("sqlite://"))
    with database.transaction() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    database.dispose()
    assert not list(tmp_path.iterdir())
