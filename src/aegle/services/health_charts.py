"""Health-data charts as SVG or PNG, drawn with matplotlib (Agg, no display, no network).

- `agp`: the Ambulatory Glucose Profile report as in the international consensus (Battelino et
  al. 2019, doi:10.2337/dci19-0028): 5-95 % and 25-75 % bands and the median over a 24-hour day
  with the 70-180 mg/dL target range, the time-in-ranges bar, and the daily profiles.
- `bp`, `sleep`, `weight`, `heart_rate`, `spo2`: dated trends with the reference lines the chat
  and the alerts use.

Figures are built with the object API (`Figure`, no pyplot state), so rendering is thread-safe.
matplotlib is imported on first use: it is heavy, and only chart requests need it.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, get_args
from zoneinfo import ZoneInfo

import numpy as np

from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.core.types import LocaleCode, LocalizedText
from aegle.vitals.alerts import Point
from aegle.vitals.cgm.grid import day_by_day
from aegle.vitals.cgm.series import MMOL_TO_MGDL
from aegle.vitals.cgm.summary import gmi, mean_glu
from aegle.vitals.cgm.variability import agp_profile
from aegle.vitals.charts import BAND_COLOURS, band_label, time_in_ranges
from aegle.vitals.snapshot import Snapshot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ChartName = Literal["agp", "bp", "sleep", "weight", "heart_rate", "spo2"]
ChartFormat = Literal["svg", "png"]
CHART_NAMES: Final[tuple[str, ...]] = get_args(ChartName)
MEDIA_TYPES: Final = {"svg": "image/svg+xml", "png": "image/png"}

# Fonts with CJK glyphs first; the SVG keeps text as text so the browser picks its own.
_FONTS: Final = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "DejaVu Sans",
)
_T = {
    "agp": LocalizedText(zh="动态血糖图谱（AGP）", en="Ambulatory Glucose Profile (AGP)"),
    "tir": LocalizedText(zh="各范围内时间", en="Time in ranges"),
    "daily": LocalizedText(zh="每日血糖曲线", en="Daily glucose profiles"),
    "median": LocalizedText(zh="中位数", en="Median"),
    "target": LocalizedText(zh="目标范围", en="Target range"),
    "summary": LocalizedText(
        zh="{start} 至 {end}（{days} 天），有效数据 {active}% · 平均 {mean} · GMI {gmi}%",
        en="{start} to {end} ({days} days), {active}% of time with data · mean {mean} · GMI {gmi}%",
    ),
    "bp": LocalizedText(zh="血压", en="Blood pressure"),
    "systolic": LocalizedText(zh="收缩压", en="Systolic"),
    "diastolic": LocalizedText(zh="舒张压", en="Diastolic"),
    "home_threshold": LocalizedText(
        zh="家庭血压高血压界值 {sbp}/{dbp}", en="Home hypertension threshold {sbp}/{dbp}"
    ),
    "sleep": LocalizedText(zh="每晚睡眠时长", en="Sleep per night"),
    "hours": LocalizedText(zh="小时", en="hours"),
    "seven_hours": LocalizedText(zh="成人建议 ≥7 小时", en="Adults: 7 h or more"),
    "weight": LocalizedText(zh="体重", en="Weight"),
    "heart_rate": LocalizedText(zh="静息心率", en="Resting heart rate"),
    "bpm": LocalizedText(zh="次/分", en="beats/min"),
    "spo2": LocalizedText(zh="血氧饱和度", en="Blood oxygen saturation"),
    "spo2_line": LocalizedText(zh="90%（低氧界值）", en="90% (low-oxygen threshold)"),
    "no_data": LocalizedText(zh="这段时间没有数据", en="No data in this period"),
}
_LOCK = threading.Lock()  # rcParams are global: set them once


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    format: str
    content: bytes

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"


_ready = False


def _setup() -> None:
    global _ready
    with _LOCK:
        if _ready:
            return
        import matplotlib

        matplotlib.use("Agg", force=True)
        matplotlib.rcParams.update(
            {
                "font.family": "sans-serif",
                "font.sans-serif": list(_FONTS),
                "svg.fonttype": "none",  # text stays text: selectable, and the browser has CJK
                "svg.hashsalt": "aegle",  # stable ids: the same data gives the same file
                "axes.unicode_minus": False,
                "axes.spines.top": False,
                "axes.spines.right": False,
                "font.size": 9,
            }
        )
        _ready = True


def _figure(width: float, height: float) -> Figure:
    _setup()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig: Figure, fmt: ChartFormat) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # Without a CJK font installed, PNG text in Chinese loses glyphs: still a valid chart.
        warnings.simplefilter("ignore", UserWarning)
        metadata: dict[str, Any] = (
            {"Date": None, "Creator": "Aegle"} if fmt == "svg" else {"Software": "Aegle"}
        )
        fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()


def _glucose_unit(locale: LocaleCode, unit: str | None) -> str:
    if unit in ("mg/dL", "mmol/L"):
        return unit
    return "mmol/L" if locale == "zh-CN" else "mg/dL"


def _no_data(ax: Axes, locale: LocaleCode) -> None:
    ax.text(0.5, 0.5, _T["no_data"].get(locale), ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def agp_figure(snapshot: Snapshot, locale: LocaleCode, unit: str | None = None) -> Figure:
    """The AGP report: percentile bands and median, time-in-ranges bar, daily profiles."""
    unit = _glucose_unit(locale, unit)
    scale = 1.0 / MMOL_TO_MGDL if unit == "mmol/L" else 1.0
    fig = _figure(10.0, 7.2)
    grid_spec = fig.add_gridspec(3, 2, width_ratios=(4.2, 1.0), height_ratios=(3.0, 1.0, 1.0))
    ax = fig.add_subplot(grid_spec[0, 0])
    bar = fig.add_subplot(grid_spec[0, 1])
    fig.suptitle(_T["agp"].get(locale), fontsize=12)
    series = snapshot.glucose
    if series.size < 2:
        _no_data(ax, locale)
        _no_data(bar, locale)
        return fig
    grid = day_by_day(series)
    profile = agp_profile(grid)
    per_day = grid.values.shape[1]
    hours = (np.arange(per_day) + 1) * grid.dt0 / 60.0
    glucose = series.glucose
    active = 100.0 * float(np.mean(~np.isnan(grid.values)))
    summary = (
        _T["summary"]
        .get(locale)
        .format(
            start=snapshot.start.strftime("%Y-%m-%d"),
            end=snapshot.end.strftime("%Y-%m-%d"),
            days=snapshot.days,
            active=f"{active:.0f}",
            mean=f"{mean_glu(glucose) * scale:.1f} {unit}",
            gmi=f"{gmi(glucose):.1f}",
        )
    )
    ax.set_title(summary, fontsize=9, loc="left")
    ax.axhspan(70 * scale, 180 * scale, color="#29bf12", alpha=0.08, label=_T["target"].get(locale))
    for level in (54, 70, 180, 250):
        ax.axhline(level * scale, color="#888", lw=0.6, ls="--" if level in (54, 250) else "-")
    ax.fill_between(
        hours, profile[5] * scale, profile[95] * scale, color="#9ecae1", lw=0, label="5–95%"
    )
    ax.fill_between(
        hours,
        profile[25] * scale,
        profile[75] * scale,
        color="#3182bd",
        alpha=0.6,
        lw=0,
        label="25–75%",
    )
    ax.plot(hours, profile[50] * scale, color="#08306b", lw=1.6, label=_T["median"].get(locale))
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3), [f"{h:02d}:00" for h in range(0, 25, 3)])
    ax.set_ylim(
        0,
        max(350.0, float(np.nanmax(profile[95]) if np.isfinite(profile[95]).any() else 0) + 20)
        * scale,
    )
    ax.set_ylabel(unit)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=4)
    _tir_bar(bar, time_in_ranges(glucose), locale, unit)
    _daily_profiles(fig, (grid_spec[1, :], grid_spec[2, :]), grid, scale, unit, locale)
    return fig


def _tir_bar(ax: Axes, tir: dict[str, float], locale: LocaleCode, unit: str) -> None:
    bottom = 0.0
    label_y = -100.0
    for key in ("very_low", "low", "in_range", "high", "very_high"):
        share = tir[key]
        ax.bar(0, share, bottom=bottom, color=BAND_COLOURS[key], width=0.6)
        # Labels at least 7 points apart, so thin bands stay readable.
        label_y = max(bottom + share / 2, label_y + 7.0)
        ax.text(
            0.4,
            label_y,
            f"{band_label(key, unit).get(locale)}  {share:.0f}%",
            va="center",
            fontsize=8,
        )
        bottom += share
    ax.set_xlim(-0.4, 2.6)
    ax.set_ylim(0, max(100.0, label_y + 4.0))
    ax.set_xticks([])
    ax.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_title(_T["tir"].get(locale), fontsize=9)


def _daily_profiles(
    fig: Figure, cells: tuple[Any, Any], grid: Any, scale: float, unit: str, locale: LocaleCode
) -> None:
    """The last 14 days, 7 to a row, each row one axes with the days side by side (far cheaper
    to draw than an axes per day)."""
    days = min(grid.ndays, 14)
    values = grid.values[-days:]
    first = grid.first_day + timedelta(days=grid.ndays - days)
    cols = 7
    rows = math.ceil(days / cols)
    per_day = values.shape[1]
    hours = (np.arange(per_day) + 1) * grid.dt0 / 60.0
    top = 350.0 * scale
    for row in range(rows):
        ax = fig.add_subplot(cells[row])
        ax.axhspan(70 * scale, 180 * scale, color="#29bf12", alpha=0.12, lw=0)
        ticks, labels = [], []
        for col in range(cols):
            index = row * cols + col
            if index >= days:
                break
            offset = col * 24.0
            ax.plot(hours + offset, np.minimum(values[index] * scale, top), color="#08306b", lw=0.8)
            if col:
                ax.axvline(offset, color="#999", lw=0.6)
            day = first + timedelta(days=index)
            ticks.append(offset + 12.0)
            labels.append(day.strftime("%m-%d %a") if locale == "en" else day.strftime("%m-%d"))
        ax.set_xlim(0, cols * 24.0)
        ax.set_ylim(0, top)
        ax.set_xticks(ticks, labels, fontsize=7)
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", labelsize=6)
        if row == 0:
            ax.set_title(f"{_T['daily'].get(locale)} ({unit})", fontsize=8, loc="left")


def _num(moments: Sequence[datetime]) -> Any:
    from matplotlib.dates import date2num

    return date2num(list(moments))  # type: ignore[no-untyped-call]


def _dates(ax: Axes, tz: str) -> None:
    from matplotlib.dates import AutoDateLocator, DateFormatter

    zone = ZoneInfo(tz)
    ax.xaxis.set_major_locator(AutoDateLocator(tz=zone, maxticks=8))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(DateFormatter("%m-%d", tz=zone))  # type: ignore[no-untyped-call]


def _trend(
    title: LocalizedText,
    ylabel: str,
    series: Sequence[tuple[LocalizedText, Sequence[Point], str]],
    lines: Sequence[tuple[float, str]],
    snapshot: Snapshot,
    locale: LocaleCode,
    *,
    bars: bool = False,
) -> Figure:
    fig = _figure(8.0, 3.4)
    ax = fig.add_subplot()
    ax.set_title(title.get(locale), loc="left", fontsize=11)
    if not any(points for _, points, _ in series):
        _no_data(ax, locale)
        return fig
    for label, points, colour in series:
        xs = _num([p.time for p in points])
        ys = [p.value for p in points]
        if bars:
            ax.bar(xs, ys, width=0.7, color=colour, label=label.get(locale))
        else:
            ax.plot(xs, ys, marker="o", ms=3, lw=1.2, color=colour, label=label.get(locale))
    for value, text in lines:
        ax.axhline(value, color="#c0392b", lw=0.8, ls="--")
        ax.text(
            1.0,
            value,
            f" {text}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=7,
            color="#c0392b",
        )
    low, high = _num([snapshot.start, snapshot.end])
    ax.set_xlim(float(low), float(high))
    ax.set_ylabel(ylabel)
    _dates(ax, snapshot.tz)
    if len(series) > 1:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=len(series))
    return fig


def bp_figure(snapshot: Snapshot, locale: LocaleCode, scheme: str = "cn2024") -> Figure:
    # Home thresholds: CN 2024 135/85; ACC/AHA 2017 130/80 (both in vitals/knowledge).
    sbp_line, dbp_line = (130, 80) if scheme == "acc_aha2017" else (135, 85)
    threshold = _T["home_threshold"].get(locale).format(sbp=sbp_line, dbp=dbp_line)
    return _trend(
        _T["bp"],
        "mmHg",
        [
            (_T["systolic"], [Point(r.time, r.sbp) for r in snapshot.bp], "#c0392b"),
            (_T["diastolic"], [Point(r.time, r.dbp) for r in snapshot.bp], "#2980b9"),
        ],
        [(sbp_line, threshold), (dbp_line, "")],
        snapshot,
        locale,
    )


def sleep_figure(snapshot: Snapshot, locale: LocaleCode) -> Figure:
    nights = [Point(s.wake, s.total_sleep_min / 60.0) for s in snapshot.sleep]
    return _trend(
        _T["sleep"],
        _T["hours"].get(locale),
        [(_T["sleep"], nights, "#6c5ce7")],
        [(7.0, _T["seven_hours"].get(locale))],
        snapshot,
        locale,
        bars=True,
    )


def weight_figure(snapshot: Snapshot, locale: LocaleCode) -> Figure:
    return _trend(
        _T["weight"], "kg", [(_T["weight"], snapshot.weight, "#16a085")], [], snapshot, locale
    )


def heart_rate_figure(snapshot: Snapshot, locale: LocaleCode) -> Figure:
    return _trend(
        _T["heart_rate"],
        _T["bpm"].get(locale),
        [(_T["heart_rate"], snapshot.resting_hr, "#c0392b")],
        [],
        snapshot,
        locale,
    )


def spo2_figure(snapshot: Snapshot, locale: LocaleCode) -> Figure:
    return _trend(
        _T["spo2"],
        "%",
        [(_T["spo2"], snapshot.spo2, "#2980b9")],
        [(90.0, _T["spo2_line"].get(locale))],
        snapshot,
        locale,
    )


def render(
    name: str,
    snapshot: Snapshot,
    locale: LocaleCode,
    fmt: str = "svg",
    *,
    unit: str | None = None,
    bp_scheme: str = "cn2024",
) -> Chart:
    """Draw one chart of `snapshot`.

    Raises:
        InvalidInput: an unknown chart name or format.
    """
    if fmt not in MEDIA_TYPES:
        raise InvalidInput(
            N_("Unknown chart format {format}; use svg or png"), params={"format": fmt}
        )
    if name == "agp":
        fig = agp_figure(snapshot, locale, unit)
    elif name == "bp":
        fig = bp_figure(snapshot, locale, bp_scheme)
    elif name == "sleep":
        fig = sleep_figure(snapshot, locale)
    elif name == "weight":
        fig = weight_figure(snapshot, locale)
    elif name == "heart_rate":
        fig = heart_rate_figure(snapshot, locale)
    elif name == "spo2":
        fig = spo2_figure(snapshot, locale)
    else:
        raise InvalidInput(
            N_("Unknown chart {name}; use one of {names}"),
            params={"name": name, "names": ", ".join(CHART_NAMES)},
        )
    return Chart(name, fmt, _save(fig, fmt))  # type: ignore[arg-type]
