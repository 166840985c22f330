"""Blood-pressure monitor CSV exports: OMRON connect style and generic time,systolic,diastolic."""

from aegle.importers.bp_csv.manifest import MANIFEST
from aegle.importers.bp_csv.parser import DIASTOLIC, PULSE, SYSTOLIC, parse_bp_csv

__all__ = ["DIASTOLIC", "MANIFEST", "PULSE", "SYSTOLIC", "parse_bp_csv"]
