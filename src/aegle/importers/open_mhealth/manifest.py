"""What the Open mHealth importer is and what consenting to it covers."""

from __future__ import annotations

from typing import Final

from aegle.core.types import LocalizedText
from aegle.importers.model import Manifest

MANIFEST: Final = Manifest(
    id="open_mhealth",
    name=LocalizedText(zh="Open mHealth 数据", en="Open mHealth data"),
    formats=("application/json", ".json", "omh-data-point"),
    consent_scope=("observations",),
    description=LocalizedText(
        zh="导入 Open mHealth 格式的数据点:血糖、血压、心率、血氧、体重、体温、步数和睡眠时长。",
        en="Imports Open mHealth data points: glucose, blood pressure, heart rate, SpO2, weight, "
        "temperature, steps and sleep duration.",
    ),
)
