"""Standard charts as self-contained SVG (no plotting dependency; browsers render CJK text).

`agp_svg`: the Ambulatory Glucose Profile (5-95 % and 25-75 % bands and the median by time of day,
target range 70-180 mg/dL) with the time-in-ranges bar, laid out as in the consensus AGP report
(Battelino et al. 2019, doi:10.2337/dci19-0028). `trend_svg`: one or more dated series (blood
pressure, weight, resting heart rate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final
from xml.sax.saxutils import escape

import numpy as np

from aegle.core.types import LocaleCode, LocalizedText
from aegle.vitals.cgm.grid import DayGrid
from aegle.vitals.cgm.series import MMOL_TO_MGDL, FloatArray
from aegle.vitals.cgm.summary import above_percent, below_percent, in_range_percent
from aegle.vitals.cgm.variability import agp_profile

_W: Final = 720
_H: Final = 300
_BAR_W: Final = 150
_PAD_L: Final = 56
_PAD_R: Final = 16
_PAD_T: Final = 34
_PAD_B: Final = 34

_AGP_TITLE = LocalizedText(zh="动态血糖图谱（AGP）", en="Ambulatory Glucose Profile (AGP)")
_TIR_TITLE = LocalizedText(zh="各范围内时间", en="Time in ranges")
_BANDS: Final[tuple[tuple[str, LocalizedText, str], ...]] = (
    ("very_high", LocalizedText(zh="极高 >250", en="Very high >250"), "#e4572e"),
    ("high", LocalizedText(zh="高 181–250", en="High 181–250"), "#f3a712"),
    ("in_range", LocalizedText(zh="目标 70–180", en="In range 70–180"), "#29bf12"),
    ("low", LocalizedText(zh="低 54–69", en="Low 54–69"), "#e63946"),
    ("very_low", LocalizedText(zh="极低 <54", en="Very low <54"), "#8b0000"),
)
_BANDS_MMOL = {
    "very_high": LocalizedText(zh="极高 >13.9", en="Very high >13.9"),
    "high": LocalizedText(zh="高 10.1–13.9", en="High 10.1–13.9"),
    "in_range": LocalizedText(zh="目标 3.9–10.0", en="In range 3.9–10.0"),
    "low": LocalizedText(zh="低 3.0–3.8", en="Low 3.0–3.8"),
    "very_low": LocalizedText(zh="极低 <3.0", en="Very low <3.0"),
}

BAND_COLOURS: Final = {key: colour for key, _, colour in _BANDS}


def band_label(key: str, unit: str) -> LocalizedText:
    """A time-in-range band's label, with its limits in the unit shown."""
    if unit == "mmol/L":
        return _BANDS_MMOL[key]
    return next(label for band, label, _ in _BANDS if band == key)


def _f(x: float) -> str:
    return f"{x:.1f}"


def time_in_ranges(gl: FloatArray) -> dict[str, float]:
    """Percent of readings in the five consensus bands (mg/dL): <54, 54-69, 70-180, 181-250,
    >250. Battelino et al. 2019, doi:10.2337/dci19-0028."""
    very_low = below_percent(gl, 54)
    very_high = above_percent(gl, 250)
    return {
        "very_low": very_low,
        "low": below_percent(gl, 70) - very_low,
        "in_range": in_range_percent(gl, 70, 180),
        "high": above_percent(gl, 180) - very_high,
        "very_high": very_high,
    }


def _polyline(xs: FloatArray, ys: FloatArray) -> list[list[tuple[float, float]]]:
    """Split at NaN into runs of points."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if math.isnan(y):
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y))
    if current:
        runs.append(current)
    return runs


def agp_svg(
    grid: DayGrid,
    glucose: FloatArray,
    locale: LocaleCode = "zh-CN",
    unit: str = "mg/dL",
) -> str:
    """The AGP chart for a day grid (percentiles) and the raw readings (time in ranges)."""
    factor = 1.0 if unit == "mg/dL" else 1.0 / MMOL_TO_MGDL
    y_max = 350.0
    plot_w = _W - _BAR_W - _PAD_L - _PAD_R
    plot_h = _H - _PAD_T - _PAD_B
    per_day = grid.values.shape[1]
    xs = _PAD_L + plot_w * (np.arange(1, per_day + 1) / per_day)

    def y(v: float | FloatArray) -> FloatArray:
        return np.asarray(_PAD_T + plot_h * (1 - np.minimum(v, y_max) / y_max), dtype=np.float64)

    profile = agp_profile(grid)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="11">',
        f'<text x="{_PAD_L}" y="18" font-size="14" font-weight="bold">'
        f"{escape(_AGP_TITLE.get(locale))}</text>",
        f'<rect x="{_PAD_L}" y="{_f(float(y(180)))}" width="{plot_w}" '
        f'height="{_f(float(y(70) - y(180)))}" fill="#29bf12" fill-opacity="0.08"/>',
    ]
    for low, high, opacity in ((5, 95, 0.25), (25, 75, 0.5)):
        lo, hi = profile[low], profile[high]
        ok = ~(np.isnan(lo) | np.isnan(hi))
        for run_hi, run_lo in zip(
            _polyline(xs[ok], y(hi[ok])), _polyline(xs[ok], y(lo[ok])), strict=True
        ):
            points = run_hi + run_lo[::-1]
            coords = " ".join(f"{_f(a)},{_f(b)}" for a, b in points)
            parts.append(f'<polygon points="{coords}" fill="#1d4e89" fill-opacity="{opacity}"/>')
    for run in _polyline(xs, y(profile[50])):
        coords = " ".join(f"{_f(a)},{_f(b)}" for a, b in run)
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#0b2545" stroke-width="2"/>')
    for level in (54, 70, 180, 250):
        yy = _f(float(y(level)))
        dash = "" if level in (70, 180) else ' stroke-dasharray="4 3"'
        parts.append(
            f'<line x1="{_PAD_L}" x2="{_PAD_L + plot_w}" y1="{yy}" y2="{yy}" '
            f'stroke="#2a9d8f"{dash}/>'
        )
        label = f"{level * factor:.1f}" if unit != "mg/dL" else f"{level}"
        parts.append(f'<text x="{_PAD_L - 6}" y="{yy}" text-anchor="end">{label}</text>')
    for hour in range(0, 25, 3):
        xx = _f(_PAD_L + plot_w * hour / 24)
        parts.append(f'<text x="{xx}" y="{_H - 12}" text-anchor="middle">{hour:02d}:00</text>')
    parts.append(
        f'<text x="12" y="{_PAD_T + plot_h / 2}" transform="rotate(-90 12 {_PAD_T + plot_h / 2})"'
        f' text-anchor="middle">{escape(unit)}</text>'
    )
    # Time-in-ranges bar: stacked from very low (bottom) to very high (top).
    tir = time_in_ranges(glucose)
    bar_x = _W - _BAR_W + 10
    parts.append(
        f'<text x="{bar_x}" y="{_PAD_T - 8}" font-weight="bold">'
        f"{escape(_TIR_TITLE.get(locale))}</text>"
    )
    top = float(_PAD_T)
    for key, _, colour in _BANDS:
        share = tir[key]
        height = plot_h * share / 100.0
        text = band_label(key, unit).get(locale)
        parts.append(
            f'<rect x="{bar_x}" y="{_f(top)}" width="24" height="{_f(height)}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{bar_x + 30}" y="{_f(top + max(height, 10) / 2 + 4)}">'
            f"{escape(text)} {share:.0f}%</text>"
        )
        top += height
    parts.append("</svg>")
    return "\n".join(parts)


def trend_svg(
    series: Mapping[str, Sequence[tuple[datetime, float]]],
    title: LocalizedText,
    unit: str,
    locale: LocaleCode = "zh-CN",
    reference_lines: Sequence[float] = (),
) -> str:
    """A line chart of dated values, one line per named series (e.g. systolic and diastolic)."""
    colours = ("#1d4e89", "#e4572e", "#29bf12", "#f3a712")
    points = [p for values in series.values() for p in values]
    plot_w = _W - _PAD_L - _PAD_R - 90
    plot_h = _H - _PAD_T - _PAD_B
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="11">',
        f'<text x="{_PAD_L}" y="18" font-size="14" font-weight="bold">'
        f"{escape(title.get(locale))} ({escape(unit)})</text>",
    ]
    if not points:
        return "\n".join([*head, "</svg>"])
    t0 = min(p[0].timestamp() for p in points)
    t1 = max(p[0].timestamp() for p in points)
    values = [p[1] for p in points] + list(reference_lines)
    v0, v1 = min(values), max(values)
    pad = (v1 - v0) * 0.1 or 1.0
    v0, v1 = v0 - pad, v1 + pad
    span = (t1 - t0) or 1.0

    def xy(moment: datetime, value: float) -> tuple[float, float]:
        x = _PAD_L + plot_w * (moment.timestamp() - t0) / span
        return x, _PAD_T + plot_h * (1 - (value - v0) / (v1 - v0))

    parts = list(head)
    for level in reference_lines:
        _, yy = xy(points[0][0], level)
        parts.append(
            f'<line x1="{_PAD_L}" x2="{_PAD_L + plot_w}" y1="{_f(yy)}" y2="{_f(yy)}" '
            f'stroke="#999" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{_PAD_L - 6}" y="{_f(yy)}" text-anchor="end">{level:g}</text>')
    for i, (name, values_) in enumerate(series.items()):
        ordered = sorted(values_, key=lambda p: p[0])
        coords = " ".join(f"{_f(a)},{_f(b)}" for a, b in (xy(t, v) for t, v in ordered))
        colour = colours[i % len(colours)]
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{_PAD_L + plot_w + 8}" y="{_PAD_T + 14 * (i + 1)}" fill="{colour}">'
            f"{escape(name)}</text>"
        )
    first = datetime.fromtimestamp(t0, points[0][0].tzinfo).strftime("%Y-%m-%d")
    last = datetime.fromtimestamp(t1, points[0][0].tzinfo).strftime("%Y-%m-%d")
    parts.append(f'<text x="{_PAD_L}" y="{_H - 12}">{first}</text>')
    parts.append(f'<text x="{_PAD_L + plot_w}" y="{_H - 12}" text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
