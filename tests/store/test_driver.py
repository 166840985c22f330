"""Driver statements write and read exactly what SQLAlchemy's own execution does, in the
session's transaction (runs on SQLite and, in CI, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from aegle.bootstrap import Platform
from aegle.store.driver import DriverStatement
from aegle.store.tables import Base

USERS = Base.metadata.tables["users"]
CONVERSATIONS = Base.metadata.tables["conversations"]
MESSAGES = Base.metadata.tables["messages"]
AUDIT_HEAD = Base.metadata.tables["audit_head"]

INSERT_MESSAGE = DriverStatement(insert(MESSAGES))
MESSAGES_OF = DriverStatement(
    select(MESSAGES.c.seq, MESSAGES.c.payload, MESSAGES.c.created_at, MESSAGES.c.intent)
    .where(MESSAGES.c.conversation_id == bindparam("cid"))
    .order_by(MESSAGES.c.seq)
)
RENAME = DriverStatement(
    update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("cid")).values(title="renamed")
)
HEAD_ONE = DriverStatement(select(AUDIT_HEAD.c.seq).where(AUDIT_HEAD.c.id == 1))
AT = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def _conversation(platform: Platform) -> tuple[str, str]:
    with platform.database.transaction() as session:
        conn = session.connection()
        conn.execute(
            insert(USERS),
            {
                "id": "u-1",
                "username": "driver",
                "password_hash": "x",
                "role": "patient",
                "display_name": "",
                "locale": "en",
                "created_at": AT,
                "disabled": False,
            },
        )
        conn.execute(
            insert(CONVERSATIONS),
            {
                "id": "c-1",
                "person_id": "u-1",
                "title": "",
                "locale": "en",
                "created_at": AT,
                "updated_at": AT,
            },
        )
    return "u-1", "c-1"


def _message(seq: int, person: str, conversation: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"m-{seq}",
        "conversation_id": conversation,
        "person_id": person,
        "seq": seq,
        "role": "user" if seq % 2 else "assistant",
        "text": f"message {seq} 你好",
        "lang": "en",
        "intent": None,
        "payload": {"cards": [{"kind": "scope", "text": "说明"}], "n": seq},
        "created_at": AT + timedelta(minutes=seq),
    }
    row.update(changes)
    return row


def test_rows_written_by_the_driver_read_back_the_same_through_sqlalchemy(
    platform: Platform,
) -> None:
    person, conversation = _conversation(platform)
    with platform.database.transaction() as session:
        INSERT_MESSAGE.execute(
            session.connection(),
            [_message(1, person, conversation), _message(2, person, conversation, intent="x")],
        )
    with platform.database.transaction() as session:
        core = session.connection().execute(
            select(MESSAGES.c.seq, MESSAGES.c.payload, MESSAGES.c.created_at, MESSAGES.c.intent)
            .where(MESSAGES.c.conversation_id == conversation)
            .order_by(MESSAGES.c.seq)
        )
        expected = [tuple(row) for row in core]
        driven = MESSAGES_OF.execute(session.connection(), {"cid": conversation}).all()
    card = {"kind": "scope", "text": "说明"}
    assert expected == [
        (1, {"cards": [card], "n": 1}, AT + timedelta(minutes=1), None),
        (2, {"cards": [card], "n": 2}, AT + timedelta(minutes=2), "x"),
    ]
    assert [tuple(row) for row in driven] == expected
    assert driven[0].created_at.tzinfo is not None  # aware UTC, like the ORM's
    assert driven[1].intent == "x"  # rows are named


def test_rowcount_fixed_binds_and_the_sessions_transaction(platform: Platform) -> None:
    _, conversation = _conversation(platform)
    with platform.database.transaction() as session:
        assert RENAME.execute(session.connection(), {"cid": "missing"}).rowcount == 0
        assert RENAME.execute(session.connection(), {"cid": conversation}).rowcount == 1
        # The literal `id == 1` is a bind the statement carries itself.
        assert HEAD_ONE.execute(session.connection(), {}).first() is None
        session.rollback()  # the driver's statements were in the session's transaction
    with platform.database.transaction() as session:
        title = session.connection().execute(
            select(CONVERSATIONS.c.title).where(CONVERSATIONS.c.id == conversation)
        )
        assert title.scalar_one() == ""
