"""Alerts after imports: raised from the imported data, delivered once to the inbox, quiet
periods kept, read through the access gate, erased with the person."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from aegle.bootstrap import Platform
from aegle.core.errors import NotFound
from aegle.core.types import Role
from aegle.importers.cgm_csv import CGM_LOINC
from aegle.importers.cgm_csv import MANIFEST as CGM
from aegle.importers.model import ObservationRecord, ParsedFile
from aegle.services.actor import Actor

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=CST)


def _person(platform: Platform, name: str) -> Actor:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username=name, password="password1", locale="en")
    actor = Actor(user_id=user.id, role=Role.PATIENT, origin="test")
    with platform.unit_of_work() as s:
        scope = s.gate.open(actor, user.id, "write", resource_type="consent")
        s.consents.grant(scope, source=CGM.id, purpose="import")
    return actor


def _obs(code: str, value: float, ucum: str, at: datetime, device: str) -> ObservationRecord:
    return ObservationRecord(
        code=code,
        value=value,
        unit=ucum,
        ucum=ucum,
        effective=at,
        effective_text=at.isoformat(),
        device=device,
    )


def _cgm(values: list[float], start: datetime = T0) -> ParsedFile:
    return ParsedFile(
        observations=[
            _obs(CGM_LOINC, v, "mg/dL", start + timedelta(minutes=5 * i), "sensor")
            for i, v in enumerate(values)
        ]
    )


def _import(platform: Platform, actor: Actor, parsed: ParsedFile) -> dict[str, object]:
    assert actor.user_id
    with platform.unit_of_work() as s:
        return s.health_data.import_parsed(actor, actor.user_id, CGM, parsed).as_dict()


def test_an_import_with_a_low_raises_one_alert_once(platform: Platform) -> None:
    actor = _person(platform, "ana")
    assert actor.user_id
    low = [120.0] * 12 + [50.0] * 6 + [120.0] * 12
    first = _import(platform, actor, _cgm(low))
    assert first["alerts_raised"] == ["glucose_level2_hypo"]
    # The same data again adds no data and no alert.
    again = _import(platform, actor, _cgm(low))
    assert again["alerts_raised"] == []
    with platform.unit_of_work() as s:
        [alert] = s.health_data.alerts.inbox(actor, actor.user_id)
        assert s.health_data.alerts.unread_count(actor, actor.user_id) == 1
    assert alert.rule_id == "glucose_level2_hypo"
    assert alert.value == 50
    assert alert.start == T0 + timedelta(minutes=60)
    assert alert.start.utcoffset() == timedelta(hours=8)  # the person's zone (settings)
    assert "25 minutes" in alert.explanation.en
    assert "分钟" in alert.explanation.zh
    assert alert.sources[0].edition.startswith("Battelino")
    assert alert.as_dict("zh-CN")["title"] == "严重低血糖（2级）"


def test_quiet_period_and_a_later_event(platform: Platform) -> None:
    actor = _person(platform, "ben")
    assert actor.user_id
    dip = [120.0] * 6 + [50.0] * 5 + [120.0] * 6
    _import(platform, actor, _cgm(dip))
    # Another dip starting 55 minutes after the first one started: inside its quiet period.
    soon = _import(platform, actor, _cgm([50.0] * 5 + [120.0] * 6, T0 + timedelta(minutes=85)))
    assert soon["alerts_raised"] == []
    later = _import(platform, actor, _cgm(dip, T0 + timedelta(hours=6)))
    assert later["alerts_raised"] == ["glucose_level2_hypo"]


def test_inbox_is_private_and_can_be_marked_read(platform: Platform) -> None:
    owner = _person(platform, "cai")
    other = _person(platform, "dai")
    assert owner.user_id
    _import(platform, owner, _cgm([120.0] * 6 + [50.0] * 5 + [120.0] * 6))
    with platform.unit_of_work() as s, pytest.raises(NotFound):
        s.health_data.alerts.inbox(other, owner.user_id)
    with platform.unit_of_work() as s:
        [alert] = s.health_data.alerts.inbox(owner, owner.user_id)
        with pytest.raises(NotFound):
            s.health_data.alerts.mark_read(owner, owner.user_id, alert.id + 1000)
        assert s.health_data.alerts.mark_read(owner, owner.user_id, alert.id) == 1
    with platform.unit_of_work() as s:
        assert s.health_data.alerts.unread_count(owner, owner.user_id) == 0
        assert s.health_data.alerts.inbox(owner, owner.user_id, unread_only=True) == []
        [read] = s.health_data.alerts.inbox(owner, owner.user_id)
        assert read.read_at is not None


def test_blood_pressure_spo2_and_heart_rate_alerts_after_import(platform: Platform) -> None:
    actor = _person(platform, "eve")
    assert actor.user_id
    records = []
    for day in range(7):
        at = T0 + timedelta(days=day)
        sbp, dbp = (186.0, 100.0) if day == 6 else (140.0, 88.0)
        records += [
            _obs("8480-6", sbp, "mm[Hg]", at, "cuff"),
            _obs("8462-4", dbp, "mm[Hg]", at, "cuff"),
            _obs("40443-4", 104.0, "/min", at, "watch"),
        ]
    for minute, spo2 in ((0, 95.0), (10, 88.0), (20, 87.0), (30, 96.0)):
        records.append(_obs("59408-5", spo2, "%", T0 + timedelta(minutes=minute), "watch"))
    result = _import(platform, actor, ParsedFile(observations=records))
    assert sorted(result["alerts_raised"]) == [  # type: ignore[call-overload]
        "bp_crisis_range",
        "bp_home_average_high",
        "resting_hr_high",
        "spo2_low",
    ]


def test_alerts_are_in_the_fhir_export_and_erased_with_the_person(platform: Platform) -> None:
    from fhir.resources.R4B.flag import Flag
    from sqlalchemy import func, select

    from aegle.store.health import HealthAlert

    actor = _person(platform, "gus")
    assert actor.user_id
    _import(platform, actor, _cgm([120.0] * 6 + [50.0] * 5 + [120.0] * 6))
    with platform.unit_of_work() as s:
        bundle = s.privacy.export(actor, actor.user_id)
    [flag] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    Flag.model_validate(flag)
    assert flag["code"]["coding"][0]["code"] == "glucose_level2_hypo"
    assert flag["status"] == "active"
    with platform.unit_of_work() as s:
        s.privacy.erase(actor, actor.user_id)
    with platform.unit_of_work() as s:
        assert s.gate.session.scalar(select(func.count()).select_from(HealthAlert)) == 0
