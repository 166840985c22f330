"""Read blood-pressure exports into observations (LOINC 8480-6, 8462-4, 8867-4).

Layouts, recognised from the header (metadata rows before it are skipped):
- OMRON connect style: `Date`, `Time` (or one `Measurement Date` column), `Systolic (mmHg)`,
  `Diastolic (mmHg)`, `Pulse (bpm)`, optional `Irregular heartbeat detected`, `Device`, `Notes`;
- generic: `time,systolic,diastolic[,pulse]`.
kPa columns are converted (1 kPa = 7.50062 mmHg). Readings that cannot be a blood pressure
(systolic outside 50-300, diastolic outside 20-200, diastolic not below systolic) are
quarantined with the reason; so are unreadable times and numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.importers import csvtools
from aegle.importers.model import ObservationRecord, ParsedFile, Quarantined

SYSTOLIC: Final = "8480-6"
DIASTOLIC: Final = "8462-4"
PULSE: Final = "8867-4"
KPA_TO_MMHG: Final = 7.50062
_LIMITS: Final = {SYSTOLIC: (50.0, 300.0), DIASTOLIC: (20.0, 200.0), PULSE: (20.0, 300.0)}
_DISPLAY: Final = {
    SYSTOLIC: "Systolic blood pressure",
    DIASTOLIC: "Diastolic blood pressure",
    PULSE: "Heart rate",
}


def _time_text(cells: list[str], i_date: int | None, i_time: int | None) -> str:
    parts = [cells[i].strip() for i in (i_date, i_time) if i is not None]
    return " ".join(part for part in parts if part)


def _iso_or_local(text: str, order: csvtools.DateOrder) -> datetime:
    if len(text) >= 10 and text[4] == "-":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return csvtools.parse_local(text, order)
        if moment.tzinfo is not None:
            raise InvalidInput(
                N_("Expected a local time without an offset: {time}"), params={"time": repr(text)}
            )
        return moment
    return csvtools.parse_local(text, order)


def parse_bp_csv(
    data: bytes, tz: str, *, date_order: csvtools.DateOrder = "auto", device: str = ""
) -> ParsedFile:
    """Parse a blood-pressure export; times are local wall-clock times in `tz` (IANA).

    Raises:
        InvalidInput: not a blood-pressure table, unknown zone, ambiguous dates.
    """
    csvtools.zone(tz)
    table = csvtools.rows(csvtools.decode(data))
    found = csvtools.find_header(table, [["systolic", "sys"], ["diastolic", "dia"]])
    if found is None:
        raise InvalidInput(
            N_("Not a blood-pressure export: expected systolic and diastolic columns")
        )
    start, header = found
    i_sys = csvtools.column(header, "systolic", "sys")
    i_dia = csvtools.column(header, "diastolic", "dia")
    i_pulse = csvtools.column(header, "pulse", "heart rate", "hr")
    i_date = csvtools.column(header, "measurement date", "date")
    i_time = next(
        (i for i, cell in enumerate(header) if cell.startswith(("time", "timestamp"))), None
    )
    i_device = csvtools.column(header, "device", "model")
    assert i_sys is not None
    assert i_dia is not None
    if i_date is None and i_time is None:
        raise InvalidInput(N_("The blood-pressure export has no date or time column"))
    factors = {
        SYSTOLIC: KPA_TO_MMHG if "kpa" in header[i_sys] else 1.0,
        DIASTOLIC: KPA_TO_MMHG if "kpa" in header[i_dia] else 1.0,
    }
    lines = list(csvtools.data_rows(table, start))
    width = len(header)
    padded = [(line, row + [""] * (width - len(row))) for line, row in lines]
    order = date_order
    if order == "auto":
        samples = [_time_text(cells, i_date, i_time) for _, cells in padded[:5000]]
        order = csvtools.date_order(samples) if samples else "ymd"
    parsed = ParsedFile()
    clocks: dict[str, csvtools.LocalClock] = {}
    for line, cells in padded:
        where = f"line {line}"
        text = _time_text(cells, i_date, i_time)
        source_device = (cells[i_device].strip() if i_device is not None else "") or device
        try:
            clock = clocks.setdefault(source_device, csvtools.LocalClock(tz))
            moment = clock.aware(_iso_or_local(text, order))
            values = {
                SYSTOLIC: csvtools.numbers(cells[i_sys]) * factors[SYSTOLIC],
                DIASTOLIC: csvtools.numbers(cells[i_dia]) * factors[DIASTOLIC],
            }
            if i_pulse is not None and cells[i_pulse].strip():
                values[PULSE] = csvtools.numbers(cells[i_pulse])
        except InvalidInput as exc:
            parsed.quarantined.append(Quarantined.of(where, exc))
            continue
        problem = _implausible(where, values)
        if problem:
            parsed.quarantined.append(problem)
            continue
        for code, value in values.items():
            unit = "/min" if code == PULSE else "mm[Hg]"
            parsed.observations.append(
                ObservationRecord(
                    code=code,
                    value=round(value, 1),
                    unit=unit,
                    ucum=unit,
                    effective=moment,
                    effective_text=moment.isoformat(),
                    device=source_device,
                    display=_DISPLAY[code],
                    category="vital-signs",
                )
            )
    return parsed


def _implausible(where: str, values: dict[str, float]) -> Quarantined | None:
    for code, value in values.items():
        low, high = _LIMITS[code]
        if not low <= value <= high:
            return Quarantined.because(
                where,
                N_("impossible {kind} {value}"),
                kind=_DISPLAY[code].lower(),
                value=f"{value:g}",
            )
    if values[DIASTOLIC] >= values[SYSTOLIC]:
        return Quarantined.because(where, N_("diastolic is not below systolic"))
    return None
