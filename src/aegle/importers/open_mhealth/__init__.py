"""Open mHealth JSON data points (blood glucose, blood pressure, heart rate, weight, ...)."""

from aegle.importers.open_mhealth.manifest import MANIFEST
from aegle.importers.open_mhealth.parser import parse_open_mhealth

__all__ = ["MANIFEST", "parse_open_mhealth"]
