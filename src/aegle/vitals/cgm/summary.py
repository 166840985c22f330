"""CGM metrics on the raw readings: location, spread, time in ranges, risk indices.

All glucose inputs and outputs are mg/dL unless stated. Definitions follow iglu (Broll et al.
2021, doi:10.1371/journal.pone.0248560) with its default parameters; each function names the
original paper. Inputs are 1-D float arrays without NaN (see `GlucoseSeries`).

>>> import numpy as np
>>> round(gmi(np.array([100.0, 110.0, 120.0, 130.0])), 4)
6.0608
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from aegle.vitals.cgm.series import FloatArray, IntArray

NAN = float("nan")


def _sd(values: FloatArray) -> float:
    return float(np.std(values, ddof=1)) if values.size > 1 else NAN


def mean_glu(gl: FloatArray) -> float:
    """Mean glucose, mg/dL. Danne et al. 2017, doi:10.2337/dc17-1600."""
    return float(np.mean(gl)) if gl.size else NAN


def median_glu(gl: FloatArray) -> float:
    """Median glucose, mg/dL."""
    return float(np.median(gl)) if gl.size else NAN


def sd_glu(gl: FloatArray) -> float:
    """Sample standard deviation of glucose, mg/dL. Danne et al. 2017, doi:10.2337/dc17-1600."""
    return _sd(gl)


def cv_glu(gl: FloatArray) -> float:
    """Coefficient of variation, % (100 * SD / mean). Danne et al. 2017, doi:10.2337/dc17-1600."""
    return 100.0 * _sd(gl) / float(np.mean(gl)) if gl.size else NAN


def quantile_glu(gl: FloatArray, quantiles: Sequence[float] = (0, 25, 50, 75, 100)) -> list[float]:
    """Glucose quantiles, mg/dL, at the given percents (R type 7, linear interpolation)."""
    return [float(v) for v in np.percentile(gl, list(quantiles))]


def iqr_glu(gl: FloatArray) -> float:
    """Interquartile range, mg/dL (R type 7 quantiles)."""
    q1, q3 = np.percentile(gl, [25, 75])
    return float(q3 - q1)


def range_glu(gl: FloatArray) -> float:
    """Range (max - min), mg/dL."""
    return float(np.max(gl) - np.min(gl))


def mad_glu(gl: FloatArray, constant: float = 1.4826) -> float:
    """Median absolute deviation, mg/dL, scaled by 1.4826 (R `mad`).
    Hampel 1974, doi:10.1080/01621459.1974.10482962."""
    med = np.median(gl)
    return float(constant * np.median(np.abs(gl - med)))


def gmi(gl: FloatArray) -> float:
    """Glucose Management Indicator, % = 3.31 + 0.02392 * mean (mg/dL).
    Bergenstal et al. 2018, doi:10.2337/dc18-1581."""
    return 3.31 + 0.02392 * mean_glu(gl)


def ea1c(gl: FloatArray) -> float:
    """Estimated A1C, % = (46.7 + mean) / 28.7. Nathan et al. 2008, doi:10.2337/dc08-0545."""
    return (46.7 + mean_glu(gl)) / 28.7


def in_range_percent(gl: FloatArray, low: float, high: float) -> float:
    """% of readings with low <= gl <= high. Battelino et al. 2019, doi:10.2337/dci19-0028."""
    return 100.0 * float(np.mean((gl >= low) & (gl <= high)))


def above_percent(gl: FloatArray, target: float) -> float:
    """% of readings with gl > target. Battelino et al. 2019, doi:10.2337/dci19-0028."""
    return 100.0 * float(np.mean(gl > target))


def below_percent(gl: FloatArray, target: float) -> float:
    """% of readings with gl < target. Battelino et al. 2019, doi:10.2337/dci19-0028."""
    return 100.0 * float(np.mean(gl < target))


def j_index(gl: FloatArray) -> float:
    """J-index, (mg/dL)^2 / 1000 = 0.001 * (mean + SD)^2.
    Wojcicki 1995, doi:10.1055/s-2007-979906."""
    return 0.001 * (mean_glu(gl) + _sd(gl)) ** 2


def m_value(gl: FloatArray, r: float = 90.0) -> float:
    """M-value = mean(1000 * |log10(gl / r)|^3), reference r = 90 mg/dL.
    Schlichtkrull et al. 1965, doi:10.1111/j.0954-6820.1965.tb01810.x."""
    return float(np.mean(1000.0 * np.abs(np.log10(gl / r)) ** 3))


def _bg_risk(gl: FloatArray) -> FloatArray:
    """Kovatchev's symmetrised glucose scale without the 1.509 factor: ln(gl)^1.084 - 5.381.
    Risk is 22.77 * value^2 (22.77 ~ 10 * 1.509^2, the rounded constant iglu uses)."""
    return np.log(gl) ** 1.084 - 5.381


def lbgi(gl: FloatArray) -> float:
    """Low Blood Glucose Index = mean over readings of the low-side risk
    22.77 * (ln(gl)^1.084 - 5.381)^2 (0 above 112.5 mg/dL). Kovatchev et al. 2006,
    doi:10.2337/dc06-1085."""
    f = _bg_risk(gl)
    return float(np.mean(22.77 * f**2 * (f < 0)))


def hbgi(gl: FloatArray) -> float:
    """High Blood Glucose Index = mean over readings of the high-side risk
    22.77 * (ln(gl)^1.084 - 5.381)^2 (0 below 112.5 mg/dL). Kovatchev et al. 2006,
    doi:10.2337/dc06-1085."""
    f = _bg_risk(gl)
    return float(np.mean(22.77 * f**2 * (f > 0)))


def adrr(gl: FloatArray, day: IntArray) -> float:
    """Average Daily Risk Range: the mean over local calendar days of the day's maximal low-risk
    plus maximal high-risk value, risk = 22.77 * (ln(gl)^1.084 - 5.381)^2.
    Kovatchev et al. 2006, doi:10.2337/dc06-1085.

    Args:
        gl: glucose, mg/dL.
        day: local calendar day of each reading (any integer labels).
    """
    b = _bg_risk(gl)
    high = 22.77 * np.maximum(b, 0.0) ** 2
    low = 22.77 * np.minimum(b, 0.0) ** 2
    labels, inverse = np.unique(day, return_inverse=True)
    max_high = np.zeros(labels.size)
    max_low = np.zeros(labels.size)
    np.maximum.at(max_high, inverse, high)
    np.maximum.at(max_low, inverse, low)
    return float(np.mean(max_high + max_low))


def _grade_scores(gl: FloatArray) -> FloatArray:
    return np.minimum(425.0 * (np.log10(np.log10(gl / 18.0)) + 0.16) ** 2, 50.0)


def grade(gl: FloatArray) -> float:
    """Glycaemic Risk Assessment Diabetes Equation: mean of
    min(425 * (log10(log10(gl / 18)) + 0.16)^2, 50). Hill et al. 2007,
    doi:10.1111/j.1464-5491.2007.02119.x."""
    return float(np.mean(_grade_scores(gl)))


def _grade_share(gl: FloatArray, mask: FloatArray) -> float:
    scores = _grade_scores(gl)
    total = float(np.sum(scores))
    return 100.0 * float(np.sum(scores[mask.astype(bool)])) / total if total else NAN


def grade_hypo(gl: FloatArray, lower: float = 80.0) -> float:
    """% of GRADE from readings below `lower` (80 mg/dL). Hill et al. 2007."""
    return _grade_share(gl, (gl < lower).astype(np.float64))


def grade_hyper(gl: FloatArray, upper: float = 140.0) -> float:
    """% of GRADE from readings above `upper` (140 mg/dL). Hill et al. 2007."""
    return _grade_share(gl, (gl > upper).astype(np.float64))


def grade_eugly(gl: FloatArray, lower: float = 70.0, upper: float = 140.0) -> float:
    """% of GRADE from readings in [lower, upper] (iglu's default 70-140 mg/dL, so it overlaps
    `grade_hypo`'s band below 80). Hill et al. 2007."""
    return _grade_share(gl, ((gl >= lower) & (gl <= upper)).astype(np.float64))


def gri(gl: FloatArray) -> float:
    """Glycemia Risk Index, 0-100: 3.0 VLow + 2.4 Low + 1.6 VHigh + 0.8 High (percent of time
    <54, 54-<70, >250, >180-250), capped at 100.
    Klonoff et al. 2023, doi:10.1177/19322968221085273."""
    very_low = below_percent(gl, 54)
    low = below_percent(gl, 70) - very_low
    very_high = above_percent(gl, 250)
    high = above_percent(gl, 180) - very_high
    return min(3.0 * very_low + 2.4 * low + 1.6 * very_high + 0.8 * high, 100.0)


def hyper_index(gl: FloatArray, ultr: float = 140.0, a: float = 1.1, c: float = 30.0) -> float:
    """Hyperglycaemia index = sum((gl - ULTR)^a for gl > ULTR) / (c * n).
    Rodbard 2009, doi:10.1089/dia.2009.0015."""
    excess = gl[gl > ultr] - ultr
    return float(np.sum(excess**a)) / (c * gl.size)


def hypo_index(gl: FloatArray, lltr: float = 80.0, b: float = 2.0, d: float = 30.0) -> float:
    """Hypoglycaemia index = sum((LLTR - gl)^b for gl < LLTR) / (d * n).
    Rodbard 2009, doi:10.1089/dia.2009.0015."""
    deficit = lltr - gl[gl < lltr]
    return float(np.sum(deficit**b)) / (d * gl.size)


def igc(gl: FloatArray) -> float:
    """Index of Glycaemic Control = hyper_index + hypo_index (defaults LLTR 80, ULTR 140).
    Rodbard 2009, doi:10.1089/dia.2009.0015."""
    return hyper_index(gl) + hypo_index(gl)


def _scaled(value: float, low: float, high: float, increasing: bool) -> float:
    share = (value - low) / (high - low)
    share = min(max(share, 0.0), 1.0)
    return 100.0 * (share if increasing else 1.0 - share)


def cogi(gl: FloatArray, low: float = 70.0, high: float = 180.0) -> float:
    """Continuous Glucose Monitoring Index, 0-100: 0.5 * time-in-range score (low-high)
    + 0.35 * time-below-`low` score (0-15 %, decreasing) + 0.15 * SD score (18-108 mg/dL,
    decreasing). Leelarathna et al. 2022, doi:10.1177/19322968221110963."""
    tir = in_range_percent(gl, low, high)
    tbr = below_percent(gl, low)
    sd = _sd(gl)
    if math.isnan(sd):
        return NAN
    return (
        0.5 * _scaled(tir, 0, 100, True)
        + 0.35 * _scaled(tbr, 0, 15, False)
        + 0.15 * _scaled(sd, 18, 108, False)
    )
