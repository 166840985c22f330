"""`ask`, `show`, `evidence search` and `corpus add|list` through the Typer sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aegle.cli.evidence import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def evidence_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AEGLE_LLM__PROVIDER", "none")
    return tmp_path / "evidence"


def test_ask_json_has_the_documented_shape_and_ids_resolve() -> None:
    out = runner.invoke(app, ["ask", "每天吃多少盐", "--lang", "zh", "--json", "--no-dense"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) >= {"answer", "sentences", "citations", "abstained"}
    assert data["abstained"] is False
    cited = {c["id"] for c in data["citations"]}
    assert {i for s in data["sentences"] for i in s["citations"]} == cited
    for citation in data["citations"]:
        assert set(citation) >= {"id", "title", "source", "passage"}
        shown = runner.invoke(app, ["show", citation["id"], "--json"])
        assert shown.exit_code == 0
        assert json.loads(shown.output)["passage"] == citation["passage"]


def test_ask_abstains_in_json() -> None:
    out = runner.invoke(
        app, ["ask", "How do I fix my car?", "--lang", "en", "--json", "--no-dense"]
    )
    data = json.loads(out.output)
    assert data["abstained"] is True
    assert data["sentences"] == []


def test_show_returns_the_section_context_and_unknown_ids_fail() -> None:
    out = runner.invoke(app, ["evidence", "show", "cpr-en#chest-compressions/1", "--json"])
    data = json.loads(out.output)
    assert data["section"] == "Chest compressions"
    assert data["sources"][0]["publisher"] == "American Heart Association"
    assert [c["id"] for c in data["context"]] == ["cpr-en#chest-compressions/1"]
    missing = runner.invoke(app, ["show", "nope#x/1", "--json"])
    assert missing.exit_code == 1


def test_corpus_add_ingests_reports_duplicates_and_rejects_bad_files(tmp_path: Path) -> None:
    doc = tmp_path / "falls.md"
    doc.write_text("# Falls protocol\n\n## Night checks\nNurses check sleeping patients hourly.\n")
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\xff\xfe\xfa\x80\x81" * 4)
    out = runner.invoke(app, ["corpus", "add", str(doc), str(binary), "--json"])
    report = {Path(r["path"]).name: r for r in json.loads(out.output)}
    assert report["falls.md"]["status"] == "added"
    assert report["broken.txt"]["status"] == "rejected"
    assert out.exit_code == 1
    again = runner.invoke(app, ["corpus", "add", str(doc), "--json"])
    assert json.loads(again.output)[0]["status"] == "duplicate"
    listed = json.loads(runner.invoke(app, ["corpus", "list", "--json"]).output)
    assert "falls" in {r["id"] for r in listed}
    found = runner.invoke(
        app, ["evidence", "search", "sleeping patients hourly", "--json", "--no-dense"]
    )
    assert json.loads(found.output)[0]["id"] == "falls#night-checks/1"


def test_ask_screens_for_emergencies_first() -> None:
    """Sudden loss of vision in one eye is a stroke sign: the answer starts with what to do now
    (call the emergency number), as the chat's does; any quotations come after it."""
    out = runner.invoke(
        app, ["ask", "sudden blurred vision in left eye", "--lang", "en", "--json", "--no-dense"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["safety"]["category"] == "emergency"
    assert data["safety"]["call_numbers"]
    assert data["answer"].startswith(data["safety"]["message"])
    assert all(sentence["citations"] for sentence in data["sentences"])
    calm = runner.invoke(app, ["ask", "每天吃多少盐", "--lang", "zh", "--json", "--no-dense"])
    assert json.loads(calm.output)["safety"] is None
