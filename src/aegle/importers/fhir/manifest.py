"""What the FHIR importer is and what consenting to it covers."""

from __future__ import annotations

from typing import Final

from aegle.core.types import LocalizedText
from aegle.importers.model import Manifest

MANIFEST: Final = Manifest(
    id="fhir",
    name=LocalizedText(zh="FHIR R4 病历数据", en="FHIR R4 health records"),
    formats=("application/fhir+json", ".json"),
    consent_scope=("observations", "conditions", "medications"),
    description=LocalizedText(
        zh="从 FHIR R4 数据包导入检验结果、生命体征、诊断和用药记录。",
        en="Imports lab results, vital signs, diagnoses and prescriptions from a FHIR R4 bundle.",
    ),
)
