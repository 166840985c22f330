"""Apple Health exports: mapping, zip handling, hostile XML refused, constant memory."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import AegleError, InvalidInput
from aegle.importers.apple_health import AppleHealthExport
from aegle.importers.apple_health.parser import _Clock
from aegle.importers.model import ObservationRow

HERE = Path(__file__).resolve().parent
V1 = HERE / "export_v1.xml"
CN = timezone(timedelta(hours=8))


def _epoch(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=CN).timestamp())  # type: ignore[misc]


def _rows(path: Path, since: str | None = None) -> tuple[AppleHealthExport, list[ObservationRow]]:
    export = AppleHealthExport(path)
    return export, list(export.rows(since))


def test_export_maps_types_units_and_devices() -> None:
    export, rows = _rows(V1)
    by_code: dict[str, list[ObservationRow]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    assert sorted(by_code) == [
        "15074-8",  # glucose in mmol/L keeps its own LOINC code, no conversion
        "29463-7",
        "55423-8",
        "59408-5",
        "8462-4",
        "8480-6",
        "8867-4",
        "apple-health|sleep-AsleepCore",
        "apple-health|sleep-AsleepDeep",
    ]
    first_hr = by_code["8867-4"][0]
    assert first_hr == ObservationRow(
        "8867-4", _epoch(2025, 3, 1, 8, 1, 7), 480, None, 72.0, "/min", "Wei’s Apple Watch"
    )
    assert [(r.value, r.unit) for r in by_code["59408-5"]] == [(97.0, "%")]  # fraction -> %
    assert [(r.value, r.unit) for r in by_code["15074-8"]] == [(5.6, "mmol/L")]
    steps = by_code["55423-8"]
    assert {r.device for r in steps} == {"Wei’s iPhone", "Wei’s Apple Watch"}
    assert all(r.effective_end == r.effective_at + 600 for r in steps)
    core = by_code["apple-health|sleep-AsleepCore"][0]
    assert (core.value, core.unit) == (90.0, "min")
    # the Correlation's nested copies of the blood pressure are not read twice
    assert len(by_code["8480-6"]) == 1
    assert export.read == 13
    assert export.unmapped == 1  # active energy
    [bad] = export.quarantined
    assert "impossible value 5000 mg/dL" in bad.reason
    assert export.cursor == str(_epoch(2025, 3, 1, 8, 20))


def test_rows_created_before_the_cursor_are_skipped() -> None:
    export, rows = _rows(HERE / "export_v2.xml", since=str(_epoch(2025, 3, 1, 8, 20)))
    assert export.skipped == 10
    assert sorted((r.code, r.value) for r in rows) == [
        ("29463-7", 63.1),
        ("55423-8", 498.0),
        ("55423-8", 512.0),
        ("8867-4", 68.0),
        ("8867-4", 70.0),
    ]
    assert export.cursor == str(_epoch(2025, 3, 3, 8, 5))


def test_zip_export_is_read(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        out.write(V1, "apple_health_export/export.xml")
    _, from_zip = _rows(archive)
    _, from_xml = _rows(V1)
    assert from_zip == from_xml


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.write(V1, "apple_health_export/export.xml")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInput):
        _rows(archive)


def test_zip_without_export_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("notes.txt", "hello")
    with pytest.raises(InvalidInput, match=r"no export\.xml"):
        _rows(archive)


def test_truncated_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    data = V1.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(InvalidInput, match="Malformed XML"):
        _rows(path)


HOSTILE = {
    "billion laughs": """<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<HealthData><Record type="&lol3;" sourceName="x" startDate="" endDate=""/></HealthData>""",
    "external entity": """<?xml version="1.0"?>
<!DOCTYPE HealthData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&xxe;"
 unit="count/min" value="70" startDate="2025-03-01 08:00:00 +0800"
 endDate="2025-03-01 08:00:00 +0800"/></HealthData>""",
    "external dtd": """<?xml version="1.0"?>
<!DOCTYPE HealthData SYSTEM "http://example.invalid/health.dtd">
<HealthData/>""",
    "undeclared entity": """<?xml version="1.0"?>
<HealthData><Record type="&nope;" sourceName="x" startDate="" endDate=""/></HealthData>""",
    "another document": """<?xml version="1.0"?><ClinicalDocument><Record/></ClinicalDocument>""",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_foreign_xml_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    with pytest.raises(InvalidInput):
        _rows(path)


def _synthetic(path: Path, records: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=CN)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n')
        for i in range(records):
            moment = (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S +0800")
            out.write(
                ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" '
                f'unit="count/min" creationDate="{moment}" startDate="{moment}" '
                f'endDate="{moment}" value="{60 + i % 50}">\n'
                '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                " </Record>\n"
            )
        out.write("</HealthData>\n")


def _peak_bytes(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:  # the parse itself, in this process (imports run it in a child process)
        count = sum(len(batch) for batch in AppleHealthExport(path)._batches(None))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    _synthetic(small, 2_000)
    _synthetic(large, 20_000)
    count_small, peak_small = _peak_bytes(small)
    count_large, peak_large = _peak_bytes(large)
    assert (count_small, count_large) == (2_000, 20_000)
    # Ten times the records, not ten times the memory (rows leave after each 1 MB chunk).
    assert peak_large < 3 * peak_small + 2_000_000


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)),
    offset_min=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_fast_time_parsing_agrees_with_strptime(moment: datetime, offset_min: int) -> None:
    zone = timezone(timedelta(minutes=offset_min))
    aware = moment.replace(microsecond=0, tzinfo=zone)
    text = aware.strftime("%Y-%m-%d %H:%M:%S %z")
    clock = _Clock()
    expected = (int(aware.timestamp()), offset_min)
    assert clock.parse(text) == expected
    assert clock.parse(text) == expected  # the same-minute fast path too
    later = aware + timedelta(seconds=59 - aware.second)
    assert clock.parse(later.strftime("%Y-%m-%d %H:%M:%S %z"))[0] == int(later.timestamp())
    # the same-hour fast path, and back to a full parse in the next hour
    for moment_in_hour in (aware.replace(minute=0, second=0), aware.replace(minute=59)):
        text_in_hour = moment_in_hour.strftime("%Y-%m-%d %H:%M:%S %z")
        assert clock.parse(text_in_hour)[0] == int(moment_in_hour.timestamp())
    next_hour = aware.replace(minute=0, second=0) + timedelta(hours=1)
    assert clock.parse(next_hour.strftime("%Y-%m-%d %H:%M:%S %z"))[0] == int(next_hour.timestamp())
    with pytest.raises(InvalidInput):  # minute 60 is refused on the fast path too
        clock.parse(text[:14] + "60:00" + text[19:])
    assert datetime.fromtimestamp(expected[0], UTC) == aware


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=400))
def test_arbitrary_bytes_are_parsed_or_refused(
    tmp_path_factory: pytest.TempPathFactory, body: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "export.xml"
    path.write_bytes(b'<?xml version="1.0"?><HealthData>' + body)
    try:
        _rows(path)
    except InvalidInput:
        return


def test_stopping_early_closes_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    _synthetic(path, 30_000)  # several 1 MB chunks
    export = AppleHealthExport(path)
    rows = export.rows()
    assert next(rows).code == "8867-4"
    rows.close()  # the consumer gave up (e.g. its transaction failed)
    assert export.cursor is None  # nothing is claimed as imported
    assert sum(1 for _ in AppleHealthExport(path).rows()) == 30_000


_attr = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"<&'),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    [
                        "HKQuantityTypeIdentifierHeartRate",
                        "HKQuantityTypeIdentifierOxygenSaturation",
                        "HKQuantityTypeIdentifierBloodGlucose",
                        "HKCategoryTypeIdentifierSleepAnalysis",
                    ]
                )
                | _attr,
                "unit": st.sampled_from(["count/min", "%", "mg/dL", ""]) | _attr,
                "value": st.floats(allow_nan=True).map(str) | _attr,
                "startDate": st.just("2025-03-01 08:00:00 +0800") | _attr,
                "endDate": st.just("2025-03-01 08:10:00 +0800") | _attr,
                "creationDate": st.just("2025-03-01 08:20:00 +0800") | _attr,
            }
        ),
        max_size=8,
    )
)
def test_records_with_arbitrary_attributes_never_crash(
    tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, str]]
) -> None:
    path = tmp_path_factory.mktemp("attrs") / "export.xml"
    body = "".join(
        "<Record " + " ".join(f'{k}="{v}"' for k, v in r.items()) + ' sourceName="s"/>'
        for r in records
    )
    path.write_text(f"<HealthData>{body}</HealthData>", encoding="utf-8")
    export, rows = _rows(path)
    assert export.read == len(records)
    assert len(rows) + export.unmapped + export.quarantined_count <= len(records)
    for row in rows:
        assert row.value == row.value  # no NaN stored


def test_recorded_time_zone_metadata_sets_the_original_offset(tmp_path: Path) -> None:
    # Exported in Shanghai (+0800), but the night was slept in New York (EST, -0500) and one
    # sample carries a zone name that doesn't exist (kept as exported).
    path = tmp_path / "export.xml"
    path.write_text(
        """<HealthData>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Watch"
  startDate="2025-01-10 12:00:00 +0800" endDate="2025-01-10 19:00:00 +0800"
  value="HKCategoryValueSleepAnalysisAsleepCore">
  <MetadataEntry key="HKTimeZone" value="America/New_York"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min"
  startDate="2025-01-10 20:00:00 +0800" endDate="2025-01-10 20:00:00 +0800" value="61">
  <MetadataEntry key="HKTimeZone" value="Mars/Olympus"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min"
  startDate="2025-01-10 21:00:00 +0800" endDate="2025-01-10 21:00:00 +0800" value="62"/>
</HealthData>""",
        encoding="utf-8",
    )
    _, rows = _rows(path)
    sleep, odd, plain = rows
    assert sleep.effective_at == _epoch(2025, 1, 10, 12, 0)  # the instant is unchanged
    assert sleep.utc_offset_min == -300
    local = datetime.fromtimestamp(sleep.effective_at, timezone(timedelta(minutes=-300)))
    assert (local.hour, local.minute) == (23, 0)  # went to bed at 23:00 in New York
    assert (odd.utc_offset_min, plain.utc_offset_min) == (480, 480)
    assert [r.value for r in rows] == [420.0, 61.0, 62.0]


def _parsers() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "aegle-apple-health"]


def test_errors_in_the_parser_process_keep_their_message_and_values(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(
        '<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="w" '
        'unit="count/min" value="70" startDate="2025-03-01 08:00:00 +0800"/><Oops></HealthData>',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        _rows(path)
    assert caught.value.detail == "Malformed XML: {error}"  # the message id, for translation
    assert "Oops" in caught.value.params["error"]
    assert _parsers() == []


def _big_zip(path: Path, records: int) -> None:
    # Repetitive XML deflates to little: a zip with more rows than the pipe holds.
    record = (
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" '
        'startDate="2025-03-01 08:00:00 +0800" endDate="2025-03-01 08:00:00 +0800" value="70"/>\n'
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr(
            "apple_health_export/export.xml", f"<HealthData>\n{record * records}</HealthData>\n"
        )


def test_a_killed_parser_process_raises_instead_of_hanging(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    _big_zip(path, 200_000)  # about 5 MB of pickled rows: more than the 1 MB pipe
    export = AppleHealthExport(path)
    batches = export.row_batches()
    assert next(batches)
    [child] = _parsers()
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(AegleError, match="parser stopped"):
        for _ in batches:
            pass
    assert export.cursor is None
    assert _parsers() == []


def test_stopping_early_ends_the_parser_process(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    _big_zip(path, 200_000)
    batches = AppleHealthExport(path).row_batches()
    assert next(batches)
    assert len(_parsers()) == 1
    batches.close()
    assert _parsers() == []


def test_a_threaded_caller_gets_the_same_rows_from_a_spawned_parser() -> None:
    # With other threads alive the parser process is spawned, not forked.
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)
    waiter.start()
    try:
        spawned, rows = _rows(V1)
    finally:
        stop.set()
        waiter.join()
    forked, same = _rows(V1)
    assert rows == same
    assert len(rows) == 11
    assert (spawned.read, spawned.cursor, spawned.quarantined) == (
        forked.read,
        forked.cursor,
        forked.quarantined,
    )
