"""The full CGM metric set as one declarative table, keyed by iglu's result column names.

Each entry names the metric's unit and reference; `compute_all` evaluates every entry on one
series, sharing the interpolated grid. Values are floats (NaN when not computable), except
`roc`, which is a series (one value per grid point, as iglu returns it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from aegle.core.errors import InvalidInput
from aegle.vitals.cgm import summary as s
from aegle.vitals.cgm import variability as v
from aegle.vitals.cgm.episodes import pgs
from aegle.vitals.cgm.grid import DayGrid, day_by_day
from aegle.vitals.cgm.mage import mage
from aegle.vitals.cgm.series import FloatArray, GlucoseSeries

NAN = float("nan")
IGLU = "Broll et al. 2021, doi:10.1371/journal.pone.0248560"
CONSENSUS = "Battelino et al. 2019, doi:10.2337/dci19-0028"
DANNE = "Danne et al. 2017, doi:10.2337/dc17-1600"
KOVATCHEV = "Kovatchev et al. 2006, doi:10.2337/dc06-1085"
RODBARD = "Rodbard 2009, doi:10.1089/dia.2009.0015"
HILL = "Hill et al. 2007, doi:10.1111/j.1464-5491.2007.02119.x"


@dataclass
class CgmContext:
    """One series plus lazily shared derived data (the grid is built once)."""

    series: GlucoseSeries

    @property
    def gl(self) -> FloatArray:
        return self.series.glucose

    @cached_property
    def grid(self) -> DayGrid:
        return day_by_day(self.series)

    @cached_property
    def sd_measures(self) -> dict[str, float]:
        return v.sd_measures(self.grid)

    @cached_property
    def cv_measures(self) -> dict[str, float]:
        return v.cv_measures(self.grid)

    @cached_property
    def active(self) -> dict[str, float]:
        return v.active_percent(self.series)

    @cached_property
    def quantiles(self) -> list[float]:
        return s.quantile_glu(self.gl)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """key: iglu column name; unit: UCUM-style unit ("%" or "mg/dL" ...); reference: paper."""

    key: str
    unit: str
    reference: str
    compute: Callable[[CgmContext], float]


def _q(i: int) -> Callable[[CgmContext], float]:
    return lambda c: c.quantiles[i]


def _sdm(key: str) -> Callable[[CgmContext], float]:
    return lambda c: c.sd_measures[key]


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("mean", "mg/dL", DANNE, lambda c: s.mean_glu(c.gl)),
    MetricSpec("median", "mg/dL", IGLU, lambda c: s.median_glu(c.gl)),
    MetricSpec("SD", "mg/dL", DANNE, lambda c: s.sd_glu(c.gl)),
    MetricSpec("CV", "%", DANNE, lambda c: s.cv_glu(c.gl)),
    MetricSpec("0", "mg/dL", IGLU, _q(0)),
    MetricSpec("25", "mg/dL", IGLU, _q(1)),
    MetricSpec("50", "mg/dL", IGLU, _q(2)),
    MetricSpec("75", "mg/dL", IGLU, _q(3)),
    MetricSpec("100", "mg/dL", IGLU, _q(4)),
    MetricSpec("IQR", "mg/dL", IGLU, lambda c: s.iqr_glu(c.gl)),
    MetricSpec("range", "mg/dL", IGLU, lambda c: s.range_glu(c.gl)),
    MetricSpec("MAD", "mg/dL", IGLU, lambda c: s.mad_glu(c.gl)),
    MetricSpec("GMI", "%", "Bergenstal et al. 2018, doi:10.2337/dc18-1581", lambda c: s.gmi(c.gl)),
    MetricSpec("eA1C", "%", "Nathan et al. 2008, doi:10.2337/dc08-0545", lambda c: s.ea1c(c.gl)),
    MetricSpec("in_range_63_140", "%", CONSENSUS, lambda c: s.in_range_percent(c.gl, 63, 140)),
    MetricSpec("in_range_70_180", "%", CONSENSUS, lambda c: s.in_range_percent(c.gl, 70, 180)),
    MetricSpec("above_140", "%", CONSENSUS, lambda c: s.above_percent(c.gl, 140)),
    MetricSpec("above_180", "%", CONSENSUS, lambda c: s.above_percent(c.gl, 180)),
    MetricSpec("above_250", "%", CONSENSUS, lambda c: s.above_percent(c.gl, 250)),
    MetricSpec("below_54", "%", CONSENSUS, lambda c: s.below_percent(c.gl, 54)),
    MetricSpec("below_70", "%", CONSENSUS, lambda c: s.below_percent(c.gl, 70)),
    MetricSpec(
        "J_index",
        "(mg/dL)2/1000",
        "Wojcicki 1995, doi:10.1055/s-2007-979906",
        lambda c: s.j_index(c.gl),
    ),
    MetricSpec(
        "M_value",
        "1",
        "Schlichtkrull et al. 1965, doi:10.1111/j.0954-6820.1965.tb01810.x",
        lambda c: s.m_value(c.gl),
    ),
    MetricSpec("LBGI", "1", KOVATCHEV, lambda c: s.lbgi(c.gl)),
    MetricSpec("HBGI", "1", KOVATCHEV, lambda c: s.hbgi(c.gl)),
    MetricSpec("ADRR", "1", KOVATCHEV, lambda c: s.adrr(c.gl, c.series.local_dates())),
    MetricSpec("GRADE", "1", HILL, lambda c: s.grade(c.gl)),
    MetricSpec("GRADE_hypo", "%", HILL, lambda c: s.grade_hypo(c.gl)),
    MetricSpec("GRADE_eugly", "%", HILL, lambda c: s.grade_eugly(c.gl)),
    MetricSpec("GRADE_hyper", "%", HILL, lambda c: s.grade_hyper(c.gl)),
    MetricSpec(
        "GRI", "1", "Klonoff et al. 2023, doi:10.1177/19322968221085273", lambda c: s.gri(c.gl)
    ),
    MetricSpec("hyper_index", "1", RODBARD, lambda c: s.hyper_index(c.gl)),
    MetricSpec("hypo_index", "1", RODBARD, lambda c: s.hypo_index(c.gl)),
    MetricSpec("IGC", "1", RODBARD, lambda c: s.igc(c.gl)),
    MetricSpec(
        "COGI",
        "1",
        "Leelarathna et al. 2022, doi:10.1177/19322968221110963",
        lambda c: s.cogi(c.gl),
    ),
    MetricSpec("active_percent", "%", DANNE, lambda c: c.active["active_percent"]),
    MetricSpec("ndays", "d", DANNE, lambda c: c.active["ndays"]),
    MetricSpec("hourly_auc", "mg/dL", DANNE, lambda c: v.hourly_auc(c.grid, iglu_compatible=True)),
    MetricSpec(
        "CONGA",
        "mg/dL",
        "McDonnell et al. 2005, doi:10.1089/dia.2005.7.253",
        lambda c: v.conga(c.grid),
    ),
    MetricSpec(
        "MODD",
        "mg/dL",
        "Service & Nelson 1980, doi:10.2337/diacare.3.1.58",
        lambda c: v.modd(c.grid),
    ),
    MetricSpec(
        "MAG",
        "mg/dL/h",
        "Hermanides et al. 2010, doi:10.1097/CCM.0b013e3181cc4be9",
        lambda c: v.mag(c.grid),
    ),
    MetricSpec(
        "GVP", "%", "Peyser et al. 2018, doi:10.1089/dia.2017.0187", lambda c: v.gvp(c.grid)
    ),
    MetricSpec(
        "MAGE",
        "mg/dL",
        "Fernandes et al. 2022, doi:10.1177/19322968211061165",
        lambda c: mage(c.series),
    ),
    MetricSpec(
        "sd_roc",
        "mg/dL/min",
        "Clarke & Kovatchev 2009, doi:10.1089/dia.2008.0138",
        lambda c: v.sd_roc(c.grid),
    ),
    MetricSpec("SDw", "mg/dL", RODBARD, _sdm("SDw")),
    MetricSpec("SDhhmm", "mg/dL", RODBARD, _sdm("SDhhmm")),
    MetricSpec("SDwsh", "mg/dL", RODBARD, _sdm("SDwsh")),
    MetricSpec("SDdm", "mg/dL", RODBARD, _sdm("SDdm")),
    MetricSpec("SDb", "mg/dL", RODBARD, _sdm("SDb")),
    MetricSpec("SDbdm", "mg/dL", RODBARD, _sdm("SDbdm")),
    MetricSpec(
        "CVmean",
        "%",
        "Umpierrez & Kovatchev 2018, doi:10.1016/j.amjms.2018.09.010",
        lambda c: c.cv_measures["CVmean"],
    ),
    MetricSpec(
        "CVsd",
        "%",
        "Umpierrez & Kovatchev 2018, doi:10.1016/j.amjms.2018.09.010",
        lambda c: c.cv_measures["CVsd"],
    ),
    MetricSpec(
        "PGS", "1", "Hirsch et al. 2017, doi:10.1089/dia.2017.0080", lambda c: pgs(c.series, c.grid)
    ),
)

METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)


def compute_all(series: GlucoseSeries) -> dict[str, float]:
    """Every metric in `METRICS` for one series (NaN where not computable)."""
    return compute_with_roc(series)[0]


def compute_with_roc(series: GlucoseSeries) -> tuple[dict[str, float], FloatArray]:
    """`compute_all` plus iglu's `roc` series (mg/dL/min at every grid point), sharing one grid."""
    ctx = CgmContext(series)
    values = {m.key: _safe(m, ctx) for m in METRICS}
    try:
        roc = v.roc(ctx.grid)
    except InvalidInput:
        roc = np.zeros(0)
    return values, roc


def _safe(metric: MetricSpec, ctx: CgmContext) -> float:
    """A metric's value, or NaN when the data cannot support it (e.g. readings further apart
    than the interpolation gap leave no grid for the grid-based metrics)."""
    try:
        return float(metric.compute(ctx))
    except InvalidInput:
        return NAN


def rate_of_change(series: GlucoseSeries) -> FloatArray:
    """iglu's `roc` column: rate of change (mg/dL/min) at every grid point."""
    return v.roc(day_by_day(series))
