"""Hypo- and hyperglycaemic episodes and the Personal Glycemic State (PGS).

Episodes follow the 2023 consensus (Battelino et al., doi:10.1016/S2213-8587(22)00319-9) as iglu
implements them: on the interpolated grid, an episode starts with at least `dur_length` minutes
beyond the threshold (< for hypo, > for hyper) and ends just before at least `end_length` minutes
back on the other side. Level 2 episodes are a subset of level 1; "lv1_excl" are level 1 episodes
that never reach level 2; "extended" hypoglycaemia lasts more than 120 minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from aegle.vitals.cgm.grid import DEFAULT_INTER_GAP, DayGrid, day_by_day
from aegle.vitals.cgm.series import FloatArray, GlucoseSeries
from aegle.vitals.cgm.summary import in_range_percent, mean_glu
from aegle.vitals.cgm.variability import gvp

NAN = float("nan")
Kind = Literal["hypo", "hyper"]
Level = Literal["lv1", "lv2", "extended", "lv1_excl"]


@dataclass(frozen=True, slots=True)
class EpisodeSummary:
    """Summary of one episode type.

    Attributes:
        kind, level: which episodes.
        avg_ep_per_day: episodes per day of (interpolated) data.
        avg_ep_duration: mean duration, minutes.
        avg_ep_gl: mean of the episodes' mean glucose, mg/dL (NaN without episodes).
        total_episodes: count.
    """

    kind: Kind
    level: Level
    avg_ep_per_day: float
    avg_ep_duration: float
    avg_ep_gl: float
    total_episodes: int


IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Spans:
    """Episodes as inclusive index ranges on the flattened grid (each inside one gap-free
    segment), sorted by start."""

    start: IntArray
    end: IntArray


def _segment_bounds(flat: FloatArray) -> tuple[IntArray, IntArray]:
    """Start and (exclusive) end of every run of non-missing grid values."""
    present = ~np.isnan(flat)
    padded = np.concatenate(([False], present, [False])).astype(np.int8)
    change = np.diff(padded)
    return np.nonzero(change == 1)[0], np.nonzero(change == -1)[0]


def event_spans(flat: FloatArray, kind: Kind, threshold: float, dur: int, end: int) -> Spans:
    """Episodes on the grid `flat` (NaN = missing, which splits segments).

    An episode starts at a run of at least `dur` points beyond the threshold (< for hypo,
    > for hyper) and ends just before the next run of at least `end` points that are not, or at
    the end of its segment; starts that fall inside an episode merge into it.
    """
    seg_start, seg_end = _segment_bounds(flat)
    if seg_start.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty, empty)
    with np.errstate(invalid="ignore"):
        beyond = flat < threshold if kind == "hypo" else flat > threshold
    state = np.where(np.isnan(flat), -1, beyond.astype(np.int8))
    # Runs of equal state; missing points (-1) form their own runs and are skipped.
    edges = np.nonzero(state[1:] != state[:-1])[0] + 1
    run_start = np.concatenate(([0], edges))
    run_end = np.concatenate((edges, [flat.size]))
    run_state = state[run_start]
    length = run_end - run_start
    begins = run_start[(run_state == 1) & (length >= dur)]
    if begins.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty, empty)
    closes = run_start[(run_state == 0) & (length >= end)]
    segment = np.searchsorted(seg_start, begins, side="right") - 1
    limit = seg_end[segment]
    k = np.searchsorted(closes, begins, side="right")
    padded_closes = np.concatenate((closes, [flat.size]))  # "no later close" -> segment end
    following = padded_closes[k]
    stop = np.minimum(following, limit) - 1
    keep = np.ones(begins.size, dtype=bool)
    keep[1:] = stop[1:] != stop[:-1]  # a later start inside the same episode merges into it
    return Spans(begins[keep].astype(np.int64), stop[keep].astype(np.int64))


def _summarise(
    kind: Kind, level: Level, spans: Spans, flat: FloatArray, dt0: int
) -> EpisodeSummary:
    if spans.start.size == 0:
        return EpisodeSummary(kind, level, 0.0, 0.0, NAN, 0)
    total_points = int(np.count_nonzero(~np.isnan(flat)))
    csum = np.concatenate(([0.0], np.cumsum(np.where(np.isnan(flat), 0.0, flat))))
    lengths = spans.end - spans.start + 1
    means = (csum[spans.end + 1] - csum[spans.start]) / lengths
    days = total_points * dt0 / 60.0 / 24.0
    return EpisodeSummary(
        kind,
        level,
        spans.start.size / days,
        float(np.mean(lengths)) * dt0,
        float(np.mean(means)),
        int(spans.start.size),
    )


def _exclusive(lv1: Spans, lv2: Spans) -> Spans:
    """Level 1 episodes that contain no level 2 episode (spans are disjoint and sorted)."""
    overlapping = np.searchsorted(lv2.start, lv1.end, side="right") - np.searchsorted(
        lv2.end, lv1.start, side="left"
    )
    keep = overlapping <= 0
    return Spans(lv1.start[keep], lv1.end[keep])


def episodes_on_grid(
    grid: DayGrid,
    lv1_hypo: float = 70,
    lv2_hypo: float = 54,
    lv1_hyper: float = 180,
    lv2_hyper: float = 250,
    dur_length: int = 15,
    end_length: int = 15,
) -> list[EpisodeSummary]:
    """Episode summaries in iglu's row order: hypo lv1, lv2, extended; hyper lv1, lv2;
    hypo lv1_excl; hyper lv1_excl. Thresholds mg/dL, durations minutes."""
    dt0 = grid.dt0
    dur = math.ceil(dur_length / dt0)
    end = math.ceil(end_length / dt0)
    flat = grid.flat
    hypo1 = event_spans(flat, "hypo", lv1_hypo, dur, end)
    hypo2 = event_spans(flat, "hypo", lv2_hypo, dur, end)
    hypo_ext = event_spans(flat, "hypo", lv1_hypo, int(120 / dt0) + 1, end)
    hyper1 = event_spans(flat, "hyper", lv1_hyper, dur, end)
    hyper2 = event_spans(flat, "hyper", lv2_hyper, dur, end)
    return [
        _summarise("hypo", "lv1", hypo1, flat, dt0),
        _summarise("hypo", "lv2", hypo2, flat, dt0),
        _summarise("hypo", "extended", hypo_ext, flat, dt0),
        _summarise("hyper", "lv1", hyper1, flat, dt0),
        _summarise("hyper", "lv2", hyper2, flat, dt0),
        _summarise("hypo", "lv1_excl", _exclusive(hypo1, hypo2), flat, dt0),
        _summarise("hyper", "lv1_excl", _exclusive(hyper1, hyper2), flat, dt0),
    ]


def episode_calculation(
    series: GlucoseSeries, inter_gap: float = DEFAULT_INTER_GAP, **thresholds: float
) -> list[EpisodeSummary]:
    """Episodes of `series` with iglu's defaults (70/54 hypo, 180/250 hyper, 15 min)."""
    grid = day_by_day(series, inter_gap=inter_gap)
    return episodes_on_grid(grid, **thresholds)  # type: ignore[arg-type]


def pgs(
    series: GlucoseSeries, grid: DayGrid | None = None, dur_length: int = 20, end_length: int = 30
) -> float:
    """Personal Glycemic State, 4 (best) to 40: f(GVP) + g(mean) + h(TIR 70-180) + hypoglycaemia
    terms from weekly episodes <54 and 54-<70 mg/dL (episodes of >= 20 min ending after 30 min).
    Hirsch et al. 2017, doi:10.1089/dia.2017.0080.

    The <54 term uses iglu's constant 0.81093 (the iglu documentation prints 0.91093).
    """
    g = grid if grid is not None else day_by_day(series)
    gl = series.glucose
    f_gvp = 1 + 9 / (1 + math.exp(-0.049 * (gvp(g) - 65.47)))
    f_tir = 1 + 9 / (1 + math.exp(0.0833 * (in_range_percent(gl, 70, 180) - 55.04)))
    mg = mean_glu(gl)
    f_mg = 1 + 9 * (
        1 / (1 + math.exp(0.1139 * (mg - 72.08))) + 1 / (1 + math.exp(-0.09195 * (mg - 157.57)))
    )
    eps = episodes_on_grid(
        g, lv1_hypo=70, lv2_hypo=54, dur_length=dur_length, end_length=end_length
    )
    n54 = eps[1].avg_ep_per_day * 7
    n70 = eps[5].avg_ep_per_day * 7
    f_h54 = 0.5 + 4.5 * (1 - math.exp(-0.81093 * n54))
    f_h70 = 0.5714 * n70 + 0.625 if n70 <= 7.65 else 5.0
    return f_gvp + f_tir + f_mg + f_h54 + f_h70
