"""Every importer's manifest, without importing the parsers (for consent screens and docs)."""

from __future__ import annotations

from typing import Final

from aegle.importers.apple_health.manifest import MANIFEST as APPLE_HEALTH
from aegle.importers.bp_csv.manifest import MANIFEST as BP_CSV
from aegle.importers.cgm_csv.manifest import MANIFEST as CGM_CSV
from aegle.importers.fhir.manifest import MANIFEST as FHIR
from aegle.importers.model import Manifest
from aegle.importers.open_mhealth.manifest import MANIFEST as OPEN_MHEALTH

MANIFESTS: Final[tuple[Manifest, ...]] = (APPLE_HEALTH, CGM_CSV, BP_CSV, FHIR, OPEN_MHEALTH)


def manifest(source_id: str) -> Manifest | None:
    return next((m for m in MANIFESTS if m.id == source_id), None)
