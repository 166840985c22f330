"""The import stores batches while the parser process reads on: a refusal late in the file
must still leave nothing behind, and a good file lands whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from aegle.bootstrap import Platform
from aegle.core.errors import InvalidInput
from aegle.core.types import Role
from aegle.importers.apple_health import MANIFEST, AppleHealthExport
from aegle.services.actor import Actor
from aegle.services.health_data import HealthData, ImportResult
from aegle.store.health import HealthImport, HealthObservation

RECORDS = 30_000  # several 1 MB chunks, so batches are stored before the end is read


def _export(path: Path, tail: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="zh_CN">\n')
        for i in range(RECORDS):
            hour, minute = divmod(i, 60)
            day, hour = divmod(hour, 24)
            moment = f"2024-{1 + day // 28:02d}-{1 + day % 28:02d} {hour:02d}:{minute:02d}:00 +0800"
            out.write(
                ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" '
                f'unit="count/min" creationDate="{moment}" startDate="{moment}" '
                f'endDate="{moment}" value="{60 + i % 50}"/>\n'
            )
        out.write(tail)


def _person(platform: Platform) -> Actor:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="wei", password="password1", locale="zh-CN")
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
    with platform.unit_of_work() as s:
        scope = s.gate.open(actor, user.id, "write", resource_type="consent")
        s.consents.grant(scope, source=MANIFEST.id, purpose="import")
    return actor


def _import(platform: Platform, actor: Actor, path: Path) -> ImportResult:
    assert actor.user_id
    with platform.unit_of_work() as s:
        health = HealthData(s.gate, s.consents, platform.clock)
        return health.import_stream(actor, actor.user_id, MANIFEST, AppleHealthExport(path))


def _counts(platform: Platform) -> tuple[int, int]:
    with platform.unit_of_work() as s:
        session = s.gate.session
        observations = session.scalar(select(func.count()).select_from(HealthObservation))
        imports = session.scalar(select(func.count()).select_from(HealthImport))
    return int(observations or 0), int(imports or 0)


def test_a_file_broken_at_its_end_leaves_nothing_behind(platform: Platform, tmp_path: Path) -> None:
    actor = _person(platform)
    path = tmp_path / "export.xml"
    _export(path, " <Record type=\n")  # cut off: the last chunk is malformed
    with pytest.raises(InvalidInput) as caught:
        _import(platform, actor, path)
    assert caught.value.detail == "Malformed XML: {error}"
    assert _counts(platform) == (0, 0)


def test_a_good_file_lands_whole_and_once(platform: Platform, tmp_path: Path) -> None:
    actor = _person(platform)
    path = tmp_path / "export.xml"
    _export(path, "</HealthData>\n")
    first = _import(platform, actor, path)
    assert (first.observations_added, first.skipped) == (RECORDS, 0)
    again = _import(platform, actor, path)  # resumes after the cursor: nothing new
    assert again.observations_added == 0
    assert _counts(platform) == (RECORDS, 2)
