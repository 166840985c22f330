"""Health data: imports with consent and provenance, and reads, all through the access gate.

Every import runs in the caller's unit of work, so it lands whole or not at all: the import row,
its observations, conditions and medications commit together. Re-importing the same data adds
nothing, because every table has a natural key and rows are inserted with ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import bindparam, select

from aegle.assistant.health import KINDS, health_reply, topics, window_days
from aegle.assistant.model import Reply
from aegle.assistant.texts import default_texts
from aegle.core.ports import Clock
from aegle.core.types import LocaleCode
from aegle.importers.apple_health import AppleHealthExport
from aegle.importers.apple_health.mapping import SLEEP_CODE_PREFIX
from aegle.importers.apple_health.parser import Row
from aegle.importers.cgm_csv import CGM_LOINC
from aegle.importers.model import (
    ConditionRecord,
    Manifest,
    MedicationRecord,
    ObservationRecord,
    ParsedFile,
    Quarantined,
)
from aegle.importers.timeparse import epoch_and_offset
from aegle.services.access import AccessGate, PersonScope
from aegle.services.actor import Actor
from aegle.services.consent import Consents
from aegle.services.health_alerts import (
    DIASTOLIC,
    GLUCOSE_CODES,
    RESTING_HR,
    SPO2_CODES,
    SYSTOLIC,
    HealthAlerts,
)
from aegle.services.privacy import Resource
from aegle.store import health
from aegle.store.health import (
    CONDITIONS,
    MEDICATIONS,
    OBSERVATIONS,
    HealthAlert,
    HealthCondition,
    HealthImport,
    HealthMedication,
)
from aegle.vitals.alerts import Point
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.snapshot import Snapshot, daily_means, sleep_sessions

RESOURCE = "health_data"
WEIGHT = "29463-7"
HEIGHT = "8302-2"
SLEEP_DURATION = "93832-4"
LB_TO_KG = 0.45359237
# The observation codes behind each kind of the snapshot (glucose and sleep stages are read
# their own ways).
_CODES_OF: dict[str, tuple[str, ...]] = {
    "bp": (SYSTOLIC, DIASTOLIC),
    "sleep": (SLEEP_DURATION,),
    "heart_rate": (RESTING_HR,),
    "weight": (WEIGHT, HEIGHT),
    "spo2": tuple(SPO2_CODES),
}
_EXPORT_NS = uuid.UUID("6f1d2f0e-4c1b-4a57-9d6e-5a0c2b7e9a11")


@dataclass(slots=True)
class ImportResult:
    import_id: int
    source: str
    observations_added: int = 0
    observations_offered: int = 0
    conditions_added: int = 0
    medications_added: int = 0
    skipped: int = 0  # older than the previous import's cursor (incremental sources)
    quarantined: list[Quarantined] = field(default_factory=list)
    quarantined_unlisted: int = 0  # beyond the listed ones (huge streams list the first 1,000)
    alerts: list[str] = field(default_factory=list)  # rule ids of alerts this import raised

    @property
    def duplicates(self) -> int:
        return self.observations_offered - self.observations_added

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "source": self.source,
            "observations_added": self.observations_added,
            "duplicates": self.duplicates,
            "conditions_added": self.conditions_added,
            "medications_added": self.medications_added,
            "skipped_as_already_imported": self.skipped,
            "quarantined": [{"where": q.where, "reason": q.reason} for q in self.quarantined],
            "quarantined_total": len(self.quarantined) + self.quarantined_unlisted,
            "alerts_raised": self.alerts,
        }


@dataclass(frozen=True, slots=True)
class StoredObservation:
    code: str
    value: float
    unit: str
    effective: datetime  # in the original offset when known, else UTC
    effective_end: datetime | None
    device: str
    source: str
    import_id: int


def _local(epoch: int, offset_min: int | None) -> datetime:
    zone = UTC if offset_min is None else timezone(timedelta(minutes=offset_min))
    return datetime.fromtimestamp(epoch, zone)


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else epoch_and_offset(moment)[0]


def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


class HealthData:
    def __init__(
        self,
        gate: AccessGate,
        consents: Consents,
        clock: Clock,
        *,
        timezone: str = "UTC",
        bp_scheme: str = "cn2024",
    ) -> None:
        self._gate = gate
        self._consents = consents
        self._clock = clock
        self.timezone = timezone
        self.bp_scheme = bp_scheme  # settings.vitals.bp_scheme
        self.alerts = HealthAlerts(gate, clock, timezone)

    # -- imports ---------------------------------------------------------------------------

    def begin_import(
        self,
        actor: Actor,
        person_id: str,
        manifest: Manifest,
        *,
        file_name: str = "",
        content: bytes | None = None,
    ) -> tuple[PersonScope, HealthImport]:
        """Check access and consent, and open an import record (status "running").

        Raises:
            NotFound: the actor may not write this person's data.
            ConsentRequired: the person has not consented to importing from this source.
        """
        scope = self._gate.open(actor, person_id, "write", resource_type=RESOURCE)
        self._consents.require(scope, source=manifest.id, purpose="import")
        record = HealthImport(
            person_id=person_id,
            source=manifest.id,
            file_name=file_name[-255:],
            file_sha256=hashlib.sha256(content).hexdigest() if content is not None else "",
            actor_id=actor.user_id,
            started_at=self._clock.now(),
            finished_at=None,
            status="running",
            added=0,
            duplicates=0,
            quarantined=0,
            cursor=None,
            detail={},
        )
        scope.session.add(record)
        scope.session.flush()
        return scope, record

    def add_observations(
        self,
        scope: PersonScope,
        record: HealthImport,
        observations: Iterable[ObservationRecord],
        result: ImportResult,
    ) -> None:
        """Stream observations into storage in batches (constant memory)."""
        added, offered = health.bulk_insert(
            scope.session, OBSERVATIONS, self._observation_rows(scope, record, observations)
        )
        result.observations_added += added
        result.observations_offered += offered

    def _observation_rows(
        self, scope: PersonScope, record: HealthImport, observations: Iterable[ObservationRecord]
    ) -> Iterator[dict[str, Any]]:
        devices: dict[str, int] = {}
        person, import_id, source = scope.person_id, record.id, record.source
        for item in observations:
            device = devices.get(item.device)
            if device is None:
                device = devices[item.device] = health.device_id(
                    scope.session, person, source, item.device
                )
            at, offset = epoch_and_offset(item.effective)
            yield {
                "person_id": person,
                "code": item.code,
                "effective_at": at,
                "device_id": device,
                "utc_offset_min": offset,
                "effective_end": _epoch(item.effective_end),
                "value": item.value,
                "unit": item.ucum,
                "import_id": import_id,
            }

    def finish_import(
        self,
        scope: PersonScope,
        record: HealthImport,
        result: ImportResult,
        *,
        cursor: str | None = None,
    ) -> ImportResult:
        record.status = "done"
        record.finished_at = self._clock.now()
        record.added = result.observations_added + result.conditions_added
        record.added += result.medications_added
        record.duplicates = result.duplicates
        record.quarantined = len(result.quarantined) + result.quarantined_unlisted
        record.cursor = cursor
        record.detail = {
            "skipped": result.skipped,
            "conditions_added": result.conditions_added,
            "medications_added": result.medications_added,
            "quarantined": [{"where": q.where, "reason": q.reason} for q in result.quarantined][
                :100
            ],
        }
        scope.audit("health_data.import", RESOURCE, str(record.id))
        # Judged in the same transaction: the alerts land with the data that raised them.
        if result.observations_added:
            raised = self.alerts.evaluate(scope, import_id=record.id)
            result.alerts = [alert.rule_id for alert in raised]
            record.detail = {**record.detail, "alerts": result.alerts}
        return result

    def import_parsed(
        self,
        actor: Actor,
        person_id: str,
        manifest: Manifest,
        parsed: ParsedFile,
        *,
        file_name: str = "",
        content: bytes | None = None,
    ) -> ImportResult:
        """Store everything a parser produced for one file, as one import."""
        scope, record = self.begin_import(
            actor, person_id, manifest, file_name=file_name, content=content
        )
        result = ImportResult(import_id=record.id, source=manifest.id)
        result.quarantined.extend(parsed.quarantined)
        self.add_observations(scope, record, parsed.observations, result)
        result.conditions_added, _ = health.bulk_insert(
            scope.session,
            CONDITIONS,
            (self._condition_row(scope, record, c) for c in parsed.conditions),
        )
        result.medications_added, _ = health.bulk_insert(
            scope.session,
            MEDICATIONS,
            (self._medication_row(scope, record, m) for m in parsed.medications),
        )
        return self.finish_import(scope, record, result)

    @staticmethod
    def _condition_row(
        scope: PersonScope, record: HealthImport, c: ConditionRecord
    ) -> dict[str, Any]:
        return {
            "person_id": scope.person_id,
            "natural_key": c.natural_key,
            "system": c.system[:128],
            "code": c.code[:64],
            "display": c.display[:255],
            "clinical_status": c.clinical_status[:32],
            "onset_at": _epoch(c.onset),
            "abatement_at": _epoch(c.abatement),
            "source": record.source,
            "import_id": record.id,
        }

    @staticmethod
    def _medication_row(
        scope: PersonScope, record: HealthImport, m: MedicationRecord
    ) -> dict[str, Any]:
        return {
            "person_id": scope.person_id,
            "natural_key": m.natural_key,
            "system": m.system[:128],
            "code": m.code[:64],
            "display": m.display[:255],
            "status": m.status[:32],
            "intent": m.intent[:32],
            "authored_at": _epoch(m.authored),
            "dosage": m.dosage[:500],
            "source": record.source,
            "import_id": record.id,
        }

    def import_stream(
        self,
        actor: Actor,
        person_id: str,
        manifest: Manifest,
        stream: AppleHealthExport,
        *,
        file_name: str = "",
        full: bool = False,
    ) -> ImportResult:
        """Store a streamed source in one pass, resuming after the previous import's cursor
        (`full` reads everything again, e.g. an older export after a newer one; the natural
        key still keeps what is stored from being added twice).

        The whole import is one transaction: a file that turns out to be malformed halfway
        leaves nothing behind. The stream parses in a child process, so storing one batch
        overlaps parsing the next.
        """
        scope, record = self.begin_import(actor, person_id, manifest, file_name=file_name)
        previous = self.last_cursor(scope, manifest.id)
        since = None if full else previous
        result = ImportResult(import_id=record.id, source=manifest.id)
        added, offered = health.insert_batches(
            scope.session,
            OBSERVATIONS,
            health.OBSERVATION_COLUMNS,
            self._stream_batches(scope, record, stream.row_batches(since)),
        )
        result.observations_added, result.observations_offered = added, offered
        result.quarantined.extend(stream.quarantined)
        result.quarantined_unlisted = max(0, stream.quarantined_count - len(stream.quarantined))
        result.skipped = stream.skipped
        cursors = [int(c) for c in (stream.cursor, previous) if c]
        return self.finish_import(
            scope, record, result, cursor=str(max(cursors)) if cursors else None
        )

    def _stream_batches(
        self,
        scope: PersonScope,
        record: HealthImport,
        batches: Iterable[list[Row]],
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Lists of rows in the order of `health.OBSERVATION_COLUMNS`, built by one list
        comprehension per batch (the per-row cost of a large import is mostly Python)."""
        devices: dict[str, int] = {}
        person, import_id, source = scope.person_id, record.id, record.source
        session = scope.session
        for batch in batches:
            for name in {row[6] for row in batch} - devices.keys():
                devices[name] = health.device_id(session, person, source, name)
            yield [
                (person, code, at, devices[name], offset, end, value, unit, import_id)
                for code, at, offset, end, value, unit, name in batch
            ]

    def last_cursor(self, scope: PersonScope, source: str) -> str | None:
        """The cursor the newest finished import of `source` left (incremental sources)."""
        found: str | None = scope.session.scalar(
            select(HealthImport.cursor)
            .where(
                HealthImport.person_id == scope.person_id,
                HealthImport.source == source,
                HealthImport.status == "done",
                HealthImport.cursor.is_not(None),
            )
            .order_by(HealthImport.id.desc())
            .limit(1)
        )
        return found

    # -- reads -----------------------------------------------------------------------------

    def observations(
        self,
        actor: Actor,
        person_id: str,
        code: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[StoredObservation]:
        """One person's values of one code, oldest first, in [start, end)."""
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        return list(_observations(scope, code, start, end))

    def glucose_series(
        self,
        actor: Actor,
        person_id: str,
        tz: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        code: str = CGM_LOINC,
    ) -> GlucoseSeries:
        """A person's CGM readings in [start, end) as the metric engine's series (mg/dL).

        Reads epoch seconds and values straight into arrays: no per-row objects, so years of
        5-minute data stay cheap. Readings of the same instant from two devices are both kept.
        """
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        times, values = health.value_series(
            scope.session,
            scope.person_id,
            code,
            "mg/dL",
            None if start is None else epoch_and_offset(start)[0],
            None if end is None else epoch_and_offset(end)[0],
        )
        return GlucoseSeries.build(
            np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64), tz, person_id
        )

    def snapshot(
        self,
        actor: Actor,
        person_id: str,
        *,
        days: int = 14,
        end: datetime | None = None,
        kinds: Collection[str] | None = None,
    ) -> Snapshot:
        """Everything the charts, the chat and the health-data page show: the person's device
        data of the `days` before `end` (default now), grouped by kind, in the app's zone.
        `kinds` (glucose, bp, sleep, heart_rate, weight, spo2) limits what is read; the others
        come back empty. One audited read, at most three statements."""
        wanted = set(KINDS if kinds is None else kinds)
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        zone = ZoneInfo(self.timezone)
        end = (end or self._clock.now()).astimezone(zone)
        start = end - timedelta(days=days)
        lo, hi = epoch_and_offset(start)[0], epoch_and_offset(end)[0]
        session = scope.session
        times: list[int] = []
        values: list[float] = []
        for code, unit, factor in GLUCOSE_CODES if "glucose" in wanted else ():
            t, v = health.value_series(session, scope.person_id, code, unit, lo, hi)
            times += t
            values += [x * factor for x in v]
        glucose = GlucoseSeries.build(
            np.asarray(times, dtype=np.float64),
            np.asarray(values, dtype=np.float64),
            self.timezone,
            person_id,
        )
        night_start = start - timedelta(days=1)  # a night that began before the window
        codes = [code for kind in sorted(wanted) for code in _CODES_OF.get(kind, ())]
        by_code: dict[str, list[StoredObservation]] = {}
        for item in _observations_of(scope, codes, night_start, end):
            by_code.setdefault(item.code, []).append(item)
        if "sleep" in wanted:
            for item in _observations(scope, None, night_start, end, prefix=SLEEP_CODE_PREFIX):
                by_code.setdefault(item.code, []).append(item)

        def points(*wanted_codes: str, unit: str | None = None) -> list[Point]:
            found = [
                Point(item.effective.astimezone(zone), item.value)
                for code in wanted_codes
                for item in by_code.get(code, ())
                if item.effective >= start and (unit is None or item.unit == unit)
            ]
            return sorted(found, key=lambda p: p.time)

        systolic = {p.time: p.value for p in points(SYSTOLIC)}
        diastolic = {p.time: p.value for p in points(DIASTOLIC)}
        bp = tuple(
            BPReading(moment, sbp, diastolic[moment])
            for moment, sbp in sorted(systolic.items())
            if moment in diastolic
            and 40 <= sbp <= 300
            and 20 <= diastolic[moment] <= 200
            and diastolic[moment] < sbp
        )
        intervals = []
        for code, items in sorted(by_code.items()):
            if code.startswith(SLEEP_CODE_PREFIX):
                asleep = code.removeprefix(SLEEP_CODE_PREFIX).startswith("Asleep")
            elif code == SLEEP_DURATION:
                asleep = True
            else:
                continue
            intervals += [
                (item.effective.astimezone(zone), item.effective_end.astimezone(zone), asleep)
                for item in items
                if item.effective_end is not None
            ]
        sleep = tuple(s for s in sleep_sessions(intervals) if s.bed_end > start)
        weight = points(WEIGHT, unit="kg")
        weight += [Point(p.time, p.value * LB_TO_KG) for p in points(WEIGHT, unit="[lb_av]")]
        heights = points(HEIGHT, unit="cm")
        return Snapshot(
            tz=self.timezone,
            start=start,
            end=end,
            glucose=glucose,
            bp=bp,
            sleep=sleep,
            resting_hr=daily_means(points(RESTING_HR)),
            weight=tuple(sorted(weight, key=lambda p: p.time)),
            spo2=tuple(points(*SPO2_CODES)),
            height_m=heights[-1].value / 100.0 if heights else None,
        )

    def answer(
        self,
        actor: Actor,
        person_id: str,
        text: str,
        locale: LocaleCode,
        *,
        days: int | None = None,
    ) -> Reply:
        """The chat's answer to a health-data question, from the person's own data over the
        window the question names (a week, a month; 14 days by default) or `days`."""
        # Only the kinds the question names are read (all of them for an overview).
        snapshot = self.snapshot(
            actor, person_id, days=days or window_days(text), kinds=topics(text) or None
        )
        return health_reply(text, snapshot, locale, default_texts(), bp_scheme=self.bp_scheme)

    def imports(self, actor: Actor, person_id: str) -> list[HealthImport]:
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        return list(
            scope.session.scalars(
                select(HealthImport)
                .where(HealthImport.person_id == person_id)
                .order_by(HealthImport.id)
            )
        )

    def conditions(self, actor: Actor, person_id: str) -> list[HealthCondition]:
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        return list(
            scope.session.scalars(
                select(HealthCondition)
                .where(HealthCondition.person_id == person_id)
                .order_by(HealthCondition.onset_at, HealthCondition.id)
            )
        )

    def medications(self, actor: Actor, person_id: str) -> list[HealthMedication]:
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        return list(
            scope.session.scalars(
                select(HealthMedication)
                .where(HealthMedication.person_id == person_id)
                .order_by(HealthMedication.authored_at, HealthMedication.id)
            )
        )


_OF_CODES = (
    select(
        OBSERVATIONS.c.code,
        OBSERVATIONS.c.value,
        OBSERVATIONS.c.unit,
        OBSERVATIONS.c.effective_at,
        OBSERVATIONS.c.utc_offset_min,
        OBSERVATIONS.c.effective_end,
        health.DEVICES.c.device,
        health.DEVICES.c.source,
        OBSERVATIONS.c.import_id,
    )
    .join(health.DEVICES, health.DEVICES.c.id == OBSERVATIONS.c.device_id)
    .where(
        OBSERVATIONS.c.person_id == bindparam("person_id"),
        OBSERVATIONS.c.code.in_(bindparam("codes", expanding=True)),
        OBSERVATIONS.c.effective_at >= bindparam("lo"),
        OBSERVATIONS.c.effective_at < bindparam("hi"),
    )
    .order_by(OBSERVATIONS.c.code, OBSERVATIONS.c.effective_at, OBSERVATIONS.c.device_id)
)


def _observations_of(
    scope: PersonScope, codes: Collection[str], start: datetime, end: datetime
) -> Iterator[StoredObservation]:
    """The person's observations of any of `codes` in [start, end), in one statement."""
    if not codes:
        return iter(())
    return _stored(
        scope.session.execute(
            _OF_CODES,
            {
                "person_id": scope.person_id,
                "codes": list(codes),
                "lo": epoch_and_offset(start)[0],
                "hi": epoch_and_offset(end)[0],
            },
        )
    )


def _observations(
    scope: PersonScope,
    code: str | None,
    start: datetime | None,
    end: datetime | None,
    *,
    prefix: str | None = None,
) -> Iterator[StoredObservation]:
    obs, dev = OBSERVATIONS.c, health.DEVICES.c
    query = (
        select(
            obs.code,
            obs.value,
            obs.unit,
            obs.effective_at,
            obs.utc_offset_min,
            obs.effective_end,
            dev.device,
            dev.source,
            obs.import_id,
        )
        .join(health.DEVICES, dev.id == obs.device_id)
        .where(obs.person_id == scope.person_id)
        .order_by(obs.code, obs.effective_at, obs.device_id)
    )
    if code is not None:
        query = query.where(obs.code == code)
    if prefix is not None:  # a range on the key, not LIKE: the (person, code, time) index serves it
        query = query.where(obs.code >= prefix, obs.code < prefix + "\uffff")
    if start is not None:
        query = query.where(obs.effective_at >= epoch_and_offset(start)[0])
    if end is not None:
        query = query.where(obs.effective_at < epoch_and_offset(end)[0])
    return _stored(scope.session.execute(query))


def _stored(rows: Iterable[Any]) -> Iterator[StoredObservation]:
    for row in rows:
        yield StoredObservation(
            code=row.code,
            value=row.value,
            unit=row.unit,
            effective=_local(row.effective_at, row.utc_offset_min),
            effective_end=_local(row.effective_end, row.utc_offset_min)
            if row.effective_end is not None
            else None,
            device=row.device,
            source=row.source,
            import_id=row.import_id,
        )


def _resource_id(*parts: object) -> str:
    return str(uuid.uuid5(_EXPORT_NS, "|".join(str(part) for part in parts)))


class HealthDataSection:
    """Privacy export: observations, conditions and medications as FHIR R4 resources."""

    def resources(self, scope: PersonScope) -> Iterable[Resource]:
        patient = {"reference": f"Patient/{scope.person_id}"}
        for item in _observations(scope, None, None, None):
            system, _, code = item.code.rpartition("|")
            system = f"urn:aegle:code:{system}" if system else "http://loinc.org"
            resource: Resource = {
                "resourceType": "Observation",
                "id": _resource_id(scope.person_id, item.code, item.effective, item.device),
                "status": "final",
                "code": {"coding": [{"system": system, "code": code}]},
                "subject": patient,
                "valueQuantity": {
                    "value": item.value,
                    "unit": item.unit,
                    "system": "http://unitsofmeasure.org",
                    "code": item.unit,
                },
                "device": {"display": f"{item.source}: {item.device}".rstrip(": ")},
            }
            if item.effective_end is None:
                resource["effectiveDateTime"] = item.effective.isoformat()
            else:
                resource["effectivePeriod"] = {
                    "start": item.effective.isoformat(),
                    "end": item.effective_end.isoformat(),
                }
            yield resource
        session = scope.session
        for condition in session.scalars(
            select(HealthCondition).where(HealthCondition.person_id == scope.person_id)
        ):
            found: Resource = {
                "resourceType": "Condition",
                "id": _resource_id(scope.person_id, "condition", condition.natural_key),
                "code": {
                    "coding": [
                        {"system": condition.system, "code": condition.code}
                        | ({"display": condition.display} if condition.display else {})
                    ]
                },
                "subject": patient,
            }
            if condition.onset_at is not None:
                found["onsetDateTime"] = _iso(condition.onset_at)
            yield found
        for med in session.scalars(
            select(HealthMedication).where(HealthMedication.person_id == scope.person_id)
        ):
            prescribed: Resource = {
                "resourceType": "MedicationRequest",
                "id": _resource_id(scope.person_id, "medication", med.natural_key),
                "status": med.status or "unknown",
                "intent": med.intent or "order",
                "medicationCodeableConcept": {
                    "coding": [{"system": med.system, "code": med.code}] if med.system else [],
                    "text": med.display or med.code,
                },
                "subject": patient,
            }
            if med.authored_at is not None:
                prescribed["authoredOn"] = _iso(med.authored_at)
            yield prescribed
        for alert in session.scalars(
            select(HealthAlert).where(HealthAlert.person_id == scope.person_id)
        ):
            yield {
                "resourceType": "Flag",
                "id": _resource_id(scope.person_id, "alert", alert.id),
                "status": "active" if alert.read_at is None else "inactive",
                "code": {
                    "coding": [{"system": "urn:aegle:alert-rule", "code": alert.rule_id}],
                    "text": f"{alert.title.get('en', '')}: {alert.explanation.get('en', '')}",
                },
                "subject": patient,
                "period": {"start": _iso(alert.start_at), "end": _iso(alert.end_at)},
            }
