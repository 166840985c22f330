"""Alerts from device data: evaluated after each import, delivered to the in-app inbox.

The rules and their evaluation are the vitals engine's (`aegle.vitals.alerts`, pure); this
service reads the recent data, asks the engine, drops what was already delivered or falls in a
rule's quiet period, and stores the rest. Reading and marking the inbox go through the access
gate, so every access is audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select, update

from aegle.core.errors import NotFound
from aegle.core.ports import Clock
from aegle.core.types import LocaleCode, LocalizedText, Source
from aegle.importers.cgm_csv import CGM_LOINC
from aegle.services.access import AccessGate, PersonScope
from aegle.services.actor import Actor
from aegle.store import health
from aegle.store.health import ALERTS, OBSERVATIONS, HealthAlert
from aegle.vitals.alerts import (
    Alert,
    Delivered,
    Point,
    bp_alerts,
    deduplicate,
    glucose_alerts,
    resting_hr_alerts,
    spo2_alerts,
)
from aegle.vitals.bp import BPReading
from aegle.vitals.cgm.series import MMOL_TO_MGDL, GlucoseSeries

RESOURCE: Final = "health_alert"
LOOKBACK: Final = timedelta(days=7)
"""Alerts are about the present: each kind of data is judged over the 7 days ending at its newest
reading (an old export imported today does not flood the inbox with years of events)."""

# (code, factor to mg/dL) for glucose: CGM (ISF) and meter (blood) readings.
GLUCOSE_CODES: Final = (
    (CGM_LOINC, "mg/dL", 1.0),
    ("105272-9", "mmol/L", MMOL_TO_MGDL),
    ("2339-0", "mg/dL", 1.0),
    ("15074-8", "mmol/L", MMOL_TO_MGDL),
)
SYSTOLIC: Final = "8480-6"
DIASTOLIC: Final = "8462-4"
SPO2_CODES: Final = ("59408-5", "2708-6")
RESTING_HR: Final = "40443-4"


@dataclass(frozen=True, slots=True)
class InboxAlert:
    """An alert as the inbox hands it out (never a live table row)."""

    id: int
    rule_id: str
    severity: str
    triage: str
    start: datetime
    end: datetime
    value: float
    title: LocalizedText
    explanation: LocalizedText
    advice: LocalizedText
    sources: tuple[Source, ...]
    created_at: datetime
    read_at: datetime | None

    def as_dict(self, locale: LocaleCode | None = None) -> dict[str, Any]:
        """JSON form; with a locale the texts are given in that language only."""

        def text(value: LocalizedText) -> Any:
            return value.get(locale) if locale else value.model_dump()

        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "severity": self.severity,
            "triage": self.triage,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "value": self.value,
            "title": text(self.title),
            "explanation": text(self.explanation),
            "advice": text(self.advice),
            "sources": [s.model_dump(exclude_none=True) for s in self.sources],
            "created_at": self.created_at.isoformat(),
            "read_at": None if self.read_at is None else self.read_at.isoformat(),
        }


def _aware(epoch: int, offset_min: int | None) -> datetime:
    zone = UTC if offset_min is None else timezone(timedelta(minutes=offset_min))
    return datetime.fromtimestamp(epoch, zone)


def _inbox_alert(row: HealthAlert) -> InboxAlert:
    return InboxAlert(
        id=row.id,
        rule_id=row.rule_id,
        severity=row.severity,
        triage=row.triage,
        start=_aware(row.start_at, row.utc_offset_min),
        end=_aware(row.end_at, row.utc_offset_min),
        value=row.value,
        title=LocalizedText.model_validate(row.title),
        explanation=LocalizedText.model_validate(row.explanation),
        advice=LocalizedText.model_validate(row.advice),
        sources=tuple(Source.model_validate(s) for s in row.sources),
        created_at=row.created_at,
        read_at=row.read_at,
    )


class HealthAlerts:
    def __init__(self, gate: AccessGate, clock: Clock, timezone: str = "UTC") -> None:
        self._gate = gate
        self._clock = clock
        self._tz = timezone

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, scope: PersonScope, *, import_id: int | None = None) -> list[Alert]:
        """Judge the person's recent data and deliver new alerts to their inbox.

        Runs inside the caller's transaction (an import's), so alerts land with the data that
        raised them or not at all. Returns the alerts delivered now.
        """
        found = [
            *self._glucose(scope),
            *self._blood_pressure(scope),
            *self._spo2(scope),
            *self._resting_hr(scope),
        ]
        if not found:
            return []
        delivered = [
            Delivered(rule_id, datetime.fromtimestamp(start, UTC))
            for rule_id, start in scope.session.execute(
                select(ALERTS.c.rule_id, ALERTS.c.start_at).where(
                    ALERTS.c.person_id == scope.person_id
                )
            )
        ]
        fresh = deduplicate(found, delivered)
        now = self._clock.now()
        rows = [
            {
                "person_id": scope.person_id,
                "rule_id": alert.rule_id,
                "severity": alert.severity.value,
                "triage": alert.triage.value,
                "start_at": int(alert.start.timestamp()),
                "end_at": int(alert.end.timestamp()),
                "utc_offset_min": _offset_min(alert.start),
                "value": alert.value,
                "title": alert.title.model_dump(),
                "explanation": alert.explanation.model_dump(),
                "advice": alert.advice.model_dump(),
                "sources": [s.model_dump(exclude_none=True) for s in alert.sources],
                "import_id": import_id,
                "created_at": now,
                "read_at": None,
            }
            for alert in fresh
        ]
        if rows:
            health.insert_alerts(scope.session, rows)
            scope.audit("health_alert.create", RESOURCE, None)
        return fresh

    def _latest(self, scope: PersonScope, codes: tuple[str, ...]) -> int | None:
        newest = scope.session.scalar(
            select(func.max(OBSERVATIONS.c.effective_at)).where(
                OBSERVATIONS.c.person_id == scope.person_id, OBSERVATIONS.c.code.in_(codes)
            )
        )
        return None if newest is None else int(newest)

    def _glucose(self, scope: PersonScope) -> list[Alert]:
        out: list[Alert] = []
        for code, unit, factor in GLUCOSE_CODES:
            newest = self._latest(scope, (code,))
            if newest is None:
                continue
            start = newest - int(LOOKBACK.total_seconds())
            times, values = health.value_series(
                scope.session, scope.person_id, code, unit, start, newest + 1
            )
            if not times:
                continue
            series = GlucoseSeries.build(
                np.asarray(times, dtype=np.float64),
                np.asarray(values, dtype=np.float64) * factor,
                self._tz,
                scope.person_id,
            )
            out.extend(glucose_alerts(series))
        return out

    def _points(self, scope: PersonScope, codes: tuple[str, ...]) -> list[tuple[int, float, int]]:
        """(time, value, device) of the codes over the lookback before their newest reading."""
        newest = self._latest(scope, codes)
        if newest is None:
            return []
        obs = OBSERVATIONS.c
        rows = scope.session.execute(
            select(obs.effective_at, obs.value, obs.device_id)
            .where(
                obs.person_id == scope.person_id,
                obs.code.in_(codes),
                obs.effective_at > newest - int(LOOKBACK.total_seconds()),
            )
            .order_by(obs.effective_at)
        )
        return [(int(r[0]), float(r[1]), int(r[2])) for r in rows]

    def _blood_pressure(self, scope: PersonScope) -> list[Alert]:
        zone = ZoneInfo(self._tz)
        systolic = {(t, d): v for t, v, d in self._points(scope, (SYSTOLIC,))}
        if not systolic:
            return []
        diastolic = {(t, d): v for t, v, d in self._points(scope, (DIASTOLIC,))}
        readings = []
        for key, sbp in systolic.items():
            dbp = diastolic.get(key)
            # Pairs the reading engine would refuse (dbp >= sbp, out of range) are not judged.
            if dbp is None or not (40 <= sbp <= 300 and 20 <= dbp <= 200 and dbp < sbp):
                continue
            readings.append(BPReading(datetime.fromtimestamp(key[0], zone), sbp, dbp))
        if not readings:
            return []
        newest = max(r.time for r in readings)
        return bp_alerts(readings, newest)

    def _spo2(self, scope: PersonScope) -> list[Alert]:
        zone = ZoneInfo(self._tz)
        points = [
            Point(datetime.fromtimestamp(t, zone), v) for t, v, _ in self._points(scope, SPO2_CODES)
        ]
        return spo2_alerts(points) if points else []

    def _resting_hr(self, scope: PersonScope) -> list[Alert]:
        zone = ZoneInfo(self._tz)
        by_day: dict[Any, list[tuple[datetime, float]]] = defaultdict(list)
        for t, v, _ in self._points(scope, (RESTING_HR,)):
            moment = datetime.fromtimestamp(t, zone)
            by_day[moment.date()].append((moment, v))
        if not by_day:
            return []
        daily = [
            Point(max(m for m, _ in items), sum(v for _, v in items) / len(items))
            for items in by_day.values()
        ]
        return resting_hr_alerts(daily, max(p.time for p in daily))

    # -- inbox -----------------------------------------------------------------------------

    def inbox(
        self, actor: Actor, person_id: str, *, unread_only: bool = False, limit: int = 100
    ) -> list[InboxAlert]:
        """The person's alerts, newest first."""
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        query = (
            select(HealthAlert)
            .where(HealthAlert.person_id == scope.person_id)
            .order_by(HealthAlert.start_at.desc(), HealthAlert.id.desc())
            .limit(max(1, min(limit, 500)))
        )
        if unread_only:
            query = query.where(HealthAlert.read_at.is_(None))
        return [_inbox_alert(row) for row in scope.session.scalars(query)]

    def unread_count(self, actor: Actor, person_id: str) -> int:
        scope = self._gate.open(actor, person_id, "read", resource_type=RESOURCE)
        count = scope.session.scalar(
            select(func.count())
            .select_from(ALERTS)
            .where(ALERTS.c.person_id == scope.person_id, ALERTS.c.read_at.is_(None))
        )
        return int(count or 0)

    def mark_read(self, actor: Actor, person_id: str, alert_id: int | None = None) -> int:
        """Mark one alert (or, without an id, every unread alert) read. Returns how many.

        Raises:
            NotFound: no such alert of this person (or no access).
        """
        scope = self._gate.open(
            actor,
            person_id,
            "write",
            resource_type=RESOURCE,
            resource_id=None if alert_id is None else str(alert_id),
        )
        statement = (
            update(ALERTS)
            .where(ALERTS.c.person_id == scope.person_id, ALERTS.c.read_at.is_(None))
            .values(read_at=self._clock.now())
        )
        if alert_id is not None:
            exists = scope.session.scalar(
                select(ALERTS.c.id).where(
                    ALERTS.c.person_id == scope.person_id, ALERTS.c.id == alert_id
                )
            )
            if exists is None:
                raise NotFound()
            statement = statement.where(ALERTS.c.id == alert_id)
        changed = getattr(scope.session.execute(statement), "rowcount", 0)
        if changed:
            scope.audit(
                "health_alert.read_mark", RESOURCE, None if alert_id is None else str(alert_id)
            )
        return int(changed or 0)


def _offset_min(moment: datetime) -> int | None:
    offset = moment.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)
