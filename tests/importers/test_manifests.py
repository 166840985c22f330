"""Every importer folder has a manifest; ids are unique and are the consent sources used."""

from __future__ import annotations

from pathlib import Path

from aegle.importers.manifests import MANIFESTS, manifest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "aegle" / "importers"


def test_each_importer_folder_has_a_registered_manifest() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/manifest.py")}
    assert folders == {m.id.replace("-", "_") for m in MANIFESTS}


def test_manifests_are_bilingual_and_unique() -> None:
    assert len({m.id for m in MANIFESTS}) == len(MANIFESTS)
    for item in MANIFESTS:
        assert item.name.zh != item.name.en
        assert item.description.zh
        assert item.description.en
        assert item.formats
        assert "observations" in item.consent_scope
        assert manifest(item.id) is item
    assert manifest("nope") is None
