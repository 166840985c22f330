"""Mean Amplitude of Glycaemic Excursions (MAGE), moving-average method.

Definition (Fernandes et al. 2022, doi:10.1177/19322968211061165, iglu's default `mage`):
the trace is interpolated on a 5-minute grid; gaps longer than `max_gap` minutes split it into
segments. In each segment, crossings of a short (5-point) and a long (32-point) right-aligned
moving average delimit intervals; the extreme glucose value in each interval is a turning point.
Nadir-to-peak (MAGE+) and peak-to-nadir (MAGE-) excursions larger than one SD of the segment's
glucose are averaged; the result is the mean of MAGE+ and MAGE- weighted by segment length.
Service et al. 1970, doi:10.2337/diab.19.9.644 gives the original definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aegle.vitals.cgm.grid import DEFAULT_INTER_GAP, DayGrid, day_by_day
from aegle.vitals.cgm.series import FloatArray, GlucoseSeries

NAN = float("nan")
_REL_MIN = 0
_REL_MAX = 1


@dataclass(frozen=True, slots=True)
class _SegmentMage:
    length_minutes: float
    plus: float
    minus: float


def _right_moving_mean(values: FloatArray, width: int) -> FloatArray:
    """Right-aligned moving mean ignoring NaN; the first `width` entries take the first full
    window's value (iglu fills the warm-up this way)."""
    n = values.size
    out = np.full(n, np.nan)
    if n < width:
        return out
    ok = ~np.isnan(values)
    csum = np.concatenate(([0.0], np.cumsum(np.where(ok, values, 0.0))))
    ccount = np.concatenate(([0], np.cumsum(ok)))
    sums = csum[width:] - csum[:-width]
    counts = ccount[width:] - ccount[:-width]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[width - 1 :] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    out[:width] = out[width - 1]
    return out


def _crossings(gl: FloatArray, delta: FloatArray) -> tuple[list[int], list[int]]:
    """Positions where the short and long averages cross, with the kind of extreme that the
    interval starting there holds, plus the first and last points."""
    n = gl.size
    ids = [0]
    kinds = [_REL_MAX if delta[0] > 0 else _REL_MIN]
    valid = ~np.isnan(gl) & ~np.isnan(delta)
    pair_ok = valid[1:] & valid[:-1]
    product = delta[1:] * delta[:-1]
    # Between two valid neighbours of the same sign nothing can cross, unless the previous pair
    # was invalid (a gap) or zero: only those positions need the step-by-step rule.
    prev_ok = np.concatenate(([False], pair_ok[:-1]))
    candidates = np.nonzero(pair_ok & ((product <= 0) | ~prev_ok))[0] + 1
    for i in candidates.tolist():
        if product[i - 1] < 0:
            ids.append(i)
            kinds.append(_REL_MIN if delta[i] < delta[i - 1] else _REL_MAX)
        else:
            prev = delta[ids[-1]]
            if delta[i] * prev < 0:
                ids.append(i)
                kinds.append(_REL_MIN if delta[i] < prev else _REL_MAX)
    last = delta[n - 1]
    if not math.isnan(last):
        ids.append(n - 1)
        kinds.append(_REL_MAX if last > 0 else _REL_MIN)
    return ids, kinds


def _turning_points(gl: FloatArray, ids: list[int], kinds: list[int]) -> FloatArray:
    extremes = np.full(len(ids) - 1, np.nan)
    # NaN never wins: +inf for minima, -inf for maxima (an all-missing window stays missing).
    for_min = np.where(np.isnan(gl), np.inf, gl)
    for_max = np.where(np.isnan(gl), -np.inf, gl)
    previous = ids[0]
    for i in range(len(ids) - 1):
        left = ids[0] if i == 0 else previous
        right = ids[i + 1] + 1
        if right <= left:
            previous = left
            continue
        if kinds[i] == _REL_MIN:
            k = int(for_min[left:right].argmin())
        else:
            k = int(for_max[left:right].argmax())
        value = gl[left + k]
        if math.isnan(value):
            previous = left
            continue
        extremes[i] = value
        previous = left + k
    return extremes


def _excursions(minmax: FloatArray, sd: float, plus: bool) -> list[float]:
    """Heights of countable excursions (nadir->peak if `plus`, else peak->nadir), iglu's
    left-to-right elimination of excursions smaller than one SD."""
    m = (minmax if plus else -minmax).tolist()  # MAGE- is MAGE+ on the mirrored trace
    n = len(m)
    heights: list[float] = []
    j = prev_j = 0
    # Running argmin of m over [prev_j, j] (first occurrence, NaN skipped): the nadir that
    # maximises m[j] - m[i].
    lo: int | None = None
    span = (-1, -1)
    while j < n:
        state = (j, prev_j)
        if span[0] != prev_j or span[1] > j:
            lo, start = None, prev_j
        else:
            start = span[1] + 1
        for i in range(start, j + 1):
            if m[i] == m[i] and (lo is None or m[i] < m[lo]):
                lo = i
        span = (prev_j, j)
        if lo is None or m[j] != m[j] or not (m[j] - m[lo] >= sd):
            j += 1
            continue
        i = lo
        for k in range(j, n):
            if m[k] > m[j]:
                j = k
            if m[k] - m[j] < -sd or k == n - 1:
                heights.append(m[j] - m[i])
                prev_j = k if plus else j
                j = k
                break
        if (j, prev_j) == state:
            break  # no progress (iglu would loop forever here); the scan is complete
    return heights


def _segment_mage(gl: FloatArray, short_ma: int, long_ma: int) -> tuple[float, float] | None:
    if np.isnan(gl).all() or gl.size < 7 or gl.size < long_ma:
        return None
    delta = _right_moving_mean(gl, short_ma) - _right_moving_mean(gl, long_ma)
    ids, kinds = _crossings(gl, delta)
    if len(ids) < 2:
        return None
    minmax = _turning_points(gl, ids, kinds)
    finite = gl[~np.isnan(gl)]
    sd = float(np.std(finite, ddof=1)) if finite.size > 1 else NAN
    if math.isnan(sd) or sd == 0:
        return None  # a flat segment has no excursions
    up = _excursions(minmax, sd, plus=True)
    down = _excursions(minmax, sd, plus=False)
    if not up and not down:
        return None
    return (float(np.mean(up)) if up else NAN, float(np.mean(down)) if down else NAN)


def mage(
    series: GlucoseSeries,
    short_ma: int = 5,
    long_ma: int = 32,
    inter_gap: float = DEFAULT_INTER_GAP,
    max_gap: float = 180,
    grid: DayGrid | None = None,
) -> float:
    """MAGE, mg/dL (direction "avg": mean of MAGE+ and MAGE-, weighted by segment length).

    Args:
        series: the readings.
        short_ma, long_ma: moving-average widths in 5-minute points.
        inter_gap: minutes bridged by interpolation.
        max_gap: gaps longer than this (minutes) split the trace into segments.
        grid: the series' 5-minute day grid with the same `inter_gap`, if already built.

    Returns NaN when the trace is too short or has no countable excursion.
    """
    if grid is None or grid.dt0 != 5:
        grid = day_by_day(series, dt0=5, inter_gap=inter_gap)
    dt0 = grid.dt0
    short_ma = round(short_ma * 5 / dt0)
    long_ma = round(long_ma * 5 / dt0)
    if short_ma >= long_ma:
        short_ma, long_ma = long_ma, short_ma
    flat = grid.flat
    present = np.nonzero(~np.isnan(flat))[0]
    if present.size == 0:
        return NAN
    gl = flat[present[0] : present[-1] + 1]
    if gl.size < 7 or gl.size < long_ma:
        return NAN
    segments = _split_on_gaps(gl, dt0, max_gap)
    results: list[_SegmentMage] = []
    for lo, hi in segments:
        value = _segment_mage(gl[lo:hi], short_ma, long_ma)
        if value is not None:
            results.append(_SegmentMage((hi - 1 - lo) * dt0, value[0], value[1]))
    rows = [(r.length_minutes, v) for r in results for v in (r.plus, r.minus) if not math.isnan(v)]
    if not rows:
        return NAN
    total = sum(length for length, _ in rows)
    if total == 0:
        return NAN
    return sum(length * v for length, v in rows) / total


def _split_on_gaps(gl: FloatArray, dt0: int, max_gap: float) -> list[tuple[int, int]]:
    """Index ranges of the pieces between missing runs longer than `max_gap` minutes (the
    long gaps themselves are left out: they hold no excursion)."""
    missing = np.isnan(gl)
    edges = np.nonzero(np.diff(missing.astype(np.int8)))[0] + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [gl.size]))
    pieces: list[tuple[int, int]] = []
    cursor = 0
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if missing[s] and (e - s) * dt0 > max_gap:
            if s > cursor:
                pieces.append((cursor, s))
            cursor = e
    if cursor < gl.size:
        pieces.append((cursor, gl.size))
    return pieces
