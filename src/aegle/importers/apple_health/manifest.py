"""What the Apple Health importer is and what consenting to it covers."""

from __future__ import annotations

from typing import Final

from aegle.core.types import LocalizedText
from aegle.importers.model import Manifest

MANIFEST: Final = Manifest(
    id="apple_health",
    name=LocalizedText(zh="Apple 健康导出", en="Apple Health export"),
    formats=("application/zip", "export.zip", "application/xml", "export.xml"),
    consent_scope=("observations",),
    description=LocalizedText(
        zh="导入 iPhone 和 Apple Watch 记录的心率、血压、血糖、血氧、体重、步数和睡眠。",
        en="Imports heart rate, blood pressure, glucose, SpO2, weight, steps and sleep recorded "
        "by iPhone and Apple Watch.",
    ),
)
