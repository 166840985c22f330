"""Storage at CGM scale: many people, years of 5-minute readings, on SQLite (or any URL).

Loads `--people` x `--days` of 5-minute glucose through `HealthData.import_stream` (consent,
natural-key inserts), then measures what the metric engines do all day: read 14 and 90 days of
one person into a `GlucoseSeries`, and re-import a day (idempotency: adds nothing).
Prints rows/s, bytes per reading and read latencies as JSON.
Usage: python bench/import_cgm_storage.py [--people 20] [--days 365] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.importers.cgm_csv import CGM_LOINC
from aegle.importers.cgm_csv import MANIFEST as CGM
from aegle.importers.model import ObservationRow, Quarantined
from aegle.services.actor import Actor
from aegle.services.health_data import HealthData
from aegle.settings import load_settings

START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())


class SyntheticCgm:
    """A deterministic 5-minute trace (daily cycle plus meals), as an ObservationStream."""

    def __init__(self, days: int, seed: int, first_day: int = 0) -> None:
        self.days, self.seed, self.first_day = days, seed, first_day
        self.quarantined: list[Quarantined] = []
        self.skipped = 0

    @property
    def cursor(self) -> str | None:
        return None

    def rows(self, since: str | None) -> Iterator[ObservationRow]:
        device = f"Dexcom G7 {self.seed:04d}"
        for i in range(self.first_day * 288, (self.first_day + self.days) * 288):
            minute = (i * 5) % 1440
            meal = 60 * math.exp(-(((minute - 480) % 300) / 60.0))
            value = round(110 + 25 * math.sin(i / 288 * 2 * math.pi + self.seed) + meal, 1)
            yield ObservationRow(CGM_LOINC, START + i * 300, 480, None, value, "mg/dL", device)


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best.append(time.perf_counter() - started)
    return statistics.median(best)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--url", help="Database URL (default: a fresh SQLite file).")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="aegle-cgm-bench-"))
    url = args.url or f"sqlite:///{workdir / 'cgm.db'}"
    platform = Platform(load_settings(preset="test", database={"url": url}))
    platform.upgrade_database()
    actors = []
    with platform.unit_of_work() as s:
        for n in range(args.people):
            user = s.accounts.register(username=f"cgm{n:04d}", password="bench-password")  # noqa: S106
            actors.append(Actor(user_id=user.id, role=Role.PATIENT, origin="bench"))
    for actor in actors:
        assert actor.user_id
        with platform.unit_of_work() as s:
            scope = s.gate.open(actor, actor.user_id, "write", resource_type="consent")
            s.consents.grant(scope, source=CGM.id, purpose="import")
    started, cpu = time.perf_counter(), time.process_time()
    stored = 0
    for n, actor in enumerate(actors):
        assert actor.user_id
        with platform.unit_of_work() as s:
            result = HealthData(s.gate, s.consents, platform.clock).import_stream(
                actor, actor.user_id, CGM, SyntheticCgm(args.days, n)
            )
        stored += result.observations_added
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    person = actors[len(actors) // 2]
    assert person.user_id
    end = datetime.fromtimestamp(START + args.days * 86400, UTC)

    def read(days: int) -> None:
        with platform.unit_of_work() as s:
            series = HealthData(s.gate, s.consents, platform.clock).glucose_series(
                person,
                person.user_id or "",
                "Asia/Shanghai",
                start=end - timedelta(days=days),
                end=end,
            )
        assert series.times.size == min(days, args.days) * 288

    read_14 = timed(lambda: read(14))
    read_90 = timed(lambda: read(90))
    started = time.perf_counter()
    with platform.unit_of_work() as s:
        again = HealthData(s.gate, s.consents, platform.clock).import_stream(
            person, person.user_id, CGM, SyntheticCgm(1, len(actors) // 2, first_day=args.days - 1)
        )
    reimport_s = time.perf_counter() - started
    platform.close()
    size = (workdir / "cgm.db").stat().st_size if not args.url else 0
    report = {
        "backend": url.split(":", 1)[0],
        "people": args.people,
        "days": args.days,
        "readings": stored,
        "load": {
            "seconds": round(load_s, 1),
            "rows_per_s": round(stored / load_s),
            "rows_per_cpu_s": round(stored / load_cpu),
        },
        "bytes_per_reading": round(size / stored, 1) if size else None,
        "database_mb": round(size / 1024 / 1024, 1) if size else None,
        "read_ms": {"14_days": round(read_14 * 1000, 1), "90_days": round(read_90 * 1000, 1)},
        "reimport_one_day": {
            "added": again.observations_added,
            "duplicates": again.duplicates,
            "seconds": round(reimport_s, 3),
        },
        "cpu_load_1m": os.getloadavg()[0],
    }
    print(json.dumps(report, indent=2))
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
