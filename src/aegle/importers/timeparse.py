"""Timestamps as sources write them -> aware datetimes, keeping what the source said."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_

_PARTIAL: Final = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_fhir_datetime(text: str) -> datetime:
    """A FHIR `dateTime`/`instant` -> datetime.

    Aware when the source gave an offset; a date, or a year (-month), without a time is the
    naive start of that period (its zone is unknown, as the FHIR specification says).
    """
    value = text.strip()
    match = _PARTIAL.match(value)
    if match:
        return datetime(int(match[1]), int(match[2] or 1), 1)
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            N_("Unreadable date/time: {time}"), params={"time": repr(value)}
        ) from exc


def epoch_and_offset(moment: datetime) -> tuple[int, int | None]:
    """(UTC epoch seconds, original UTC offset in minutes or None when unknown).

    A naive time (no zone known) is stored as if it were UTC, with the offset left unknown.
    """
    offset = moment.utcoffset()
    if offset is None:
        return int(moment.replace(tzinfo=UTC).timestamp()), None
    return int(moment.timestamp()), int(offset.total_seconds() // 60)
