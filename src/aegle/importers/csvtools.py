"""Shared pieces of the CSV importers: decoding, finding the header row, reading local times.

Device exports write local wall-clock times without an offset; the person's IANA zone turns them
into instants. Clock changes are handled explicitly: in the repeated hour after the clock goes
back, a time earlier than the previous row's is the second pass (fold=1); a time that does not
exist (the hour skipped when the clock goes forward) is quarantined, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_

MAX_BYTES: Final = 512 * 1024 * 1024
DateOrder = Literal["auto", "ymd", "dmy", "mdy"]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else UTF-16 with BOM (some Windows exports)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(N_("The file is too large ({size} MB at most)"), params={"size": 512})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidInput(N_("The file is not readable text (UTF-16)")) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(N_("The file is not UTF-8 text")) from exc


def rows(text: str) -> list[list[str]]:
    """All rows, with the delimiter sniffed among comma, semicolon and tab."""
    # Decimal commas ("5,6") are not delimiters; don't let them win the count.
    sample = re.sub(r"\d,\d", "", text[:4096])
    delimiter = max((",", ";", "\t"), key=sample.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(N_("Malformed CSV: {error}"), params={"error": str(exc)}) from exc


def normalise(header: Sequence[str]) -> list[str]:
    return [re.sub(r"\s+", " ", cell.strip().lower()) for cell in header]


def find_header(
    table: list[list[str]], required: Sequence[Sequence[str]], *, within: int = 20
) -> tuple[int, list[str]] | None:
    """The first row (among the first `within`) where each group in `required` has a cell
    starting with one of its prefixes; returns (row index, normalised header)."""
    for index, row in enumerate(table[:within]):
        header = normalise(row)
        if all(any(cell.startswith(p) for cell in header for p in group) for group in required):
            return index, header
    return None


def column(header: list[str], *prefixes: str) -> int | None:
    for prefix in prefixes:
        for index, cell in enumerate(header):
            if cell.startswith(prefix):
                return index
    return None


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(N_("Unknown time zone: {tz}"), params={"tz": repr(tz)}) from exc


_NUMERIC_DATE: Final = re.compile(
    r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\.\d+)?\s*([AaPp][Mm])?)?\s*$"
)


def date_order(samples: Sequence[str]) -> DateOrder:
    """Decide day-first or month-first from the data itself (a first field above 12 means
    day-first); year-first needs no decision. Refuses to guess when nothing tells them apart."""
    seen_day_first = seen_month_first = False
    for text in samples:
        match = _NUMERIC_DATE.match(text)
        if not match:
            continue
        if len(match[1]) == 4:
            return "ymd"
        first, second = int(match[1]), int(match[2])
        seen_day_first |= first > 12
        seen_month_first |= second > 12
    if seen_day_first and not seen_month_first:
        return "dmy"
    if seen_month_first and not seen_day_first:
        return "mdy"
    raise InvalidInput(
        N_("Cannot tell whether dates are day-month or month-day; give --date-order dmy or mdy")
    )


def parse_local(text: str, order: DateOrder) -> datetime:
    """A local wall-clock time in one of the layouts device exports use -> naive datetime."""
    match = _NUMERIC_DATE.match(text)
    if not match:
        raise InvalidInput(N_("Unreadable date/time: {time}"), params={"time": repr(text)})
    a, b, c = int(match[1]), int(match[2]), int(match[3])
    if len(match[1]) == 4 or order == "ymd":
        year, month, day = a, b, c
    elif order == "dmy":
        day, month, year = a, b, c
    elif order == "mdy":
        month, day, year = a, b, c
    else:
        raise InvalidInput(N_("Ambiguous date: {time}"), params={"time": repr(text)})
    hour, minute, second = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    if match[7]:
        if not 1 <= hour <= 12:
            raise InvalidInput(N_("Unreadable date/time: {time}"), params={"time": repr(text)})
        hour = hour % 12 + (12 if match[7].lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise InvalidInput(N_("Impossible date: {time}"), params={"time": repr(text)}) from exc


class LocalClock:
    """Turns successive naive local times of one device into aware datetimes."""

    def __init__(self, tz: str) -> None:
        self._zone = zone(tz)
        self._previous: datetime | None = None
        self._second_pass = False

    def aware(self, naive: datetime) -> datetime:
        """Raises InvalidInput for a time the clock skipped."""
        first = naive.replace(tzinfo=self._zone, fold=0)
        second = naive.replace(tzinfo=self._zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            # Same-zone astimezone is a no-op; a round trip through UTC normalises.
            probe = first.astimezone(UTC).astimezone(self._zone).replace(tzinfo=None)
            if probe != naive:  # in the gap: this wall-clock time never happened
                raise InvalidInput(
                    N_("{time} does not exist in {tz} (the clock went forward)"),
                    params={"time": naive.isoformat(sep=" "), "tz": self._zone.key},
                )
            # Repeated hour: a time going backwards means the clock was set back; later rows
            # stay on the second pass until the repeated hour is over.
            if self._previous is not None and naive < self._previous:
                self._second_pass = True
            chosen = second if self._second_pass else first
        else:
            self._second_pass = False
            chosen = first
        self._previous = naive
        return chosen


def numbers(text: str) -> float:
    """A decimal written with a point or a decimal comma."""
    value = text.strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError as exc:
        raise InvalidInput(N_("Not a number: {value}"), params={"value": repr(text)}) from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidInput(N_("Not a number: {value}"), params={"value": repr(text)})
    return number


def data_rows(table: list[list[str]], start: int) -> Iterator[tuple[int, list[str]]]:
    """(1-based line number, row) after the header, skipping blank rows."""
    for index in range(start + 1, len(table)):
        row = table[index]
        if any(cell.strip() for cell in row):
            yield index + 1, row
