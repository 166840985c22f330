"""`aegle vitals cgm-metrics`: JSON keyed by iglu column names, errors as exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aegle.cli.main import app

DATA = Path(__file__).resolve().parents[2] / "../shared/data/cgm-iglu"
runner = CliRunner()


def test_cgm_metrics_prints_iglu_columns_per_subject() -> None:
    result = runner.invoke(
        app,
        [
            "vitals",
            "cgm-metrics",
            str(DATA / "simple_test_1.csv"),
            "--tz",
            "Asia/Jerusalem",
            "--format",
            "iglu",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["subject1"]
    metrics = out["subject1"]
    assert metrics["mean"] == 115.0
    assert metrics["GMI"] == 6.0608
    assert metrics["MAGE"] is None  # too short: iglu returns NA
    assert len(metrics["roc"]) == 576


def test_text_output_lists_units(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["vitals", "cgm-metrics", str(DATA / "simple_test_1.csv"), "--tz", "UTC", "--text"]
    )
    assert result.exit_code == 0
    assert "in_range_70_180" in result.stdout
    assert "%" in result.stdout


def test_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,time,glucose\na,2024-01-01 00:00:00,5000\n")
    result = runner.invoke(app, ["vitals", "cgm-metrics", str(bad), "--tz", "UTC"])
    assert result.exit_code == 2
    assert "implausible" in result.output
    missing = runner.invoke(app, ["vitals", "cgm-metrics", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_cgm_targets_judges_each_subject_in_both_locales() -> None:
    path = str(DATA / "example_data_5_subject__subjects_1-3.csv")
    zh = runner.invoke(app, ["vitals", "cgm-targets", path, "--tz", "Asia/Jerusalem"])
    assert zh.exit_code == 0, zh.output
    assert "目标范围内时间" in zh.stdout
    assert "数据不足" in zh.stdout  # the example subjects have under 14 days or under 70 % wear
    out = runner.invoke(
        app,
        ["vitals", "cgm-targets", path, "--tz", "Asia/Jerusalem", "--locale", "en", "--json"],
    )
    data = json.loads(out.stdout)
    tir = {c["metric"]: c for c in data["Subject 2"]["checks"]}["in_range_70_180"]
    assert tir["met"] is False
    assert tir["value"] < 70
    assert "outside the target" in tir["text"]
    assert data["Subject 2"]["source"]["url"] == "https://doi.org/10.2337/dci19-0028"
    bad = runner.invoke(app, ["vitals", "cgm-targets", path, "--group", "astronauts"])
    assert bad.exit_code == 2


def test_agp_writes_an_svg(tmp_path: Path) -> None:
    out = tmp_path / "agp.svg"
    result = runner.invoke(
        app,
        [
            "vitals",
            "agp",
            str(DATA / "example_data_Subject_1.csv"),
            "--out",
            str(out),
            "--locale",
            "en",
            "--tz",
            "UTC",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<svg")
    missing = runner.invoke(
        app,
        [
            "vitals",
            "agp",
            str(DATA / "example_data_Subject_1.csv"),
            "--out",
            str(out),
            "--subject",
            "nobody",
        ],
    )
    assert missing.exit_code == 2
