"""CGM CSV exports: Dexcom Clarity, FreeStyle Libre (LibreView) and generic `id,time,glucose`."""

from aegle.importers.cgm_csv.manifest import MANIFEST
from aegle.importers.cgm_csv.parser import CGM_LOINC, parse_cgm_csv

__all__ = ["CGM_LOINC", "MANIFEST", "parse_cgm_csv"]
