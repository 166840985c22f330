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


Span = tuple[int, int]  # inclusive positions within one segment


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[list[int], list[int], list[bool]]:
    n = mask.size
    edges = np.nonzero(mask[1:] != mask[:-1])[0] + 1
    starts = np.concatenate(([0], edges)).tolist()
    ends = np.concatenate((edges, [n])).tolist()
    return starts, ends, [bool(mask[s]) for s in starts]


def event_spans(gl: FloatArray, kind: Kind, threshold: float, dur: int, end: int) -> list[Span]:
    """Episodes in one gap-free segment, as inclusive index spans.

    Args:
        gl: segment glucose (mg/dL, no NaN).
        kind: "hypo" (gl < threshold) or "hyper" (gl > threshold).
        dur: minimal number of grid points beyond the threshold to start an episode.
        end: minimal number of grid points back in range to end it.
    """
    if gl.size == 0:
        return []
    beyond = gl < threshold if kind == "hypo" else gl > threshold
    starts, stops, values = _runs(beyond)
    begin = [s for s, e, v in zip(starts, stops, values, strict=True) if v and e - s >= dur]
    if not begin:
        return []
    closes = [s for s, e, v in zip(starts, stops, values, strict=True) if not v and e - s >= end]
    boundaries = np.array([0, *closes, gl.size])
    spans: list[Span] = []
    seen: set[int] = set()
    for s in begin:
        stop = int(boundaries[np.searchsorted(boundaries, s, side="right")]) - 1
        if stop not in seen:
            seen.add(stop)
            spans.append((s, stop))
    return spans


def _segments(flat: FloatArray) -> list[FloatArray]:
    present = ~np.isnan(flat)
    starts, stops, values = _runs(present)
    return [flat[s:e] for s, e, v in zip(starts, stops, values, strict=True) if v]


def _summarise(
    kind: Kind, level: Level, spans: list[list[Span]], segments: list[FloatArray], dt0: int
) -> EpisodeSummary:
    total_points = sum(seg.size for seg in segments)
    lengths: list[int] = []
    means: list[float] = []
    for seg, seg_spans in zip(segments, spans, strict=True):
        for s, e in seg_spans:
            lengths.append(e - s + 1)
            means.append(float(np.mean(seg[s : e + 1])))
    if not lengths:
        return EpisodeSummary(kind, level, 0.0, 0.0, NAN, 0)
    days = total_points * dt0 / 60.0 / 24.0
    return EpisodeSummary(
        kind,
        level,
        len(lengths) / days,
        float(np.mean(lengths)) * dt0,
        float(np.mean(means)),
        len(lengths),
    )


def _exclusive(lv1: list[Span], lv2: list[Span]) -> list[Span]:
    return [(s, e) for s, e in lv1 if not any(s2 <= e and e2 >= s for s2, e2 in lv2)]


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
    segments = _segments(grid.flat)

    def spans(kind: Kind, threshold: float, need: int) -> list[list[Span]]:
        return [event_spans(seg, kind, threshold, need, end) for seg in segments]

    hypo1 = spans("hypo", lv1_hypo, dur)
    hypo2 = spans("hypo", lv2_hypo, dur)
    hypo_ext = spans("hypo", lv1_hypo, int(120 / dt0) + 1)
    hyper1 = spans("hyper", lv1_hyper, dur)
    hyper2 = spans("hyper", lv2_hyper, dur)
    hypo_excl = [_exclusive(a, b) for a, b in zip(hypo1, hypo2, strict=True)]
    hyper_excl = [_exclusive(a, b) for a, b in zip(hyper1, hyper2, strict=True)]
    return [
        _summarise("hypo", "lv1", hypo1, segments, dt0),
        _summarise("hypo", "lv2", hypo2, segments, dt0),
        _summarise("hypo", "extended", hypo_ext, segments, dt0),
        _summarise("hyper", "lv1", hyper1, segments, dt0),
        _summarise("hyper", "lv2", hyper2, segments, dt0),
        _summarise("hypo", "lv1_excl", hypo_excl, segments, dt0),
        _summarise("hyper", "lv1_excl", hyper_excl, segments, dt0),
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
