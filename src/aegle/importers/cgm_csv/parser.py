"""Read CGM exports into glucose observations (mg/dL, LOINC 99504-3, interstitial fluid).

Layouts (recognised from the header, which may follow metadata rows):
- Dexcom Clarity: `Timestamp (YYYY-MM-DDThh:mm:ss)`, `Event Type`, `Glucose Value (mg/dL)` or
  `(mmol/L)`, `Source Device ID`, `Transmitter ID`; only `EGV` rows are sensor readings, and
  "Low"/"High" mark readings outside the sensor's range (quarantined: there is no number).
- LibreView: a metadata first line, then `Device`, `Serial Number`, `Device Timestamp`,
  `Record Type`, `Historic Glucose mg/dL` (type 0, automatic) and `Scan Glucose mg/dL` (type 1);
  dates day-first or month-first depending on the account's locale.
- Generic: `id,time,glucose` (also `subject`, `timestamp`, `gl`), the engine's own format.

mmol/L are converted with 18 mg/dL per mmol/L, as the metric engine does. Values that cannot be
physiological, unreadable or non-existent times, and conflicting duplicates are quarantined
with a reason; identical duplicates are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.importers import csvtools
from aegle.importers.model import ObservationRecord, ParsedFile, Quarantined
from aegle.vitals.cgm.io import MAX_PLAUSIBLE_MGDL
from aegle.vitals.cgm.series import MMOL_TO_MGDL

CGM_LOINC: Final = "99504-3"
"""LOINC: Glucose [Mass/volume] in Interstitial fluid (what a CGM measures)."""
MIN_PLAUSIBLE_MGDL: Final = 10.0

Layout = Literal["dexcom", "libreview", "generic"]
Unit = Literal["mg/dL", "mmol/L"]


@dataclass(frozen=True, slots=True)
class _Reading:
    line: int
    time_text: str
    value_text: str
    unit: Unit
    device: str


def _unit_of(cell: str, fallback: Unit | None) -> Unit:
    if "mmol" in cell:
        return "mmol/L"
    if "mg/dl" in cell:
        return "mg/dL"
    if fallback is None:
        raise InvalidInput(N_("The glucose unit is not in the header; give --unit mg/dL or mmol/L"))
    return fallback


def _dexcom(table: list[list[str]], start: int, header: list[str]) -> list[_Reading]:
    i_time = csvtools.column(header, "timestamp")
    i_type = csvtools.column(header, "event type")
    i_value = csvtools.column(header, "glucose value")
    if i_time is None or i_type is None or i_value is None:
        raise InvalidInput(N_("Dexcom export without timestamp, event type or glucose columns"))
    unit = _unit_of(header[i_value], "mg/dL")
    i_device = csvtools.column(header, "source device id", "device info")
    i_transmitter = csvtools.column(header, "transmitter id")
    found: list[_Reading] = []
    for line, row in csvtools.data_rows(table, start):
        cells = row + [""] * (len(header) - len(row))
        if cells[i_type].strip().upper() != "EGV":
            continue
        device = " ".join(
            cells[i].strip() for i in (i_device, i_transmitter) if i is not None and cells[i]
        )
        found.append(
            _Reading(line, cells[i_time], cells[i_value], unit, f"Dexcom {device}".strip())
        )
    return found


def _libreview(table: list[list[str]], start: int, header: list[str]) -> list[_Reading]:
    i_time = csvtools.column(header, "device timestamp")
    i_type = csvtools.column(header, "record type")
    i_hist = csvtools.column(header, "historic glucose")
    i_scan = csvtools.column(header, "scan glucose")
    if i_time is None or i_type is None or i_hist is None:
        raise InvalidInput(N_("LibreView export without timestamp, record type or glucose columns"))
    i_device = csvtools.column(header, "device")
    i_serial = csvtools.column(header, "serial number")
    by_type = {"0": i_hist, "1": i_scan}
    found: list[_Reading] = []
    for line, row in csvtools.data_rows(table, start):
        cells = row + [""] * (len(header) - len(row))
        i_value = by_type.get(cells[i_type].strip())
        if i_value is None:  # notes, insulin, food, strip readings: not sensor glucose
            continue
        device = " ".join(
            cells[i].strip() for i in (i_device, i_serial) if i is not None and cells[i]
        )
        unit = _unit_of(header[i_value], None)
        found.append(_Reading(line, cells[i_time], cells[i_value], unit, device))
    return found


def _generic(
    table: list[list[str]], start: int, header: list[str], unit: Unit | None, subject: str | None
) -> list[_Reading]:
    i_id = csvtools.column(header, "id", "subject")
    i_time = csvtools.column(header, "time", "timestamp", "datetime")
    i_value = next(
        (i for i, cell in enumerate(header) if cell in ("gl", "glucose") or "glucose" in cell),
        None,
    )
    if i_time is None or i_value is None:
        raise InvalidInput(N_("Expected columns id, time, glucose"))
    chosen_unit = _unit_of(header[i_value], unit or "mg/dL") if unit is None else unit
    found: list[_Reading] = []
    subjects: set[str] = set()
    for line, row in csvtools.data_rows(table, start):
        cells = row + [""] * (len(header) - len(row))
        who = cells[i_id].strip() if i_id is not None else ""
        if subject is not None and who != subject:
            continue
        subjects.add(who)
        found.append(_Reading(line, cells[i_time], cells[i_value], chosen_unit, ""))
    if len(subjects) > 1:
        raise InvalidInput(
            N_("The file holds several subjects ({ids}); choose one with --subject"),
            params={"ids": ", ".join(sorted(subjects)[:10])},
        )
    return found


def detect(table: list[list[str]]) -> tuple[Layout, int, list[str]]:
    dexcom = csvtools.find_header(table, [["event type"], ["glucose value"], ["timestamp"]])
    if dexcom:
        return "dexcom", *dexcom
    libre = csvtools.find_header(table, [["device timestamp"], ["historic glucose"]])
    if libre:
        return "libreview", *libre
    generic = csvtools.find_header(
        table, [["time", "timestamp", "datetime"], ["gl", "glucose"]], within=1
    )
    if generic:
        return "generic", *generic
    raise InvalidInput(
        N_("Unknown CGM export: expected Dexcom Clarity, LibreView or id,time,glucose columns")
    )


def parse_cgm_csv(
    data: bytes,
    tz: str,
    *,
    unit: Unit | None = None,
    date_order: csvtools.DateOrder = "auto",
    subject: str | None = None,
) -> tuple[Layout, ParsedFile]:
    """Parse a CGM export; times are local wall-clock times in `tz` (IANA).

    Raises:
        InvalidInput: not a known layout, wrong columns, unknown zone, ambiguous dates.
    """
    csvtools.zone(tz)
    table = csvtools.rows(csvtools.decode(data))
    layout, start, header = detect(table)
    if layout == "dexcom":
        readings = _dexcom(table, start, header)
    elif layout == "libreview":
        readings = _libreview(table, start, header)
    else:
        readings = _generic(table, start, header, unit, subject)
    order = date_order
    if order == "auto":
        order = csvtools.date_order([r.time_text for r in readings[:5000]]) if readings else "ymd"
    return layout, _map(readings, tz, lambda text: _time(text, order))


def _time(text: str, order: csvtools.DateOrder) -> datetime:
    stripped = text.strip()
    if "T" in stripped or (len(stripped) >= 10 and stripped[4] == "-"):
        try:
            moment = datetime.fromisoformat(stripped)
        except ValueError:
            return csvtools.parse_local(stripped, order)
        if moment.tzinfo is not None:
            raise InvalidInput(
                N_("Expected a local time without an offset: {time}"), params={"time": repr(text)}
            )
        return moment
    return csvtools.parse_local(stripped, order)


def _map(readings: list[_Reading], tz: str, parse_time: Callable[[str], datetime]) -> ParsedFile:
    parsed = ParsedFile()
    clocks: dict[str, csvtools.LocalClock] = {}
    # Keyed by instant: aware datetimes in one zone compare equal across a clock change.
    seen: dict[tuple[str, float], float] = {}
    for reading in readings:
        where = f"line {reading.line}"
        raw = reading.value_text.strip()
        if not raw or raw.upper() == "NA":  # a missing reading, as iglu writes it
            continue
        if raw.lower() in ("low", "high"):
            parsed.quarantined.append(
                Quarantined.because(
                    where,
                    N_("reading {value} is outside the sensor's range, no value"),
                    value=repr(raw),
                )
            )
            continue
        try:
            value = csvtools.numbers(raw)
            clock = clocks.setdefault(reading.device, csvtools.LocalClock(tz))
            moment = clock.aware(parse_time(reading.time_text))
        except InvalidInput as exc:
            parsed.quarantined.append(Quarantined.of(where, exc))
            continue
        mgdl = value * MMOL_TO_MGDL if reading.unit == "mmol/L" else value
        if not MIN_PLAUSIBLE_MGDL <= mgdl <= MAX_PLAUSIBLE_MGDL:
            parsed.quarantined.append(
                Quarantined.because(
                    where, N_("impossible glucose {value} {unit}"), value=raw, unit=reading.unit
                )
            )
            continue
        key = (reading.device, moment.timestamp())
        previous = seen.get(key)
        if previous is not None:
            if previous != mgdl:
                parsed.quarantined.append(
                    Quarantined.because(
                        where,
                        N_("a different value for the same time ({value})"),
                        value=f"{previous:g}",
                    )
                )
            continue
        seen[key] = mgdl
        parsed.observations.append(
            ObservationRecord(
                code=CGM_LOINC,
                value=mgdl,
                unit="mg/dL",
                ucum="mg/dL",
                effective=moment,
                effective_text=moment.isoformat(),
                device=reading.device,
                display="Glucose [Mass/volume] in Interstitial fluid",
            )
        )
    return parsed
