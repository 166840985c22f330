"""Golden tests: our CGM metrics against R iglu 4.2.2's outputs on iglu's example data
(`../shared/data/cgm-iglu`, see SOURCE.md there)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aegle.vitals.cgm import (
    GlucoseSeries,
    compute_all,
    day_by_day,
    episode_calculation,
    rate_of_change,
    read_cgm_table,
)
from aegle.vitals.cgm import summary as s
from aegle.vitals.cgm import variability as v

DATA = Path(__file__).resolve().parents[2] / "../shared/data/cgm-iglu"
EXPECTED = DATA / "iglu_R_expected_results__dev.json"
TZ = "Asia/Jerusalem"  # the zone the reference values were generated in
FILES = ("simple_test_1.csv", "example_data_5_subject__subjects_1-3.csv")
NOT_METRICS = {"id", "start_date", "end_date", "type", "level"}


@cache
def _runs() -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = json.loads(EXPECTED.read_text())["test_runs"]
    return runs


def _file_of(run: dict[str, Any]) -> str:
    return str(run["input_file_name"]).rsplit("/", 1)[-1].split(" ")[0]


@cache
def _series(name: str) -> dict[str, GlucoseSeries]:
    return read_cgm_table((DATA / name).read_text(), TZ)


def _close(got: float, want: float | None, rel: float = 1e-6) -> bool:
    if want is None:
        return math.isnan(got)
    return abs(got - want) <= max(1e-9, rel * abs(want))


def _scalar_expectations(name: str) -> list[tuple[str, str, str, float | None]]:
    rows = []
    for run in _runs():
        if run["kwargs"] or _file_of(run) != name:
            continue
        if run["method"] in ("CGMS2DayByDay", "episode_calculation", "roc"):
            continue
        table = run["results"]
        for row, subject in table["id"].items():
            for column, values in table.items():
                if column not in NOT_METRICS:
                    rows.append((run["method"], subject, column, values[row]))
    return rows


@pytest.mark.parametrize("name", FILES)
def test_every_default_iglu_column_matches(name: str) -> None:
    expectations = _scalar_expectations(name)
    assert len(expectations) > 50
    got = {subject: compute_all(series) for subject, series in _series(name).items()}
    failures = [
        (method, subject, column, want, got[subject].get(column))
        for method, subject, column, want in expectations
        if column not in got[subject] or not _close(got[subject][column], want)
    ]
    assert failures == []


@pytest.mark.parametrize("name", FILES)
def test_rate_of_change_series_matches(name: str) -> None:
    run = next(
        r for r in _runs() if r["method"] == "roc" and not r["kwargs"] and _file_of(r) == name
    )
    table = run["results"]
    for subject, series in _series(name).items():
        want = np.array(
            [
                np.nan if table["roc"][row] is None else table["roc"][row]
                for row, sid in table["id"].items()
                if sid == subject
            ]
        )
        got = rate_of_change(series)
        assert got.shape == want.shape
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "run_index",
    [i for i, r in enumerate(_runs()) if r["method"] == "CGMS2DayByDay"],
)
def test_day_by_day_grid_matches_cgms2daybyday(run_index: int) -> None:
    run = _runs()[run_index]
    series = next(iter(_series(_file_of(run)).values()))
    grid = day_by_day(series, **run["kwargs"])
    want = np.array([[np.nan if x is None else x for x in row] for row in run["results"]["gd2d"]])
    assert grid.dt0 == run["results"]["dt0"]
    assert str(grid.first_day) == run["results"]["actual_dates"][0][:10]
    assert grid.values.shape == want.shape
    assert np.array_equal(np.isnan(grid.values), np.isnan(want))
    assert np.allclose(grid.values[~np.isnan(want)], want[~np.isnan(want)], rtol=1e-12)


@pytest.mark.parametrize("name", FILES)
def test_episodes_match(name: str) -> None:
    run = next(
        r
        for r in _runs()
        if r["method"] == "episode_calculation" and not r["kwargs"] and _file_of(r) == name
    )
    table = run["results"]
    for subject, series in _series(name).items():
        want = [row for row, sid in table["id"].items() if sid == subject]
        got = episode_calculation(series)
        assert len(got) == len(want) == 7
        for summary, row in zip(got, want, strict=True):
            assert (summary.kind, summary.level) == (table["type"][row], table["level"][row])
            assert summary.total_episodes == table["total_episodes"][row]
            assert _close(summary.avg_ep_per_day, table["avg_ep_per_day"][row])
            assert _close(summary.avg_ep_duration, table["avg_ep_duration"][row])
            assert _close(summary.avg_ep_gl, table["avg_ep_gl"][row])


@pytest.mark.parametrize("name", FILES)
def test_non_default_parameters_match(name: str) -> None:
    runs = {
        r["method"]: r["results"]
        for r in _runs()
        if r["kwargs"] and _file_of(r) == name and r["method"] != "CGMS2DayByDay"
    }
    for row, subject in runs["above_percent"]["id"].items():
        series = _series(name)[subject]
        gl = series.glucose
        for target in (50, 100, 250):
            assert _close(
                s.above_percent(gl, target), runs["above_percent"][f"above_{target}"][row]
            )
        for target in (30, 100):
            assert _close(
                s.below_percent(gl, target), runs["below_percent"][f"below_{target}"][row]
            )
        assert _close(s.cogi(gl, 80, 180), runs["cogi"]["COGI"][row])
        assert _close(v.conga(day_by_day(series), hours=96), runs["conga"]["CONGA"][row])
        active = v.active_percent(series, dt0=10)
        assert _close(active["active_percent"], runs["active_percent"]["active_percent"][row])
