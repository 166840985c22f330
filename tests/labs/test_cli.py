"""`aegle labs parse|explain|catalogue`: the JSON shapes of issue 4 and localized errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aegle.cli.main import app

RUNNER = CliRunner()
REPORT = """姓名：王五  性别：男  年龄：58岁
项目            结果     单位       参考区间
白细胞计数      12.3 ↑   10^9/L     3.5-9.5
血红蛋白        98 ↓     g/L        130-175
谷丙转氨酶      88       U/L
钾              6.9      mmol/L     3.5-5.3
尿蛋白          2+                  阴性
"""


def _write(tmp_path: Path, text: str, name: str = "report.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_json_shape(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["labs", "parse", str(_write(tmp_path, REPORT)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["items"]
    assert len(data["items"]) == 5
    for item in data["items"]:
        assert set(item) == {"name", "loinc", "value", "unit", "flag", "reference_range"}
        ref = item["reference_range"]
        assert ref is None or set(ref) == {"low", "high", "text", "origin"}
    wbc, hgb, alt, k, pro = data["items"]
    assert (wbc["name"], wbc["loinc"], wbc["value"], wbc["flag"]) == (
        "白细胞计数",
        "6690-2",
        12.3,
        "H",
    )
    assert wbc["reference_range"] == {
        "low": 3.5,
        "high": 9.5,
        "text": "3.5-9.5",
        "origin": "printed",
    }
    assert hgb["flag"] == "L"
    assert alt["reference_range"]["origin"] == "default"
    assert (alt["reference_range"]["low"], alt["reference_range"]["high"]) == (9, 50)
    assert alt["flag"] == "H"
    assert k["value"] == 6.9
    assert pro["value"] == "2+"
    assert pro["flag"] == "A"


def test_explain_puts_critical_first_in_both_languages(tmp_path: Path) -> None:
    path = _write(tmp_path, REPORT)
    zh = RUNNER.invoke(app, ["labs", "explain", str(path), "--lang", "zh"])
    en = RUNNER.invoke(app, ["labs", "explain", str(path), "--lang", "en"])
    assert zh.exit_code == 0
    assert en.exit_code == 0
    assert zh.stdout.index("危急值") < zh.stdout.index("异常结果")
    assert "急诊医学科" in zh.stdout
    assert en.stdout.index("Critical results") < en.stdout.index("Abnormal results")
    assert "What this cannot tell you" in en.stdout
    assert "WS/T" in en.stdout


def test_catalogue_json_shape() -> None:
    result = RUNNER.invoke(app, ["labs", "catalogue", "--json"])
    assert result.exit_code == 0
    tests = json.loads(result.stdout)["tests"]
    assert len(tests) >= 100
    keys = {"loinc", "name_zh", "name_en", "aliases", "unit", "reference_intervals"}
    assert all(set(t) == keys for t in tests)
    alt = next(t for t in tests if "1742-6" in t["loinc"])
    male = next(r for r in alt["reference_intervals"] if r["sex"] == "M" and r["age_min"] == 20)
    assert set(male) == {"sex", "age_min", "age_max", "low", "high", "unit", "source"}
    assert (male["low"], male["high"], male["unit"]) == (9, 50, "U/L")
    assert "WS/T 404.1-2012" in male["source"]


def test_catalogue_json_lists_children_s_intervals_in_fractional_years() -> None:
    result = RUNNER.invoke(app, ["labs", "catalogue", "--json"])
    tests = json.loads(result.stdout)["tests"]
    wbc = next(t for t in tests if "6690-2" in t["loinc"])
    bands = [r for r in wbc["reference_intervals"] if "WS/T 779-2021" in r["source"]]
    assert len(bands) == 6
    first = bands[0]
    assert first["age_min"] == 28 / 365  # 28 days, in years
    assert first["age_max"] == 0.5  # 6 months
    assert (first["sex"], first["low"], first["high"]) == ("any", 4.3, 14.2)
    assert first["unit"] == "10*9/L"
    assert bands[-1]["age_max"] == 18
    alp = next(t for t in tests if "6768-6" in t["loinc"])
    girls = [r for r in alp["reference_intervals"] if r["sex"] == "F" and r["age_max"] == 14]
    assert [(r["age_min"], r["low"], r["high"]) for r in girls] == [(12, 81, 454)]
    assert "WS/T 780-2021" in girls[0]["source"]


CHILD_REPORT = """姓名：小明  性别：男  年龄：3岁
项目            结果     单位
白细胞计数      12.6     10^9/L
中性粒细胞百分比 70.0    %
血红蛋白        105      g/L
血小板计数      300      10^9/L
红细胞计数      4.3      10^12/L
"""


def test_a_child_s_blood_count_gets_the_children_s_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, CHILD_REPORT)
    result = RUNNER.invoke(app, ["labs", "parse", str(path), "--json"])
    assert result.exit_code == 0
    items = {item["name"]: item for item in json.loads(result.stdout)["items"]}
    wbc = items["白细胞计数"]
    # 12.6 is high for an adult (3.5-9.5) and for WS/T 779 at 2-6 years (4.4-11.9).
    expected = {"low": 4.4, "high": 11.9, "text": "4.4-11.9", "origin": "default"}
    assert wbc["reference_range"] == expected
    assert wbc["flag"] == "H"
    assert items["中性粒细胞百分比"]["reference_range"]["high"] == 65
    assert items["中性粒细胞百分比"]["flag"] == "H"
    assert items["血红蛋白"]["reference_range"]["low"] == 112
    assert items["血红蛋白"]["flag"] == "L"
    assert items["血小板计数"]["flag"] is None
    assert items["红细胞计数"]["reference_range"] is None  # no children's RBC encoded
    explained = RUNNER.invoke(app, ["labs", "explain", str(path), "--json", "--lang", "en"])
    assert explained.exit_code == 0
    data = json.loads(explained.stdout)
    assert "07" in [d["code"] for d in data["departments"]]
    assert any("WS/T 779-2021" in note["en"] for note in data["notes"])
    assert "WS/T 779-2021" in json.dumps(data["citations"], ensure_ascii=False)


def test_bad_input_gives_a_localized_message(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    zh = RUNNER.invoke(app, ["labs", "parse", str(path), "--json", "--lang", "zh"])
    en = RUNNER.invoke(app, ["labs", "parse", str(path), "--json", "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2
    assert "不支持该文件类型" in zh.stderr
    assert "not supported" in en.stderr


def test_explain_json(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["labs", "explain", str(_write(tmp_path, REPORT)), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["triage"] == "emergency"
    assert data["critical"][0]["item"]["test_id"] == "k"
    assert data["limitations"]["zh"]


def test_pasted_text_from_stdin_and_missing_files() -> None:
    result = RUNNER.invoke(app, ["labs", "parse", "-", "--json"], input="血红蛋白 98 g/L 130-175\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["items"][0]["flag"] == "L"
    missing = RUNNER.invoke(app, ["labs", "parse", "/no/such/report.pdf", "--lang", "zh"])
    assert missing.exit_code == 2
    assert "找不到该文件" in missing.stderr
