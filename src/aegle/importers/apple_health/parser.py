"""Stream an Apple Health export (`export.zip` or `export.xml`) into observation rows.

The file is fed in 1 MB chunks to an lxml parser with a target (SAX-style): no tree is built,
each Record's attributes arrive as a dict and become a row, so memory stays flat however large
the export. Safety: the prolog is checked
before parsing and a document declaring entities or an external DTD is refused (no XML bombs,
no external entities); the parser never resolves entities or touches the network.

Parsing runs in a child process (forked when the caller has no other threads, else spawned)
that sends row batches as plain tuples through a pipe, so on two cores the caller stores one
batch while the child parses the next. The pipe is the bounded queue: the child blocks when
about 1 MB of rows is waiting, so memory stays flat. An InvalidInput in the child is re-raised
in the caller unchanged (same message id and values); a child that dies raises instead of
hanging, and a caller that stops early terminates the child.

Incremental imports: the cursor is the newest `creationDate` seen. A newer export of the same
phone holds everything the older one did; records created before the previous cursor are
skipped without being stored again (and anything at the cursor is caught by the natural key).
"""

from __future__ import annotations

import gc
import multiprocessing
import re
import signal
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from contextlib import suppress
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

from aegle.core.errors import AegleError, InvalidInput
from aegle.core.i18n import N_
from aegle.importers.apple_health.mapping import (
    SLEEP_CODE_PREFIX,
    SLEEP_TYPE,
    SLEEP_VALUE_PREFIX,
    Target,
    target,
)
from aegle.importers.model import ObservationRow, Quarantined

PROLOG_BYTES: Final = 256 * 1024
MAX_QUARANTINE_LISTED: Final = 1000
_DOCTYPE: Final = re.compile(rb"<!DOCTYPE\s+\w+\s+(SYSTEM|PUBLIC)\b", re.IGNORECASE)
_UNIX_DAY0: Final = date(1970, 1, 1).toordinal()
CHUNK_BYTES: Final = 1 << 20
TIME_ZONE_KEY: Final = "HKTimeZone"  # HKMetadataKeyTimeZone: the zone a sample was taken in
_UNSEEN: Final[Target] = Target("", "", 0.0)
PIPE_BYTES: Final = 1 << 20  # rows in flight between the parser and the caller (Linux)
Row: TypeAlias = tuple[str, int, int | None, int | None, float, str, str]
"""An observation in `ObservationRow`'s field order, as a plain tuple: pickling a NamedTuple
costs about ten times more per row, and the store unpacks rows positionally anyway."""


def _check_prolog(head: bytes) -> None:
    root = head.find(b"<HealthData")
    prolog = head if root < 0 else head[:root]
    if b"<!ENTITY" in prolog.upper():
        raise InvalidInput(N_("The XML declares entities; refused (possible XML bomb)"))
    if _DOCTYPE.search(prolog):
        raise InvalidInput(N_("The XML refers to an external DTD; refused"))
    if root < 0 and len(head) >= PROLOG_BYTES:
        raise InvalidInput(N_("Not an Apple Health export: no HealthData element"))


class _Clock:
    """Apple's "2025-03-01 08:00:05 +0800" -> (epoch seconds, offset minutes), fast: days and
    offsets repeat, so they are cached; only the time of day is parsed per record."""

    def __init__(self) -> None:
        self._days: dict[str, int] = {}
        self._offsets: dict[str, int] = {}
        self._hour = "\x00"  # "YYYY-MM-DD HH:" of the last full parse; matches nothing yet
        self._tail = "\x00"
        self._base = 0  # epoch seconds at the start of that hour
        self._base_offset = 0

    def parse(self, text: str) -> tuple[int, int]:
        # Fast path: same hour and offset as the last full parse (records come roughly in
        # time order, and a record's start and end usually share the hour).
        if (
            len(text) == 25
            and text.startswith(self._hour)
            and text.endswith(self._tail)
            and text[16] == ":"
        ):
            minute, second = text[14:16], text[17:19]
            if (minute + second).isdigit() and minute < "60" and second < "60":
                return self._base + int(minute) * 60 + int(second), self._base_offset
        return self._full(text)

    def _full(self, text: str) -> tuple[int, int]:
        if len(text) == 25 and text[10] == " " and text[19] == " ":
            day = self._days.get(text[:10])
            if day is None:
                day = self._days[text[:10]] = self._day(text)
            offset = self._offsets.get(text[20:])
            if offset is None:
                offset = self._offsets[text[20:]] = self._offset(text)
            hour, minute, second = text[11:13], text[14:16], text[17:19]
            if (
                text[13] == text[16] == ":"
                and (hour + minute + second).isdigit()
                and hour < "24"
                and minute < "60"
                and second < "60"
            ):
                base = day * 86400 + int(hour) * 3600 - offset * 60
                self._hour, self._tail = text[:14], text[19:]
                self._base, self._base_offset = base, offset
                return base + int(minute) * 60 + int(second), offset
        return self._slow(text)

    @staticmethod
    def _day(text: str) -> int:
        try:
            return date.fromisoformat(text[:10]).toordinal() - _UNIX_DAY0
        except ValueError as exc:
            raise InvalidInput(
                N_("Unreadable date/time: {time}"), params={"time": repr(text)}
            ) from exc

    @staticmethod
    def _offset(text: str) -> int:
        sign, hours, minutes = text[20], text[21:23], text[23:25]
        if sign not in "+-" or not (hours + minutes).isdigit():
            raise InvalidInput(
                N_("Unreadable time zone offset: {time}"), params={"time": repr(text)}
            )
        value = int(hours) * 60 + int(minutes)
        return -value if sign == "-" else value

    @staticmethod
    def _slow(text: str) -> tuple[int, int]:
        try:
            moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
        except ValueError as exc:
            raise InvalidInput(
                N_("Unreadable date/time: {time}"), params={"time": repr(text)}
            ) from exc
        offset = moment.utcoffset()
        assert offset is not None
        return int(moment.timestamp()), int(offset.total_seconds() // 60)


class AppleHealthExport:
    """One export file; iterate `rows(since)` once, then read `cursor`, `quarantined`,
    `skipped` (records older than the previous import) and `unmapped` (types not imported)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.quarantined: list[Quarantined] = []
        self.quarantined_count = 0
        self.skipped = 0
        self.unmapped = 0
        self.read = 0
        self._cursor: int | None = None

    @property
    def cursor(self) -> str | None:
        return None if self._cursor is None else str(self._cursor)

    def _quarantine(self, where: str, error: InvalidInput) -> None:
        self.quarantined_count += 1
        if len(self.quarantined) < MAX_QUARANTINE_LISTED:
            self.quarantined.append(Quarantined.of(where, error))

    def _open(self) -> tuple[IO[bytes], zipfile.ZipFile | None]:
        try:
            if zipfile.is_zipfile(self._path):
                archive = zipfile.ZipFile(self._path)
                names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "export.xml"]
                if not names:
                    archive.close()
                    raise InvalidInput(
                        N_("The zip holds no export.xml (is it an Apple Health export?)")
                    )
                return archive.open(min(names, key=len)), archive
            return self._path.open("rb"), None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
            raise InvalidInput(
                N_("Unreadable export file: {error}"), params={"error": str(exc)}
            ) from exc

    def rows(self, since: str | None = None) -> Iterator[ObservationRow]:
        """Observation rows in file order (see `row_batches`)."""
        for batch in self.row_batches(since):
            yield from map(ObservationRow._make, batch)

    def batches(self, since: str | None = None) -> Iterator[list[ObservationRow]]:
        """The rows of `rows`, one list per parsed chunk of the file."""
        for batch in self.row_batches(since):
            yield list(map(ObservationRow._make, batch))

    def row_batches(self, since: str | None = None) -> Generator[list[Row], None, None]:
        """Rows as plain tuples, one list per parsed chunk, parsed in a child process.

        Raises:
            InvalidInput: not an Apple Health export, malformed or truncated XML or zip,
                entities or external DTDs.
            AegleError: the parser process ended without finishing (e.g. killed).
        """
        # Fork is cheap (nothing to import again), but forking a process with other threads
        # can copy a lock held mid-update: spawn then, and off Linux (macOS system libraries
        # are not fork-safe; Windows has no fork).
        forkable = sys.platform.startswith("linux")
        context = (
            multiprocessing.get_context("fork")
            if forkable and threading.active_count() == 1
            else multiprocessing.get_context("spawn")
        )
        receive, send = context.Pipe(duplex=False)
        with suppress(ImportError, AttributeError, OSError):  # a bigger pipe: Linux only
            import fcntl

            fcntl.fcntl(send.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        child = context.Process(
            target=_serve, args=(self._path, since, send), name="aegle-apple-health", daemon=True
        )
        child.start()
        send.close()  # ours: so a dead child reads as end of file, not a hang
        finished = False
        try:
            while True:
                try:
                    kind, payload = receive.recv()
                except EOFError:
                    raise AegleError(
                        N_("The Apple Health parser stopped before the end of the file")
                    ) from None
                if kind == "rows":
                    yield payload
                    continue
                finished = True
                if kind == "error":
                    message, params = payload
                    raise InvalidInput(message, params=params)
                self._adopt(payload)
                return
        finally:
            receive.close()
            if not finished:  # the caller stopped early, or the child died
                child.terminate()
            child.join()

    def _state(self) -> dict[str, Any]:
        return {
            "quarantined": self.quarantined,
            "quarantined_count": self.quarantined_count,
            "skipped": self.skipped,
            "unmapped": self.unmapped,
            "read": self.read,
            "cursor": self._cursor,
        }

    def _adopt(self, state: dict[str, Any]) -> None:
        self.quarantined = state["quarantined"]
        self.quarantined_count = state["quarantined_count"]
        self.skipped = state["skipped"]
        self.unmapped = state["unmapped"]
        self.read = state["read"]
        self._cursor = state["cursor"]

    def _batches(self, since: str | None) -> Generator[list[Row], None, None]:
        threshold = int(since) if since else None
        raw, archive = self._open()
        try:
            try:
                head = raw.read(PROLOG_BYTES)
                _check_prolog(head)
                handler = _Handler(self, threshold)
                parser = etree.XMLParser(
                    target=handler,
                    resolve_entities=False,
                    no_network=True,
                    load_dtd=False,
                    huge_tree=False,
                    remove_comments=True,
                    remove_pis=True,
                )
                chunk = head
                while chunk:
                    parser.feed(chunk)
                    if handler.out:
                        yield handler.out
                        handler.out = []
                    chunk = raw.read(CHUNK_BYTES)
                parser.close()
                yield handler.out
            except etree.XMLSyntaxError as exc:
                raise InvalidInput(
                    N_("Malformed XML: {error}"), params={"error": str(exc)}
                ) from exc
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise InvalidInput(
                    N_("The export is truncated or corrupt: {error}"), params={"error": str(exc)}
                ) from exc
        finally:
            raw.close()
            if archive is not None:
                archive.close()
        if not handler.root_seen:
            raise InvalidInput(N_("Not an Apple Health export: no HealthData element"))
        self._cursor = handler.newest


def _serve(path: Path, since: str | None, send: Connection) -> None:
    """The child process: parse, send ("rows", batch) messages, then ("done", state) or
    ("error", (message id, values))."""
    # A forked child inherits the caller's heap: keep the cyclic collector from walking (and
    # copying on write) those objects every time the parser's allocations trigger it.
    gc.freeze()
    # Ctrl-C reaches the whole process group: the caller handles it and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    export = AppleHealthExport(path)
    try:
        for batch in export._batches(since):
            if batch:
                send.send(("rows", batch))
        send.send(("done", export._state()))
    except InvalidInput as exc:
        send.send(("error", (exc.detail or exc.title, exc.params)))
    except BrokenPipeError:  # the caller stopped reading; nothing to tell
        pass
    finally:
        send.close()


class _Handler:
    """lxml parser target: gets each start tag with its attributes as a dict and builds no
    tree, so memory is flat. Rows collect in `out` and are handed on after each chunk."""

    def __init__(self, export: AppleHealthExport, since: int | None) -> None:
        self.export = export
        self.since = since
        self.out: list[Row] = []
        self.root_seen = False
        self.nested = 0  # inside a Correlation: its Records repeat top-level ones
        self.newest = export._cursor
        self.targets: dict[str, Target | None] = {}
        self.parse = _Clock().parse
        # The last start and end stamps parsed: consecutive records often share them.
        self.last_start = self.last_end = ""
        self.last_start_at = (0, 0)
        self.last_end_at = 0
        self.last_created_text: str | None = None
        self.last_created = 0
        # A row waits for its Record's end: a HKTimeZone metadata entry inside may give the
        # zone it was recorded in (the export writes every date in the phone's current zone).
        self.pending: Row | None = None
        self.zones: dict[str, ZoneInfo | None] = {}
        # One string object per device name: pickle then sends each name once per batch.
        self.devices: dict[str, str] = {}

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag != "Record":
            if tag == "MetadataEntry":
                if self.pending is not None and attrib.get("key") == TIME_ZONE_KEY:
                    self._recorded_in(attrib.get("value") or "")
            elif tag == "Correlation":
                self.nested += 1
            elif not self.root_seen:
                if tag != "HealthData":
                    raise InvalidInput(N_("Not an Apple Health export: the root is not HealthData"))
                self.root_seen = True
            return
        if self.nested or not self.root_seen:
            return
        export = self.export
        export.read += 1
        try:
            created_text = attrib.get("creationDate")
            if created_text is not None:
                if created_text != self.last_created_text:
                    self.last_created = self.parse(created_text)[0]
                    self.last_created_text = created_text
                created = self.last_created
                if self.newest is None or created > self.newest:
                    self.newest = created
                if self.since is not None and created < self.since:
                    export.skipped += 1
                    return
            kind = attrib.get("type") or ""
            unit = attrib.get("unit") or ""
            key = kind + "\x00" + unit
            found = self.targets.get(key, _UNSEEN)
            if found is _UNSEEN:
                found = self.targets[key] = target(kind, unit)
            if found is None:
                if kind == SLEEP_TYPE:
                    self.pending = _sleep(attrib, self.parse, self.devices)
                else:
                    export.unmapped += 1
                return
            # A quantity (inline: this runs for nearly every record).
            value_text = attrib.get("value") or ""
            try:
                value = float(value_text) * found.factor
            except ValueError as exc:
                raise InvalidInput(
                    N_("{kind}: not a number {value}"),
                    params={"kind": kind, "value": repr(value_text)},
                ) from exc
            if not found.low <= value <= found.high:  # also refuses NaN
                raise InvalidInput(
                    N_("{kind}: impossible value {value}"),
                    params={"kind": kind, "value": f"{value_text} {unit}"},
                )
            start_text = attrib.get("startDate")
            if not start_text:
                raise InvalidInput(N_("{kind}: a record without startDate"), params={"kind": kind})
            if start_text != self.last_start:
                self.last_start_at = self.parse(start_text)
                self.last_start = start_text
            start, offset = self.last_start_at
            end_text = attrib.get("endDate")
            finish = None
            if end_text and end_text != start_text:
                if end_text != self.last_end:
                    self.last_end_at = self.parse(end_text)[0]
                    self.last_end = end_text
                finish = self.last_end_at
            device = attrib.get("sourceName") or ""
            device = self.devices.setdefault(device, device)
            self.pending = (found.code, start, offset, finish, value, found.ucum, device)
        except InvalidInput as exc:
            export._quarantine(f"record {export.read}", exc)

    def _recorded_in(self, name: str) -> None:
        if name not in self.zones:
            try:
                self.zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):  # unknown: keep the export's offset
                self.zones[name] = None
        zone = self.zones[name]
        if zone is None or self.pending is None:
            return
        code, at, _, end, value, unit, device = self.pending
        offset = zone.utcoffset(datetime.fromtimestamp(at, UTC))
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            self.pending = (code, at, minutes, end, value, unit, device)

    def end(self, tag: str) -> None:
        if tag == "Record":
            if self.pending is not None:
                self.out.append(self.pending)
                self.pending = None
        elif tag == "Correlation":
            self.nested -= 1

    def close(self) -> None:
        return None


def _sleep(
    attrib: dict[str, str], parse: Callable[[str], tuple[int, int]], devices: dict[str, str]
) -> Row:
    start_text, end_text = attrib.get("startDate"), attrib.get("endDate")
    if not start_text:
        raise InvalidInput(N_("{kind}: a record without startDate"), params={"kind": "sleep"})
    start, offset = parse(start_text)
    end = parse(end_text)[0] if end_text else start
    if end < start:
        raise InvalidInput(N_("sleep ends before it starts"))
    stage = (attrib.get("value") or "").removeprefix(SLEEP_VALUE_PREFIX) or "Unknown"
    device = attrib.get("sourceName") or ""
    return (
        SLEEP_CODE_PREFIX + stage,
        start,
        offset,
        end,
        (end - start) / 60.0,
        "min",
        devices.setdefault(device, device),
    )
