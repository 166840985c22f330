"""CGM metrics: pure functions on glucose series, compatible with R iglu's definitions.

Entry points: `read_cgm_table` (id,time,gl CSV) -> `GlucoseSeries`; `compute_all` for the full
metric set keyed by iglu column names; the individual functions in `summary`, `variability`,
`mage` and `episodes` for single metrics; `day_by_day` for the interpolated grid.
"""

from aegle.vitals.cgm.episodes import EpisodeSummary, episode_calculation, pgs
from aegle.vitals.cgm.grid import DayGrid, day_by_day
from aegle.vitals.cgm.io import read_cgm_table
from aegle.vitals.cgm.mage import mage
from aegle.vitals.cgm.metrics import (
    METRIC_KEYS,
    METRICS,
    MetricSpec,
    compute_all,
    compute_with_roc,
    rate_of_change,
)
from aegle.vitals.cgm.series import GlucoseSeries
from aegle.vitals.cgm.variability import agp_profile

__all__ = [
    "METRICS",
    "METRIC_KEYS",
    "DayGrid",
    "EpisodeSummary",
    "GlucoseSeries",
    "MetricSpec",
    "agp_profile",
    "compute_all",
    "compute_with_roc",
    "day_by_day",
    "episode_calculation",
    "mage",
    "pgs",
    "rate_of_change",
    "read_cgm_table",
]
