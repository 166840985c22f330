"""Apple Health import speed and memory, end to end into SQLite.

Generates a synthetic `export.xml` shaped like Apple's (internal DTD, Records with metadata,
blood-pressure Correlations, sleep, workouts), then in separate child processes (so each peak
RSS is its own):
1. bare: lxml iterparse of the same file, clearing elements, touching each Record's attributes;
2. import: `HealthData.import_stream` into a fresh, migrated SQLite database (consent checked,
   natural-key inserts, one transaction), timed from opening the file to commit. The parser
   runs in its own child process; its CPU time and peak RSS are reported too.
Prints records/s, seconds, peak RSS and the import/bare time ratio as JSON.
Usage: python bench/import_apple_health.py [--size-mb 1024] [--keep DIR]
Targets (issue 5): >= 100,000 records/s end to end; <= 300 MB peak on a 1 GB export.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
<HealthData locale="zh_CN">
 <ExportDate value="{export}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-02-03"
  HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
WATCH = (
    'sourceName="Wei’s Apple Watch" sourceVersion="10.1" '
    'device="&lt;&lt;HKDevice: 0x2829f6b20&gt;, '
    'name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;"'
)
PHONE = 'sourceName="Wei’s iPhone" sourceVersion="17.1"'
ZONE = timezone(timedelta(hours=8))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S +0800")


def generate(path: Path, size_mb: int, start: datetime) -> int:
    """Write about `size_mb` MB; return the number of top-level Records."""
    limit = size_mb * 1024 * 1024
    count = 0
    moment = start
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER.format(export=stamp(start + timedelta(days=3650))))
        written = 0
        minute = 0
        while written < limit:
            lines = []
            t0 = stamp(moment)
            t1 = stamp(moment + timedelta(seconds=59))
            created = stamp(moment + timedelta(minutes=2))
            lines.append(
                f' <Record type="HKQuantityTypeIdentifierHeartRate" {WATCH} unit="count/min" '
                f'creationDate="{created}" startDate="{t0}" endDate="{t0}" '
                f'value="{60 + minute % 40}">\n'
                '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                " </Record>\n"
            )
            lines.append(
                f' <Record type="HKQuantityTypeIdentifierStepCount" {PHONE} unit="count" '
                f'creationDate="{created}" startDate="{t0}" endDate="{t1}" '
                f'value="{minute % 90}"/>\n'
            )
            count += 2
            if minute % 5 == 0:
                lines.append(
                    f' <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" {WATCH} '
                    'unit="kcal" '
                    f'creationDate="{created}" startDate="{t0}" endDate="{t1}" value="1.2"/>\n'
                )
                count += 1
            if minute % 720 == 0:
                sys_v, dia_v = 110 + minute % 30, 70 + minute % 15
                bp = (
                    f' <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" {PHONE} '
                    f'unit="mmHg" creationDate="{created}" startDate="{t0}" endDate="{t0}" '
                    f'value="{sys_v}"/>\n'
                    f' <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" {PHONE} '
                    f'unit="mmHg" creationDate="{created}" startDate="{t0}" endDate="{t0}" '
                    f'value="{dia_v}"/>\n'
                )
                lines.append(bp)
                lines.append(
                    f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" {PHONE} '
                    f'creationDate="{created}" startDate="{t0}" endDate="{t0}">\n'
                    f"{bp} </Correlation>\n"
                )
                count += 2
            if minute % 1440 == 0:
                night = moment - timedelta(hours=7)
                lines.append(
                    f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" {WATCH} '
                    f'creationDate="{created}" startDate="{stamp(night)}" '
                    f'endDate="{stamp(night + timedelta(hours=6, minutes=40))}" '
                    'value="HKCategoryValueSleepAnalysisAsleepCore"/>\n'
                )
                count += 1
            text = "".join(lines)
            out.write(text)
            written += len(text.encode())
            minute += 1
            moment += timedelta(minutes=1)
        out.write("</HealthData>\n")
    return count


def bare(path: Path) -> dict[str, float]:
    from lxml import etree

    started, cpu = time.perf_counter(), time.process_time()
    records = 0
    for _, element in etree.iterparse(
        str(path), events=("end",), tag="Record", resolve_entities=False, no_network=True
    ):
        attrib = element.attrib
        records += bool(attrib.get("type")) and bool(attrib.get("value"))
        element.clear(keep_tail=False)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
    return {
        "records": records,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
    }


def run_import(path: Path, database: Path) -> dict[str, float]:
    from aegle.bootstrap import Platform
    from aegle.core.types import Role
    from aegle.importers.apple_health import MANIFEST, AppleHealthExport
    from aegle.services.actor import Actor
    from aegle.services.health_data import HealthData
    from aegle.settings import load_settings

    settings = load_settings(preset="test", database={"url": f"sqlite:///{database}"})
    platform = Platform(settings)
    platform.upgrade_database()
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="bench", password="bench-password")  # noqa: S106
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="bench")
    with platform.unit_of_work() as s:
        scope = s.gate.open(actor, user.id, "write", resource_type="consent")
        s.consents.grant(scope, source=MANIFEST.id, purpose="import")
    started, cpu = time.perf_counter(), _cpu(os.times())
    export = AppleHealthExport(path)
    with platform.unit_of_work() as s:
        result = HealthData(s.gate, s.consents, platform.clock).import_stream(
            actor, user.id, MANIFEST, export, file_name=path.name
        )
    seconds, cpu_seconds = time.perf_counter() - started, _cpu(os.times()) - cpu
    platform.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "parser_peak_rss_mb": children.ru_maxrss / 1024,
        "parser_cpu_seconds": children.ru_utime + children.ru_stime,
        "records": export.read,
        "stored": result.observations_added,
        "unmapped": export.unmapped,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def _cpu(times: os.times_result) -> float:
    """CPU seconds of this process and its finished children (the parser process)."""
    return times.user + times.system + times.children_user + times.children_system


def child(mode: str, path: Path, database: Path) -> None:
    out = bare(path) if mode == "bare" else run_import(path, database)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="Directory to keep the files in.")
    parser.add_argument("--child", choices=["bare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.db)
        return 0
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="aegle-apple-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    export = workdir / "export.xml"
    started = time.perf_counter()
    count = generate(export, args.size_mb, datetime(2016, 1, 1, tzinfo=ZONE))
    generated = time.perf_counter() - started
    results = {}
    for mode in ("bare", "import"):
        database = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                mode,
                "--file",
                str(export),
                "--db",
                str(database),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ | {"AEGLE_PRESET": "test"},
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    size_mb = export.stat().st_size / 1024 / 1024
    imp, raw = results["import"], results["bare"]
    report = {
        "file_mb": round(size_mb, 1),
        "records": count,
        "generate_s": round(generated, 1),
        "bare_iterparse": {
            "seconds": round(raw["seconds"], 2),
            "records_per_s": round(raw["records"] / raw["seconds"]),
            "records_per_cpu_s": round(raw["records"] / raw["cpu_seconds"]),
            "peak_rss_mb": round(raw["peak_rss_mb"], 1),
        },
        "import": {
            "seconds": round(imp["seconds"], 2),
            "records_per_s": round(imp["records"] / imp["seconds"]),
            "records_per_cpu_s": round(imp["records"] / imp["cpu_seconds"]),
            "stored": imp["stored"],
            "unmapped_type_records": imp["unmapped"],
            "peak_rss_mb": round(imp["peak_rss_mb"], 1),
            "parser_process_peak_rss_mb": round(imp["parser_peak_rss_mb"], 1),
            "parser_process_cpu_s": round(imp["parser_cpu_seconds"], 2),
            "database_mb": round((workdir / "bench.db").stat().st_size / 1024 / 1024, 1),
        },
        "import_over_bare_time": round(imp["seconds"] / raw["seconds"], 2),
        "import_over_bare_cpu": round(imp["cpu_seconds"] / raw["cpu_seconds"], 2),
        "targets": {"records_per_s": 100_000, "peak_rss_mb": 300},
        "cpu_load_1m": os.getloadavg()[0],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(report, indent=2))
    if not args.keep:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
