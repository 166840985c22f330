"""Behavioural and fuzz tests of the CGM engine: parser robustness and metric invariants."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.core.errors import AegleError, InvalidInput
from aegle.vitals.cgm import GlucoseSeries, compute_all, day_by_day, mage, read_cgm_table
from aegle.vitals.cgm import summary as s
from aegle.vitals.cgm.metrics import METRIC_KEYS, METRICS

START = datetime(2024, 3, 1, 0, 0)


def _series(values: list[float], step_min: int = 5, tz: str = "Asia/Shanghai") -> GlucoseSeries:
    moments = [START + timedelta(minutes=step_min * i) for i in range(len(values))]
    return GlucoseSeries.from_local(moments, values, tz, "p")


def _table(rows: list[tuple[str, str, str]]) -> str:
    return "id,time,gl\n" + "\n".join(",".join(r) for r in rows) + "\n"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        subjects = read_cgm_table(text, "UTC")
    except AegleError:
        return
    assert subjects
    for series in subjects.values():
        assert series.size > 0
        assert np.all(np.diff(series.times) >= 0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.integers(min_value=0, max_value=5000),
            st.one_of(st.floats(min_value=20, max_value=600), st.just(float("nan"))),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_parser_groups_subjects_and_skips_missing(rows: list[tuple[str, int, float]]) -> None:
    text = _table(
        [
            (
                sid,
                (START + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:%S"),
                "NA" if np.isnan(gl) else f"{gl:.1f}",
            )
            for sid, m, gl in rows
        ]
    )
    present = [(sid, gl) for sid, _, gl in rows if not np.isnan(gl)]
    if not present:
        with pytest.raises(InvalidInput):
            read_cgm_table(text, "Asia/Shanghai")
        return
    subjects = read_cgm_table(text, "Asia/Shanghai")
    for sid in {sid for sid, _ in present}:
        assert subjects[sid].size == sum(1 for x, _ in present if x == sid)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("id,when,gl\na,2024-01-01 00:00:00,100\n", "time"),
        ("id,time,gl\na,yesterday,100\n", "Unreadable time"),
        ("id,time,gl\na,2024-01-01 00:00:00,abc\n", "unreadable glucose"),
        ("id,time,gl\na,2024-01-01 00:00:00,5000\n", "implausible"),
        ("id,time,gl\na,2024-01-01T00:00:00+08:00,100\n", "without an offset"),
        ("id,time,gl\n,2024-01-01 00:00:00,100\n", "empty subject"),
    ],
)
def test_parser_rejects_bad_tables_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_cgm_table(text, "UTC")


def test_mmol_is_converted_with_iglu_factor() -> None:
    text = _table([("a", "2024-01-01 00:00:00", "5.5")])
    assert read_cgm_table(text, "UTC", "mmol/L")["a"].glucose[0] == pytest.approx(99.0)


def test_unknown_time_zone_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        read_cgm_table(_table([("a", "2024-01-01 00:00:00", "100")]), "Mars/Olympus")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=40, max_value=400), min_size=2, max_size=300))
def test_range_percentages_partition_time(values: list[float]) -> None:
    gl = np.array(values)
    total = s.below_percent(gl, 70) + s.in_range_percent(gl, 70, 180) + s.above_percent(gl, 180)
    assert total == pytest.approx(100.0)
    assert 0.0 <= s.gri(gl) <= 100.0
    assert s.grade_hypo(gl) + s.grade_hyper(gl) <= 100.0 + 1e-9


def test_flat_trace_has_no_variability() -> None:
    series = _series([120.0] * 288 * 3)
    metrics = compute_all(series)
    assert metrics["SD"] == 0
    assert metrics["CONGA"] == 0
    assert metrics["MODD"] == 0
    assert metrics["GVP"] == 0
    assert metrics["in_range_70_180"] == 100
    assert np.isnan(metrics["MAGE"])  # no excursion larger than one SD


def test_mage_recovers_a_regular_swing() -> None:
    # A 4-hour sine wave between 80 and 220 mg/dL: every excursion is 140 mg/dL.
    minutes = np.arange(0, 3 * 1440, 5)
    values = 150 + 70 * np.sin(2 * np.pi * minutes / 240)
    assert mage(_series(list(values))) == pytest.approx(140, rel=0.02)


def test_gap_is_not_interpolated() -> None:
    values = [100.0] * 12 + [200.0] * 12
    moments = [START + timedelta(minutes=5 * i) for i in range(12)] + [
        START + timedelta(hours=3, minutes=5 * i) for i in range(12)
    ]
    grid = day_by_day(GlucoseSeries.from_local(moments, values, "UTC"))
    flat = grid.flat
    # 01:00-03:00 is a 2-hour gap: more than 45 minutes, so nothing is invented there.
    assert np.isnan(flat[(90 // 5) - 1])
    assert np.nanmax(flat[: (60 // 5)]) == 100.0


def test_day_grid_follows_the_local_time_zone() -> None:
    # 23:30 local on 1 March in Shanghai is 15:30 UTC: the grid starts at local midnight.
    series = _series([100.0, 110.0], tz="Asia/Shanghai")
    grid = day_by_day(series)
    assert str(grid.first_day) == "2024-03-01"
    assert grid.start == datetime.fromisoformat("2024-03-01T00:00:00+08:00").timestamp()


def test_metric_table_is_complete_and_referenced() -> None:
    assert len(set(METRIC_KEYS)) == len(METRIC_KEYS)
    for spec in METRICS:
        assert spec.unit
        assert "doi:" in spec.reference
    series = _series(list(100 + 40 * np.sin(np.arange(600) / 20)))
    values = compute_all(series)
    assert set(values) == set(METRIC_KEYS)
    assert all(isinstance(x, float) for x in values.values())


def test_duplicate_timestamps_keep_the_last_on_the_grid() -> None:
    moments = [
        START,
        START + timedelta(minutes=5),
        START + timedelta(minutes=5),
        START + timedelta(minutes=10),
    ]
    series = GlucoseSeries.from_local(moments, [100.0, 110.0, 130.0, 120.0], "UTC")
    assert day_by_day(series).flat[0] == 130.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=40, max_value=400), min_size=2, max_size=400),
    st.integers(min_value=1, max_value=15),
)
def test_grid_values_stay_within_the_readings(values: list[float], step: int) -> None:
    grid = day_by_day(_series(values, step_min=step))
    inside = grid.flat[~np.isnan(grid.flat)]
    assert inside.size > 0 or len(values) < 3
    if inside.size:
        assert inside.min() >= min(values) - 1e-9
        assert inside.max() <= max(values) + 1e-9
    assert 1440 % grid.dt0 == 0


def test_agp_percentiles_are_ordered_by_time_of_day() -> None:
    from aegle.vitals.cgm import agp_profile

    rng = np.random.default_rng(3)
    minutes = np.arange(0, 14 * 1440, 5)
    values = 130 + 40 * np.sin(2 * np.pi * minutes / 1440) + rng.normal(0, 10, minutes.size)
    profile = agp_profile(day_by_day(_series(list(values))))
    assert set(profile) == {5, 25, 50, 75, 95}
    stacked = np.vstack([profile[p] for p in (5, 25, 50, 75, 95)])
    ok = ~np.isnan(stacked).any(axis=0)
    assert ok.sum() >= 280
    assert np.all(np.diff(stacked[:, ok], axis=0) >= 0)
    # The median follows the daily rhythm: highest around 06:00 (sin peak), lowest around 18:00.
    median = profile[50]
    assert median[(6 * 60) // 5 - 1] > median[(18 * 60) // 5 - 1] + 50


@pytest.mark.parametrize(
    "tz", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca"]
)
def test_utc_offsets_match_zoneinfo_across_transitions(tz: str) -> None:
    from zoneinfo import ZoneInfo

    from aegle.vitals.cgm.series import utc_offsets

    times = np.sort(np.random.default_rng(7).uniform(1.5e9, 1.5e9 + 2 * 365 * 86400, 3000))
    want = [datetime.fromtimestamp(float(t), ZoneInfo(tz)).utcoffset() for t in times]
    got = utc_offsets(times, tz)
    assert [w.total_seconds() if w else 0.0 for w in want] == got.tolist()


def test_episodes_merge_short_recoveries_and_split_on_gaps() -> None:
    from aegle.vitals.cgm.episodes import event_spans

    # 20 min low, 10 min recovered (shorter than 15), 20 min low, 30 min recovered, then a gap,
    # then a low that lasts until the end of the data.
    flat = np.array([60.0] * 4 + [100.0] * 2 + [60.0] * 4 + [100.0] * 6 + [np.nan] * 3 + [60.0] * 5)
    spans = event_spans(flat, "hypo", 70, dur=3, end=3)
    assert spans.start.tolist() == [0, 19]
    assert spans.end.tolist() == [9, 23]
    assert event_spans(flat, "hyper", 180, dur=3, end=3).start.size == 0


def test_sparse_readings_give_raw_metrics_and_nan_for_grid_metrics() -> None:
    from aegle.vitals.cgm import compute_with_roc

    hourly = _series([100.0 + i for i in range(30)], step_min=60)
    values, roc = compute_with_roc(hourly)
    assert values["mean"] == pytest.approx(114.5)
    assert values["in_range_70_180"] == 100
    assert np.isnan(values["CONGA"])
    assert np.isnan(values["MAGE"])
    assert roc.size == 0
