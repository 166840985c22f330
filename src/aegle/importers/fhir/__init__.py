"""FHIR R4 bundles: Observations (vital signs, labs, panel components), Conditions and
MedicationRequests."""

from aegle.importers.fhir.manifest import MANIFEST
from aegle.importers.fhir.parser import parse_bundle

__all__ = ["MANIFEST", "parse_bundle"]
