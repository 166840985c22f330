"""What the blood-pressure CSV importer is and what consenting to it covers."""

from __future__ import annotations

from typing import Final

from aegle.core.types import LocalizedText
from aegle.importers.model import Manifest

MANIFEST: Final = Manifest(
    id="bp_csv",
    name=LocalizedText(zh="血压计 CSV 导出", en="Blood-pressure monitor CSV export"),
    formats=("text/csv", ".csv", "omron-connect", "generic-time-systolic-diastolic"),
    consent_scope=("observations",),
    description=LocalizedText(
        zh="导入电子血压计(如欧姆龙)导出的收缩压、舒张压和脉率。",
        en="Imports systolic and diastolic pressure and pulse from a home monitor's export "
        "(e.g. OMRON).",
    ),
)
