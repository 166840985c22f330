"""Reading the simple `id,time,gl` CGM table (iglu's input format) into series.

Accepts an optional leading unnamed row-number column, times as `YYYY-MM-DD HH:MM[:SS]` (or ISO
`T`), glucose in mg/dL (or mmol/L when `unit="mmol/L"`). Device-specific exports (Dexcom, Libre)
are handled by the importers; this is the engine's own minimal, strict format.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Final, Literal

from aegle.core.errors import InvalidInput
from aegle.vitals.cgm.series import MMOL_TO_MGDL, GlucoseSeries

GlucoseUnit = Literal["mg/dL", "mmol/L"]

MAX_PLAUSIBLE_MGDL: Final = 1000.0
"""Readings above this are not physiological (CGMs report at most ~500 mg/dL)."""

_ID_NAMES: Final = ("id", "subject", "subject_id")
_TIME_NAMES: Final = ("time", "timestamp", "datetime")
_GL_NAMES: Final = ("gl", "glucose")


def _column(header: list[str], names: tuple[str, ...], what: str) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise InvalidInput(
        f"Missing column for {what}: expected one of {', '.join(names)}",
        params={"columns": header},
    )


def parse_time(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM[:SS]` (space or T) as a naive local datetime."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"Unreadable time: {value!r}", params={"time": value}) from exc
    if moment.tzinfo is not None:
        raise InvalidInput(
            f"Times must be local wall-clock times without an offset: {value!r}",
            params={"time": value},
        )
    return moment


def read_cgm_table(text: str, tz: str, unit: GlucoseUnit = "mg/dL") -> dict[str, GlucoseSeries]:
    """Parse the table into one series per subject id, in order of first appearance.

    Empty or `NA` glucose cells are missing readings and are skipped.

    Raises:
        InvalidInput: wrong columns, unreadable times or numbers, implausible values.
    """
    try:
        return _read(text, tz, unit)
    except csv.Error as exc:
        raise InvalidInput(f"Malformed CSV: {exc}") from exc


def _read(text: str, tz: str, unit: GlucoseUnit) -> dict[str, GlucoseSeries]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise InvalidInput("The CGM table is empty") from exc
    i_id = _column(header, _ID_NAMES, "subject id")
    i_time = _column(header, _TIME_NAMES, "time")
    i_gl = _column(header, _GL_NAMES, "glucose")
    factor = MMOL_TO_MGDL if unit == "mmol/L" else 1.0
    moments: dict[str, list[datetime]] = {}
    values: dict[str, list[float]] = {}
    width = max(i_id, i_time, i_gl) + 1
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise InvalidInput(f"Line {line_no}: too few columns", params={"line": line_no})
        raw = row[i_gl].strip()
        if raw == "" or raw.upper() in ("NA", "NAN"):
            continue
        try:
            glucose = float(raw) * factor
        except ValueError as exc:
            raise InvalidInput(
                f"Line {line_no}: unreadable glucose {raw!r}", params={"line": line_no}
            ) from exc
        if not (0.0 < glucose <= MAX_PLAUSIBLE_MGDL):
            raise InvalidInput(
                f"Line {line_no}: implausible glucose {raw} {unit}", params={"line": line_no}
            )
        subject = row[i_id].strip()
        if not subject:
            raise InvalidInput(f"Line {line_no}: empty subject id", params={"line": line_no})
        moments.setdefault(subject, []).append(parse_time(row[i_time]))
        values.setdefault(subject, []).append(glucose)
    if not moments:
        raise InvalidInput("The CGM table has no glucose readings")
    return {
        subject: GlucoseSeries.from_local(moments[subject], values[subject], tz, subject)
        for subject in moments
    }
