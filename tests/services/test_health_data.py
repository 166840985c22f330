"""Health data imports: consent first, provenance kept, idempotent, read back with the original
offset, exported as FHIR and erased with the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.errors import ConsentRequired, NotFound
from aegle.core.types import Role
from aegle.importers.fhir import MANIFEST, parse_bundle
from aegle.importers.model import ObservationRecord, ParsedFile
from aegle.services.actor import Actor
from aegle.services.health_data import HealthData, HealthDataSection
from aegle.services.privacy import DEFAULT_SECTIONS, Privacy
from aegle.store.health import HealthImport, HealthObservation

BUNDLE = Path(__file__).resolve().parents[1] / "importers" / "fhir" / "small_bundle.json"


def _person(platform: Platform, name: str = "pia", *, consent: bool = True) -> Actor:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username=name, password="password1", locale="en")
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
    if consent:
        with platform.unit_of_work() as s:
            scope = s.gate.open(actor, user.id, "write", resource_type="consent")
            s.consents.grant(scope, source="fhir", purpose="import")
    return actor


def _health(platform: Platform, s: object) -> HealthData:
    return HealthData(s.gate, s.consents, platform.clock)  # type: ignore[attr-defined]


def _import(platform: Platform, actor: Actor, parsed: ParsedFile) -> dict[str, object]:
    assert actor.user_id
    with platform.unit_of_work() as s:
        return _health(platform, s).import_parsed(actor, actor.user_id, MANIFEST, parsed).as_dict()


def test_import_stores_everything_once(platform: Platform) -> None:
    actor = _person(platform)
    parsed = parse_bundle(BUNDLE.read_bytes())
    first = _import(platform, actor, parsed)
    assert first["observations_added"] == 4
    assert first["conditions_added"] == 1
    assert first["medications_added"] == 1
    assert len(first["quarantined"]) == 1  # type: ignore[arg-type]
    again = _import(platform, actor, parse_bundle(BUNDLE.read_bytes()))
    assert again["observations_added"] == 0
    assert again["duplicates"] == 4
    assert (again["conditions_added"], again["medications_added"]) == (0, 0)
    assert actor.user_id
    with platform.unit_of_work() as s:
        health = _health(platform, s)
        imports = health.imports(actor, actor.user_id)
        assert [(i.status, i.added, i.duplicates, i.quarantined) for i in imports] == [
            ("done", 6, 0, 1),
            ("done", 0, 4, 1),
        ]
        assert imports[0].finished_at == platform.clock.now()
        [systolic] = health.observations(actor, actor.user_id, "8480-6")
        assert systolic.value == 142.0
        assert systolic.unit == "mm[Hg]"
        # the original offset comes back, the instant is the same
        assert systolic.effective.utcoffset() == timedelta(hours=8)
        assert systolic.effective == datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
        assert (systolic.source, systolic.import_id) == ("fhir", imports[0].id)
        [glucose] = health.observations(actor, actor.user_id, "2339-0")
        assert glucose.unit == "mmol/L"  # UCUM, while the source wrote "mmol/l"
        [condition] = health.conditions(actor, actor.user_id)
        assert condition.code == "38341003"
        [medication] = health.medications(actor, actor.user_id)
        assert medication.dosage == "5 mg once daily"


def test_time_window_reads_are_half_open(platform: Platform) -> None:
    actor = _person(platform)
    start = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    readings = [
        ObservationRecord(
            code="99504-3",
            value=100.0 + i,
            unit="mg/dL",
            ucum="mg/dL",
            effective=start + timedelta(minutes=5 * i),
            effective_text="",
            device="CGM 1",
        )
        for i in range(288)
    ]
    result = _import(platform, actor, ParsedFile(observations=readings))
    assert result["observations_added"] == 288
    assert actor.user_id
    with platform.unit_of_work() as s:
        window = _health(platform, s).observations(
            actor,
            actor.user_id,
            "99504-3",
            start=start + timedelta(hours=1),
            end=start + timedelta(hours=2),
        )
    assert [o.value for o in window] == [100.0 + i for i in range(12, 24)]
    assert all(o.device == "CGM 1" for o in window)


def test_import_without_consent_is_refused_and_stores_nothing(platform: Platform) -> None:
    actor = _person(platform, consent=False)
    with pytest.raises(ConsentRequired):
        _import(platform, actor, parse_bundle(BUNDLE.read_bytes()))
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(HealthObservation)) == 0
        assert session.scalar(select(func.count()).select_from(HealthImport)) == 0


def test_revoked_consent_stops_imports(platform: Platform) -> None:
    actor = _person(platform)
    assert actor.user_id
    with platform.unit_of_work() as s:
        scope = s.gate.open(actor, actor.user_id, "write", resource_type="consent")
        [consent] = s.consents.list(scope)
        s.consents.revoke(scope, consent.id)
    with pytest.raises(ConsentRequired):
        _import(platform, actor, parse_bundle(BUNDLE.read_bytes()))


def test_others_cannot_write_or_read(platform: Platform) -> None:
    owner = _person(platform)
    other = _person(platform, "mallory")
    assert owner.user_id
    parsed = parse_bundle(BUNDLE.read_bytes())
    with pytest.raises(NotFound), platform.unit_of_work() as s:
        _health(platform, s).import_parsed(other, owner.user_id, MANIFEST, parsed)
    _import(platform, owner, parsed)
    with pytest.raises(NotFound), platform.unit_of_work() as s:
        _health(platform, s).observations(other, owner.user_id, "8480-6")


def test_a_doctor_with_a_grant_reads(platform: Platform) -> None:
    owner = _person(platform)
    assert owner.user_id
    _import(platform, owner, parse_bundle(BUNDLE.read_bytes()))
    with platform.unit_of_work() as s:
        doctor = s.accounts.register(username="drx", password="password1", role=Role.DOCTOR)
        s.accounts.grant_care(owner, patient_id=owner.user_id, doctor_username="drx")
    as_doctor = Actor(user_id=doctor.id, role=Role.DOCTOR, origin="test")
    with platform.unit_of_work() as s:
        values = _health(platform, s).observations(as_doctor, owner.user_id, "8462-4")
    assert [v.value for v in values] == [91.0]


def test_export_is_valid_fhir_and_erase_removes_health_rows(platform: Platform) -> None:
    actor = _person(platform)
    assert actor.user_id
    _import(platform, actor, parse_bundle(BUNDLE.read_bytes()))
    with platform.unit_of_work() as s:
        privacy = Privacy(s.gate, platform.clock, (*DEFAULT_SECTIONS, HealthDataSection()))
        exported = privacy.export(actor, actor.user_id)
    bundle = Bundle.model_validate(exported)
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry or []]
    assert kinds.count("Observation") == 4
    assert kinds.count("Condition") == 1
    assert kinds.count("MedicationRequest") == 1
    with platform.unit_of_work() as s:
        Privacy(s.gate, platform.clock).erase(actor, actor.user_id)
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(HealthObservation)) == 0
        assert session.scalar(select(func.count()).select_from(HealthImport)) == 0


APPLE = Path(__file__).resolve().parents[1] / "importers" / "apple_health"


def _apple(
    platform: Platform, actor: Actor, path: Path, *, full: bool = False
) -> dict[str, object]:
    from aegle.importers.apple_health import MANIFEST as APPLE_HEALTH
    from aegle.importers.apple_health import AppleHealthExport

    assert actor.user_id
    with platform.unit_of_work() as s:
        result = _health(platform, s).import_stream(
            actor,
            actor.user_id,
            APPLE_HEALTH,
            AppleHealthExport(path),
            file_name=path.name,
            full=full,
        )
    return result.as_dict()


def _consent(platform: Platform, actor: Actor, source: str) -> None:
    assert actor.user_id
    with platform.unit_of_work() as s:
        scope = s.gate.open(actor, actor.user_id, "write", resource_type="consent")
        s.consents.grant(scope, source=source, purpose="import")


def test_newer_apple_export_adds_only_what_is_new(platform: Platform, clock: FrozenClock) -> None:
    actor = _person(platform, consent=False)
    _consent(platform, actor, "apple_health")
    first = _apple(platform, actor, APPLE / "export_v1.xml")
    assert first["observations_added"] == 11
    assert len(first["quarantined"]) == 1  # type: ignore[arg-type]
    clock.advance(timedelta(days=2))
    second = _apple(platform, actor, APPLE / "export_v2.xml")
    # Ten records older than the first import's cursor are not even offered again; the three
    # created at the cursor itself are, and the natural key keeps the two mapped ones out.
    assert second["skipped_as_already_imported"] == 10
    assert (second["observations_added"], second["duplicates"]) == (3, 2)
    assert second["quarantined"] == []
    third = _apple(platform, actor, APPLE / "export_v2.xml")
    assert third["observations_added"] == 0
    assert actor.user_id
    with platform.unit_of_work() as s:
        health = _health(platform, s)
        imports = health.imports(actor, actor.user_id)
        assert [i.started_at for i in imports] == [
            datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        ]
        assert [i.added for i in imports] == [11, 3, 0]
        assert imports[1].cursor == imports[2].cursor != imports[0].cursor
        heart = health.observations(actor, actor.user_id, "8867-4")
        weights = health.observations(actor, actor.user_id, "29463-7")
    assert [h.value for h in heart] == [72.0, 75.0, 68.0, 70.0]
    assert heart[0].effective.utcoffset() == timedelta(hours=8)
    assert [w.value for w in weights] == [63.4, 63.1]


def test_a_malformed_export_leaves_nothing_behind(platform: Platform, tmp_path: Path) -> None:
    from aegle.core.errors import InvalidInput

    actor = _person(platform, consent=False)
    _consent(platform, actor, "apple_health")
    broken = tmp_path / "export.xml"
    data = (APPLE / "export_v1.xml").read_bytes()
    broken.write_bytes(data[: int(len(data) * 0.8)])  # records first, then the XML breaks
    with pytest.raises(InvalidInput):
        _apple(platform, actor, broken)
    with platform.unit_of_work() as s:
        session = s.gate.session
        assert session.scalar(select(func.count()).select_from(HealthObservation)) == 0
        assert session.scalar(select(func.count()).select_from(HealthImport)) == 0


def test_apple_import_needs_its_own_consent(platform: Platform) -> None:
    actor = _person(platform)  # consented to FHIR only
    with pytest.raises(ConsentRequired):
        _apple(platform, actor, APPLE / "export_v1.xml")


def test_cgm_readings_come_back_as_the_metric_engines_series(platform: Platform) -> None:
    from aegle.importers.cgm_csv import MANIFEST as CGM
    from aegle.importers.cgm_csv import parse_cgm_csv
    from aegle.vitals.cgm.metrics import compute_all

    actor = _person(platform, consent=False)
    _consent(platform, actor, "cgm_csv")
    csv = Path(__file__).resolve().parents[1] / "importers" / "cgm_csv" / "dexcom_clarity_mgdl.csv"
    _, parsed = parse_cgm_csv(csv.read_bytes(), "Asia/Shanghai")
    assert actor.user_id
    with platform.unit_of_work() as s:
        _health(platform, s).import_parsed(actor, actor.user_id, CGM, parsed)
    with platform.unit_of_work() as s:
        series = _health(platform, s).glucose_series(actor, actor.user_id, "Asia/Shanghai")
        later = _health(platform, s).glucose_series(
            actor,
            actor.user_id,
            "Asia/Shanghai",
            start=datetime(2025, 3, 1, 8, 10, tzinfo=timezone(timedelta(hours=8))),
        )
    assert series.glucose.tolist() == [112.0, 118.0, 131.0, 97.0]
    assert series.times[0] == datetime(2025, 3, 1, 0, 0, 12, tzinfo=UTC).timestamp()
    assert series.tz == "Asia/Shanghai"
    assert later.glucose.tolist() == [131.0, 97.0]
    assert compute_all(series)["mean"] == pytest.approx(114.5)


def test_export_includes_wearable_codes_as_valid_fhir(platform: Platform) -> None:
    actor = _person(platform, consent=False)
    _consent(platform, actor, "apple_health")
    _apple(platform, actor, APPLE / "export_v1.xml")
    assert actor.user_id
    with platform.unit_of_work() as s:
        privacy = Privacy(s.gate, platform.clock, (*DEFAULT_SECTIONS, HealthDataSection()))
        exported = privacy.export(actor, actor.user_id)
    bundle = Bundle.model_validate(exported)
    codings = [
        (coding.system, coding.code)
        for entry in bundle.entry or []
        if entry.resource.__resource_type__ == "Observation"
        for coding in entry.resource.code.coding
    ]
    assert len(codings) == 11
    assert ("urn:aegle:code:apple-health", "sleep-AsleepCore") in codings
    assert ("http://loinc.org", "59408-5") in codings


def test_a_flood_of_bad_records_is_counted_in_full(platform: Platform, tmp_path: Path) -> None:
    actor = _person(platform, consent=False)
    _consent(platform, actor, "apple_health")
    export = tmp_path / "export.xml"
    bad = (
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" '
        'startDate="2025-03-01 08:00:{s:02d} +0800" endDate="2025-03-01 08:00:00 +0800" '
        'value="{v}"/>\n'
    )
    body = "".join(bad.format(s=i % 60, v=900 + i) for i in range(1005))
    export.write_text(f"<HealthData>\n{body}</HealthData>\n", encoding="utf-8")
    result = _apple(platform, actor, export)
    assert len(result["quarantined"]) == 1000  # type: ignore[arg-type]
    assert result["quarantined_total"] == 1005
    assert actor.user_id
    with platform.unit_of_work() as s:
        [record] = _health(platform, s).imports(actor, actor.user_id)
    assert record.quarantined == 1005


def test_migration_0002_matches_the_health_tables(platform: Platform) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from aegle.store.tables import Base

    with platform.database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diffs if "health_" in repr(d)]
    assert ours == []


def test_driver_errors_surface_as_our_errors(platform: Platform) -> None:
    from aegle.core.errors import Conflict
    from aegle.store import health

    with pytest.raises(Conflict), platform.database.transaction() as session:
        # no such person: the foreign key refuses the row
        health.insert_tuples(
            session,
            health.OBSERVATIONS,
            health.OBSERVATION_COLUMNS,
            [("nobody", "8867-4", 0, 1, None, None, 60.0, "/min", 1)],
        )
    with pytest.raises(ValueError, match="not columns"), platform.database.transaction() as session:
        health.insert_tuples(session, health.OBSERVATIONS, ("person_id", "nope"), [])


def test_an_older_export_after_a_newer_one_needs_full(platform: Platform, tmp_path: Path) -> None:
    actor = _person(platform, consent=False)
    _consent(platform, actor, "apple_health")
    _apple(platform, actor, APPLE / "export_v2.xml")
    older = tmp_path / "export.xml"
    older.write_text(
        """<HealthData>
 <Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Old scale" unit="kg"
  creationDate="2024-12-01 07:00:00 +0800" startDate="2024-12-01 07:00:00 +0800"
  endDate="2024-12-01 07:00:00 +0800" value="64.0"/>
</HealthData>""",
        encoding="utf-8",
    )
    skipped = _apple(platform, actor, older)
    assert (skipped["observations_added"], skipped["skipped_as_already_imported"]) == (0, 1)
    full = _apple(platform, actor, older, full=True)
    assert full["observations_added"] == 1
    assert actor.user_id
    with platform.unit_of_work() as s:
        imports = _health(platform, s).imports(actor, actor.user_id)
    assert len({i.cursor for i in imports}) == 1  # an older file never moves the cursor back
