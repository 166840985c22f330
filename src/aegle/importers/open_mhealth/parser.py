"""Read Open mHealth data points (JSON: one data point, a list, or `{"data": [...]}`).

Each data point has a `header` (schema id, provenance) and a `body` whose measure is a
`{value, unit}` unit value (or a plain number for older step-count schemas) and an
`effective_time_frame` holding a `date_time` or a `time_interval`. Schemas we don't map are
counted as quarantined with the reason, so nothing disappears silently.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.importers.model import ObservationRecord, ParsedFile, Quarantined
from aegle.importers.open_mhealth.mapping import SCHEMAS, as_dict, glucose, unit_ucum
from aegle.importers.timeparse import parse_fhir_datetime

MAX_BYTES: Final = 256 * 1024 * 1024


def _points(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        return list(document["data"])
    if isinstance(document, dict) and "body" in document:
        return [document]
    raise InvalidInput(N_("Not Open mHealth data: expected data points with header and body"))


def parse_open_mhealth(data: bytes) -> ParsedFile:
    """Raises InvalidInput when the file is not JSON or holds no data points."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(N_("The file is too large ({size} MB at most)"), params={"size": 256})
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(N_("Not valid JSON: {error}"), params={"error": str(exc)}) from exc
    parsed = ParsedFile()
    for index, point in enumerate(_points(document)):
        where = f"data point {index}"
        try:
            parsed.observations.extend(_point(point))
        except InvalidInput as exc:
            parsed.quarantined.append(Quarantined.of(where, exc))
    return parsed


def _point(point: Any) -> list[ObservationRecord]:
    if not isinstance(point, dict) or not isinstance(point.get("body"), dict):
        raise InvalidInput(N_("a data point without a body"))
    header = as_dict(point.get("header"))
    name = str(as_dict(header.get("schema_id")).get("name") or "")
    body: dict[str, Any] = point["body"]
    measures = (glucose(body),) if name == "blood-glucose" else SCHEMAS.get(name)
    if not measures:
        raise InvalidInput(
            N_("schema {schema} is not imported"), params={"schema": repr(name or "(none)")}
        )
    frame = as_dict(body.get("effective_time_frame"))
    interval = as_dict(frame.get("time_interval"))
    start_text = frame.get("date_time") or interval.get("start_date_time")
    if not isinstance(start_text, str):
        raise InvalidInput(N_("no effective time (date_time or time_interval.start_date_time)"))
    effective = parse_fhir_datetime(start_text)
    if effective.tzinfo is None:
        raise InvalidInput(N_("time without an offset: {time}"), params={"time": repr(start_text)})
    end_text = interval.get("end_date_time")
    effective_end = parse_fhir_datetime(end_text) if isinstance(end_text, str) else None
    provenance = header.get("acquisition_provenance") if isinstance(header, dict) else None
    device = (
        str((provenance or {}).get("source_name") or "") if isinstance(provenance, dict) else ""
    )
    found: list[ObservationRecord] = []
    for measure in measures:
        raw = body.get(measure.key)
        if isinstance(raw, dict):
            value, unit = raw.get("value"), str(raw.get("unit") or "")
        else:
            value, unit = raw, "steps" if measure.key == "step_count" else ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(N_("{kind}: no numeric value"), params={"kind": measure.key})
        if not math.isfinite(value) or value < 0:
            raise InvalidInput(
                N_("{kind}: impossible value {value}"), params={"kind": measure.key, "value": value}
            )
        found.append(
            ObservationRecord(
                code=measure.code,
                value=float(value),
                unit=unit,
                ucum=unit_ucum(unit),
                effective=effective,
                effective_text=start_text,
                effective_end=effective_end,
                device=device,
                display=measure.display,
            )
        )
    return found
