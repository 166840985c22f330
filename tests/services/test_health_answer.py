"""The chat answer and the snapshot from stored data: BP pairs, sleep stages, weights in lb."""

from __future__ import annotations

from datetime import timedelta

from aegle.bootstrap import Platform
from aegle.importers.apple_health.mapping import SLEEP_CODE_PREFIX
from aegle.importers.model import ObservationRecord, ParsedFile
from tests.services.test_health_alerts import _import, _obs, _person


def _sleep(
    stage: str, start_h: float, end_h: float, day: int, platform: Platform
) -> ObservationRecord:
    base = platform.clock.now() - timedelta(days=day)
    start = base + timedelta(hours=start_h)
    end = base + timedelta(hours=end_h)
    return ObservationRecord(
        code=SLEEP_CODE_PREFIX + stage,
        value=(end - start).total_seconds() / 60,
        unit="min",
        ucum="min",
        effective=start,
        effective_text=start.isoformat(),
        device="watch",
        effective_end=end,
    )


def test_answers_from_stored_data(platform: Platform) -> None:
    actor = _person(platform, "fay")
    assert actor.user_id
    now = platform.clock.now()
    records = []
    for day in range(1, 6):
        at = now - timedelta(days=day)
        records += [
            _obs("8480-6", 150.0, "mm[Hg]", at, "cuff"),
            _obs("8462-4", 95.0, "mm[Hg]", at, "cuff"),
            _obs("29463-7", 176.0, "[lb_av]", at, "scale"),
            _sleep("InBed", -2.0, 5.0, day, platform),
            _sleep("AsleepCore", -1.5, 2.0, day, platform),
            _sleep("Awake", 2.0, 2.5, day, platform),
            _sleep("AsleepDeep", 2.5, 4.5, day, platform),
        ]
    records.append(_obs("8302-2", 175.0, "cm", now - timedelta(days=2), "phone"))
    _import(platform, actor, ParsedFile(observations=records))
    with platform.unit_of_work() as s:
        snapshot = s.health_data.snapshot(actor, actor.user_id, days=14)
        bp = s.health_data.answer(actor, actor.user_id, "我最近血压怎么样", "zh-CN")
        sleep = s.health_data.answer(actor, actor.user_id, "how did I sleep this week", "en")
        weight = s.health_data.answer(actor, actor.user_id, "weight", "en")
    assert len(snapshot.bp) == 5
    assert len(snapshot.sleep) == 5
    assert snapshot.sleep[0].total_sleep_min == 330  # 3.5 h core + 2 h deep
    assert round(snapshot.weight[0].value, 1) == 79.8  # 176 lb
    assert snapshot.height_m == 1.75
    assert "150/95" in bp.text
    assert bp.cards[0].kind == "chart"
    assert "5.5 hours" in sleep.text
    assert "BMI is 26.1" in weight.cards[1].items[0]


def test_a_snapshot_reads_only_the_kinds_asked_for(platform: Platform) -> None:
    actor = _person(platform, "gus")
    assert actor.user_id
    at = platform.clock.now() - timedelta(days=1)
    records = [
        _obs("8480-6", 128.0, "mm[Hg]", at, "cuff"),
        _obs("8462-4", 82.0, "mm[Hg]", at, "cuff"),
        _obs("29463-7", 70.0, "kg", at, "scale"),
        _sleep("AsleepCore", -1.0, 6.0, 1, platform),
    ]
    _import(platform, actor, ParsedFile(observations=records))
    with platform.unit_of_work() as s:
        everything = s.health_data.snapshot(actor, actor.user_id)
        blood_pressure = s.health_data.snapshot(actor, actor.user_id, kinds={"bp"})
        sleep = s.health_data.snapshot(actor, actor.user_id, kinds={"sleep"})
    assert [everything.has(k) for k in ("bp", "weight", "sleep")] == [True, True, True]
    assert blood_pressure.bp == everything.bp
    assert not blood_pressure.weight
    assert not blood_pressure.sleep
    assert sleep.sleep == everything.sleep
    assert not sleep.bp


def test_the_blood_pressure_scheme_follows_the_setting(platform: Platform) -> None:
    settings = platform.settings
    acc = Platform(
        settings.model_copy(
            update={"vitals": settings.vitals.model_copy(update={"bp_scheme": "acc_aha2017"})}
        ),
        clock=platform.clock,
    )
    actor = _person(platform, "hal")
    assert actor.user_id
    at = platform.clock.now() - timedelta(days=1)
    records = [
        _obs("8480-6", 128.0, "mm[Hg]", at, "cuff"),
        _obs("8462-4", 84.0, "mm[Hg]", at, "cuff"),
    ]
    _import(platform, actor, ParsedFile(observations=records))
    answers = {}
    for name, which in (("cn", platform), ("acc", acc)):
        with which.unit_of_work() as s:
            answers[name] = s.health_data.answer(actor, actor.user_id, "my blood pressure", "en")
    acc.close()
    cited = {
        name: {c.title for card in a.cards for c in card.citations} for name, a in answers.items()
    }
    assert any("ACC/AHA" in title for title in cited["acc"]), cited
    assert not any("ACC/AHA" in title for title in cited["cn"]), cited
