"""What the CGM CSV importer is and what consenting to it covers."""

from __future__ import annotations

from typing import Final

from aegle.core.types import LocalizedText
from aegle.importers.model import Manifest

MANIFEST: Final = Manifest(
    id="cgm_csv",
    name=LocalizedText(zh="动态血糖(CGM)CSV 导出", en="CGM CSV export"),
    formats=("text/csv", ".csv", "dexcom-clarity", "libreview", "generic-id-time-glucose"),
    consent_scope=("observations",),
    description=LocalizedText(
        zh="导入 Dexcom Clarity、FreeStyle Libre(LibreView)"
        "或通用 id,time,glucose 表格中的血糖读数。",
        en="Imports glucose readings from Dexcom Clarity, FreeStyle Libre (LibreView) or a "
        "generic id,time,glucose table.",
    ),
)
