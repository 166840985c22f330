"""The layer rules (import-linter contracts in pyproject.toml) hold, and would catch a breach.

The second half matters as much as the first: it builds a small package laid out like ours, with
the same contracts, and shows that a capability engine importing SQLAlchemy, or `core` importing
the API, is reported as broken. A contract that cannot fail would prove nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_ROOT = "layerfixture"  # a name that cannot collide with the installed `aegle`


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config: dict[str, Any] = tomllib.load(handle)["tool"]["importlinter"]
    return config


def _lint_imports(
    *args: str, cwd: Path, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = (
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "--no-cache", "--no-logo", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_project_keeps_every_contract() -> None:
    contracts = _config()["contracts"]
    assert len(contracts) >= 2
    result = _lint_imports(cwd=ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"Contracts: {len(contracts)} kept, 0 broken." in output
    for contract in contracts:
        assert f"{contract['name']} KEPT" in output


def _rename(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\baegle\b", FIXTURE_ROOT, value)
    if isinstance(value, list):
        return [_rename(v) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v) for k, v in value.items()}
    return value


def _modules(value: Any) -> set[str]:
    """Every module of ours that the contracts name (layers may hold `a | b` or `(a)`)."""
    if isinstance(value, str):
        return set(re.findall(rf"\b{FIXTURE_ROOT}(?:\.\w+)*", value))
    if isinstance(value, list):
        return set().union(*(_modules(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_modules(v) for v in value.values())) if value else set()
    return set()


def _toml_value(value: Any) -> str:
    # JSON strings, booleans, numbers and arrays of them are valid TOML.
    return json.dumps(value, ensure_ascii=False)


def _write_fixture(tmp_path: Path, breach: dict[str, str]) -> Path:
    config = _rename(_config())
    src = tmp_path / "src"
    for module in sorted(_modules(config)):
        package = src.joinpath(*module.split("."))
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
    for module, body in breach.items():
        path = src.joinpath(*module.split(".")).with_suffix(".py")
        path.write_text(body + "\n", encoding="utf-8")
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        if contract.get("ignore_imports"):
            # The fixture has none of the real imports those exceptions are for.
            contract = {**contract, "unmatched_ignore_imports_alerting": "none"}
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def _run_fixture(tmp_path: Path, breach: dict[str, str]) -> tuple[int, str]:
    src = _write_fixture(tmp_path, breach)
    result = _lint_imports("--config", "pyproject.toml", cwd=tmp_path, pythonpath=src)
    return result.returncode, result.stdout + result.stderr


def test_fixture_without_breach_keeps_every_contract(tmp_path: Path) -> None:
    code, output = _run_fixture(tmp_path, {})
    assert code == 0, output
    assert f"Contracts: {len(_config()['contracts'])} kept, 0 broken." in output


ENGINE_CONTRACT = "Capability engines are pure: no web, database or network code"
LAYERS_CONTRACT = "Layers: entry points over services over adapters over engines over core"
THIN_ENTRY_CONTRACT = "Entry points are thin: no SQL in the API, the web UI or the CLI"


@pytest.mark.parametrize(
    ("breach", "broken"),
    [
        pytest.param(
            {f"{FIXTURE_ROOT}.clinic.engine": "import sqlalchemy"},
            ENGINE_CONTRACT,
            id="engine-imports-database",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.labs.reader": "import httpx"},
            ENGINE_CONTRACT,
            id="engine-imports-network",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.safety.rules": f"from {FIXTURE_ROOT} import settings"},
            ENGINE_CONTRACT,
            id="engine-reads-settings",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.core.types": f"from {FIXTURE_ROOT}.api import app"},
            LAYERS_CONTRACT,
            id="core-imports-api",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.store.repo": f"import {FIXTURE_ROOT}.services"},
            LAYERS_CONTRACT,
            id="adapter-imports-service",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.api.routes": f"import {FIXTURE_ROOT}.cli"},
            LAYERS_CONTRACT,
            id="api-imports-cli",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.web.views": "from sqlalchemy import select"},
            THIN_ENTRY_CONTRACT,
            id="web-runs-sql",
        ),
        pytest.param(
            {f"{FIXTURE_ROOT}.cli.commands": "import psycopg"},
            THIN_ENTRY_CONTRACT,
            id="cli-talks-to-postgres",
        ),
    ],
)
def test_contracts_report_a_breach(tmp_path: Path, breach: dict[str, str], broken: str) -> None:
    names = {c["name"] for c in _config()["contracts"]}
    assert broken in names, "contract renamed: update this test"
    code, output = _run_fixture(tmp_path, breach)
    assert code != 0, output
    assert f"{broken} BROKEN" in output
