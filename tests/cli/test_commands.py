"""The `aegle` command end to end, honouring AEGLE_DATABASE_URL like every command must."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text
from typer.testing import CliRunner

from aegle.cli.main import app
from aegle.store.db import create_db_engine

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "AEGLE_DATABASE_URL": database_url,
        "AEGLE_PRESET": "test",
        "AEGLE_APP__VAR_DIR": str(tmp_path / "var"),
    }


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def test_demo_creates_three_roles_and_is_idempotent(env: dict[str, str]) -> None:
    code, out = run(env, "demo")
    assert code == 0, out
    for username in ("demo", "dr.demo", "admin"):
        assert username in out
    assert run(env, "demo")[0] == 0


def test_audit_verify_detects_tampering(env: dict[str, str], database_url: str) -> None:
    assert run(env, "demo")[0] == 0
    code, out = run(env, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["rows"] >= 3

    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET actor_role = 'admin' WHERE seq = 2"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    engine.dispose()
    code, out = run(env, "audit", "verify")
    assert code == 1
    assert "row 2 was modified" in out


def test_export_prints_a_fhir_bundle(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "demo")
    target = tmp_path / "demo.json"
    code, out = run(env, "export", "--person", "demo", "--output", str(target))
    assert code == 0, out
    bundle = Bundle.model_validate_json(target.read_text())
    assert bundle.type == "collection"
    assert any(e.resource.__resource_type__ == "Patient" for e in bundle.entry or [])
    code, out = run(env, "export", "--person", "nobody")
    assert code == 1
    assert "error" in out


def test_commands_need_a_migrated_database(tmp_path: Path) -> None:
    # A brand-new database file whatever the backend under test: the check is the CLI's.
    fresh = {"AEGLE_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "AEGLE_PRESET": "test"}
    code, out = run(fresh, "user", "create", "dr.li", "--password", "s3cret-pass")
    assert code == 1
    assert "aegle db upgrade" in out
    assert run(fresh, "db", "upgrade")[0] == 0
    assert run(fresh, "user", "create", "dr.li", "--password", "s3cret-pass")[0] == 0


def test_user_create_and_delete(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, out = run(env, "user", "create", "dr.li", "--role", "doctor", "--password", "s3cret-pass")
    assert code == 0, out
    assert "doctor dr.li" in out
    assert run(env, "user", "create", "dr.li", "--password", "s3cret-pass")[0] == 1
    assert run(env, "user", "delete", "dr.li", "--yes")[0] == 0
    assert run(env, "user", "delete", "dr.li", "--yes")[0] == 1


def test_terminal_chat_goes_through_the_services(env: dict[str, str]) -> None:
    run(env, "demo")
    code, out = run(
        env,
        "chat",
        "--user",
        "demo",
        "--lang",
        "zh",
        stdin="demo-patient-2026\n你好\n\n",
    )
    assert code == 0, out
    assert "> " in out
    code, out = run(env, "chat", "--user", "demo", stdin="wrong-password\n")
    assert code == 1


def test_safety_check_jsonl(env: dict[str, str]) -> None:
    lines = [
        {"text": "我不想活了", "lang": "zh"},
        {"text": "my father has crushing chest pain and is sweating", "lang": "en"},
        {"text": "最近有点咳嗽", "lang": "zh"},
    ]
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    code, out = run(env, "safety", "check", "--jsonl", stdin=stdin)
    assert code == 0
    labels = [json.loads(line)["label"] for line in out.splitlines() if line.strip()]
    assert labels == ["crisis", "emergency", "none"]
