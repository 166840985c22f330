"""Read a FHIR R4 bundle (or a single resource) and validate the resources we import.

Each Observation, Condition and MedicationRequest is validated with the fhir.resources R4B
model; an invalid one is quarantined with the validator's reason, the rest of the file still
imports. Values are then read from the source JSON itself so they stay exactly as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.importers.fhir.mapping import condition, medication, observations
from aegle.importers.model import ParsedFile, Quarantined

MAX_BYTES: Final = 256 * 1024 * 1024
"""Bundles are read whole; larger exports come as bulk NDJSON, which this importer doesn't take."""

_MODELS: Final[dict[str, Any]] = {
    "Observation": Observation,
    "Condition": Condition,
    "MedicationRequest": MedicationRequest,
}


def _resources(document: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise InvalidInput(N_("Not a FHIR resource: the JSON has no resourceType"))
    if document["resourceType"] != "Bundle":
        yield "resource", document
        return
    entries = document.get("entry")
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InvalidInput(N_("Bundle.entry must be a list"))
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            yield f"entry[{index}]", resource


def parse_bundle(data: bytes) -> ParsedFile:
    """Parse FHIR JSON into records.

    Raises:
        InvalidInput: the file is not JSON, too large, or not a FHIR resource or bundle.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(N_("The file is too large ({size} MB at most)"), params={"size": 256})
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(N_("Not valid JSON: {error}"), params={"error": str(exc)}) from exc
    parsed = ParsedFile()
    for where, resource in _resources(document):
        kind = resource.get("resourceType")
        model = _MODELS.get(kind) if isinstance(kind, str) else None
        if model is None:
            continue
        try:
            model.model_validate(resource)
        except ValidationError as exc:
            first = exc.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            parsed.quarantined.append(
                Quarantined.because(
                    f"{where} {kind}",
                    N_("not valid FHIR R4 at {location}: {error}"),
                    location=location,
                    error=first["msg"],
                )
            )
            continue
        try:
            if kind == "Observation":
                parsed.observations.extend(observations(resource))
            elif kind == "Condition":
                found = condition(resource)
                if found is not None:
                    parsed.conditions.append(found)
            else:
                prescribed = medication(resource)
                if prescribed is not None:
                    parsed.medications.append(prescribed)
        except InvalidInput as exc:
            parsed.quarantined.append(Quarantined.of(f"{where} {kind}", exc))
    return parsed
