"""`aegle import ...` through the sub-app, honouring AEGLE_DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aegle.bootstrap import Platform
from aegle.cli.importing import app
from aegle.core.types import Role
from aegle.services.actor import Actor

BUNDLE = Path(__file__).resolve().parents[1] / "fhir" / "small_bundle.json"
runner = CliRunner()


@pytest.fixture
def env(platform: Platform, tmp_path: Path) -> dict[str, str]:
    return {
        "AEGLE_DATABASE_URL": platform.settings.database_url,
        "AEGLE_PRESET": "test",
        "AEGLE_APP__VAR_DIR": str(tmp_path / "var"),
    }


def _register(platform: Platform, username: str, *, consent: str | None) -> None:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username=username, password="password1")
    if consent:
        actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
        with platform.unit_of_work() as s:
            scope = s.gate.open(actor, user.id, "write", resource_type="consent")
            s.consents.grant(scope, source=consent, purpose="import")


def test_dry_run_json_reports_source_values_without_a_database() -> None:
    result = runner.invoke(app, ["fhir", "--dry-run", "--json", str(BUNDLE)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= {"observations", "conditions", "medications"}
    glucose = next(o for o in document["observations"] if o["loinc"] == "2339-0")
    assert glucose == glucose | {
        "value": 6.1,
        "unit": "mmol/l",
        "effective": "2025-03-04T08:05:00Z",
    }
    assert [c["code"] for c in document["conditions"]] == ["38341003"]
    assert [m["code"] for m in document["medications"]] == ["17767"]


def test_store_needs_a_person() -> None:
    result = runner.invoke(app, ["fhir", str(BUNDLE)])
    assert result.exit_code == 1
    assert "--person" in result.output


def test_store_needs_consent_then_is_idempotent(platform: Platform, env: dict[str, str]) -> None:
    _register(platform, "nora", consent=None)
    refused = runner.invoke(app, ["fhir", "--person", "nora", str(BUNDLE)], env=env)
    assert refused.exit_code == 1
    assert "consent" in refused.output.lower()
    _register(platform, "olga", consent="fhir")
    first = runner.invoke(app, ["fhir", "--person", "olga", "--json", str(BUNDLE)], env=env)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["observations_added"] == 4
    assert summary["seconds"] >= 0
    again = runner.invoke(app, ["fhir", "--person", "olga", str(BUNDLE)], env=env)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("imported 0 observations (4 already stored)")


def test_unknown_person_is_an_error(platform: Platform, env: dict[str, str]) -> None:
    result = runner.invoke(app, ["fhir", "--person", "ghost", str(BUNDLE)], env=env)
    assert result.exit_code == 1


CGM = Path(__file__).resolve().parents[1] / "cgm_csv" / "dexcom_clarity_mgdl.csv"


def test_cgm_import_stores_readings_with_quarantine_report(
    platform: Platform, env: dict[str, str]
) -> None:
    _register(platform, "lin", consent="cgm_csv")
    args = ["cgm", "--person", "lin", "--tz", "Asia/Shanghai", "--json", str(CGM)]
    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["observations_added"] == 4
    assert len(summary["quarantined"]) == 3
    again = json.loads(runner.invoke(app, args, env=env).stdout)
    assert (again["observations_added"], again["duplicates"]) == (0, 4)


def test_cgm_with_another_sources_consent_is_refused(
    platform: Platform, env: dict[str, str]
) -> None:
    _register(platform, "kai", consent="fhir")
    result = runner.invoke(app, ["cgm", "--person", "kai", "--tz", "UTC", str(CGM)], env=env)
    assert result.exit_code == 1
    assert "cgm_csv" in result.output


def test_cgm_bad_options_are_errors() -> None:
    result = runner.invoke(app, ["cgm", "--dry-run", "--unit", "g/L", "--tz", "UTC", str(CGM)])
    assert result.exit_code == 1
    assert "--unit" in result.output


def test_bp_import(platform: Platform, env: dict[str, str]) -> None:
    _register(platform, "bo", consent="bp_csv")
    omron = Path(__file__).resolve().parents[1] / "bp_csv" / "omron_connect.csv"
    args = ["bp", "--person", "bo", "--tz", "Asia/Shanghai", "--json", str(omron)]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["observations_added"] == 11


def test_apple_health_import_prints_records_and_seconds(
    platform: Platform, env: dict[str, str]
) -> None:
    _register(platform, "wei", consent="apple_health")
    export = Path(__file__).resolve().parents[1] / "apple_health" / "export_v1.xml"
    result = runner.invoke(app, ["apple-health", "--person", "wei", str(export)], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 11 records of 13 read")
    assert "records/s" in result.stdout
    again = runner.invoke(app, ["apple-health", "--person", "wei", "--json", str(export)], env=env)
    assert json.loads(again.stdout)["observations_added"] == 0


def test_open_mhealth_dry_run_and_store(platform: Platform, env: dict[str, str]) -> None:
    points = Path(__file__).resolve().parents[1] / "open_mhealth" / "data_points.json"
    dry = runner.invoke(app, ["open-mhealth", "--dry-run", "--json", str(points)])
    assert dry.exit_code == 0, dry.output
    assert len(json.loads(dry.stdout)["observations"]) == 7
    _register(platform, "omh", consent="open_mhealth")
    stored = runner.invoke(app, ["open-mhealth", "--person", "omh", "--json", str(points)], env=env)
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["observations_added"] == 7


def test_import_then_draw_a_chart(platform: Platform, env: dict[str, str], tmp_path: Path) -> None:
    from aegle.cli.vitals import app as vitals_app

    _register(platform, "chartist", consent="fhir")
    stored = runner.invoke(app, ["fhir", "--person", "chartist", str(BUNDLE)], env=env)
    assert stored.exit_code == 0, stored.output
    out = tmp_path / "bp.png"
    drawn = runner.invoke(
        vitals_app,
        [
            "chart",
            "bp",
            "--person",
            "chartist",
            "--out",
            str(out),
            "--days",
            "365",
            "--locale",
            "en",
        ],
        env=env,
    )
    assert drawn.exit_code == 0, drawn.output
    assert out.read_bytes().startswith(b"\x89PNG")
    wrong = runner.invoke(
        vitals_app,
        ["chart", "bp", "--person", "chartist", "--out", str(tmp_path / "bp.gif")],
        env={**env, "LANG": "zh_CN.UTF-8"},
    )
    assert wrong.exit_code == 1
    assert "未知的图表格式 gif" in wrong.output


def test_cgm_import_reports_alerts_and_quarantine_in_chinese(
    platform: Platform, env: dict[str, str], tmp_path: Path
) -> None:
    _register(platform, "mei", consent="cgm_csv")
    rows = ["id,time,glucose"]
    for n in range(30):
        value = 50 if 10 <= n < 16 else 120
        rows.append(f"p,2025-03-01 {8 + n * 5 // 60:02d}:{n * 5 % 60:02d},{value}")
    rows.append("p,2025-03-01 11:00,5000")
    path = tmp_path / "cgm.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["cgm", "--person", "mei", "--tz", "Asia/Shanghai", str(path)],
        env={**env, "LANG": "zh_CN.UTF-8"},
    )
    assert result.exit_code == 0, result.output
    assert "alerts raised: glucose_level2_hypo" in result.output
    assert "不可能的血糖值 5000 mg/dL" in result.output
