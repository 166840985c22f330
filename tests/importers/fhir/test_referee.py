"""The shared referee scores the dry run: recall and precision 1.0 on every Synthea bundle."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aegle.cli.importing import dry_run_document
from aegle.importers.fhir import parse_bundle

ROOT = Path(__file__).resolve().parents[3]
SHARED = (ROOT / "../shared").resolve()
BUNDLES = sorted((SHARED / "data/synthea-fhir-r4").glob("*.json"))


def _referee() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fhir_referee", SHARED / "eval/fhir_import.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.name[:12])
def test_dry_run_reports_exactly_the_referees_observations(path: Path) -> None:
    referee = _referee()
    want = referee.expected(json.loads(path.read_bytes()))
    document = json.loads(json.dumps(dry_run_document(parse_bundle(path.read_bytes()))))
    got = {
        referee.key(o["loinc"], o["value"], o.get("unit"), o.get("effective"))
        for o in document["observations"]
    }
    assert want
    assert got == want


def test_referee_end_to_end_through_the_module_entry_point() -> None:
    engine = f"{sys.executable} -m aegle.cli.importing fhir --dry-run --json"
    result = subprocess.run(
        [sys.executable, str(SHARED / "eval/fhir_import.py"), str(BUNDLES[0]), "--engine", engine],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    score = json.loads(result.stdout)
    assert (score["recall"], score["precision"]) == (1.0, 1.0)
