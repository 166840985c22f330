"""Apple Health `export.zip` / `export.xml`, streamed in constant memory."""

from aegle.importers.apple_health.manifest import MANIFEST
from aegle.importers.apple_health.parser import AppleHealthExport

__all__ = ["MANIFEST", "AppleHealthExport"]
