"""Judging CGM metrics against the consensus targets for a person's group.

Targets are data (`knowledge/cgm_targets.yaml`, Battelino et al. 2019, doi:10.2337/dci19-0028)
loaded by strict models; this module only applies them. Range metrics are named like iglu's
columns (`in_range_70_180`, `below_54`, `above_250`) and computed from the readings, so a new
threshold in the data needs no code.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import Field, model_validator

from aegle.core.errors import InvalidInput
from aegle.core.types import Frozen, LocalizedText, Source
from aegle.vitals.cgm import summary as s
from aegle.vitals.cgm.grid import auto_dt0
from aegle.vitals.cgm.metrics import CgmContext
from aegle.vitals.cgm.series import FloatArray, GlucoseSeries
from aegle.vitals.loader import KNOWLEDGE_DIR, load_model

TARGETS_FILE = KNOWLEDGE_DIR / "cgm_targets.yaml"

Op = Literal["<", "<=", ">", ">="]
_OPS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
SHOWN_OP: Final = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_RANGE_KEY = re.compile(r"^(?:in_range_(\d+)_(\d+)|below_(\d+)|above_(\d+))$")
_OTHER_KEYS: Final = ("CV", "mean", "GMI", "SD", "active_percent")


def _known_metric(key: str) -> bool:
    return bool(_RANGE_KEY.match(key)) or key in _OTHER_KEYS


class Target(Frozen):
    """One numeric target: `metric op value` (percent unless the metric says otherwise)."""

    metric: str = Field(min_length=1)
    op: Op
    value: float
    label: LocalizedText
    source: Source | None = Field(default=None, description="Overrides the group's source")

    @model_validator(mode="after")
    def _metric_exists(self) -> Target:
        if not _known_metric(self.metric):
            raise ValueError(f"unknown metric {self.metric!r}")
        return self


class TargetGroup(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: LocalizedText
    source: Source
    targets: tuple[Target, ...] = Field(min_length=1)


class Sufficiency(Frozen):
    min_days: float = Field(gt=0)
    min_active_percent: float = Field(gt=0, le=100)
    source: Source


class TargetKnowledge(Frozen):
    description: str = Field(min_length=1)
    sufficiency: Sufficiency
    groups: tuple[TargetGroup, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TargetKnowledge:
        ids = [g.id for g in self.groups]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate group ids")
        return self

    def group(self, group_id: str) -> TargetGroup:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise InvalidInput(
            f"Unknown target group {group_id!r}",
            params={"group": group_id, "known": [g.id for g in self.groups]},
        )


def load_targets(path: Path = TARGETS_FILE) -> TargetKnowledge:
    """Load and validate a targets file; any unknown key or bad value is a ConfigurationError."""
    return load_model(path, TargetKnowledge)


@cache
def default_targets() -> TargetKnowledge:
    return load_targets()


def range_metric(key: str, gl: FloatArray) -> float:
    """Value of an iglu-style range column (`in_range_A_B`, `below_X`, `above_X`), %."""
    m = _RANGE_KEY.match(key)
    if not m:
        raise InvalidInput(f"Not a range metric: {key!r}")
    low, high, below, above = m.groups()
    if low is not None and high is not None:
        return s.in_range_percent(gl, float(low), float(high))
    if below is not None:
        return s.below_percent(gl, float(below))
    return s.above_percent(gl, float(above))


_MET = LocalizedText(
    zh="{label}：{value}，达到目标（{op}{target}）",
    en="{label}: {value}, meets the target ({op} {target})",
)
_NOT_MET = LocalizedText(
    zh="{label}：{value}，未达到目标（{op}{target}）",
    en="{label}: {value}, outside the target ({op} {target})",
)
_UNKNOWN = LocalizedText(zh="{label}：数据不足，无法计算", en="{label}: not enough data to compute")
_SUFFICIENT = LocalizedText(
    zh="数据充足：{days} 天，传感器佩戴 {active}%（要求至少 {min_days} 天、{min_active}%）",
    en="Enough data: {days} days with {active}% sensor wear "
    "(needs at least {min_days} days and {min_active}%)",
)
_INSUFFICIENT = LocalizedText(
    zh="数据不足：{days} 天，传感器佩戴 {active}%"
    "（建议至少 {min_days} 天、{min_active}%），以下结果仅供参考",
    en="Not enough data: {days} days with {active}% sensor wear (at least {min_days} days "
    "and {min_active}% are recommended); read the results below with caution",
)


def _pct(value: float) -> str:
    return f"{value:.1f}%"


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """One target judged. `met` is None when the metric could not be computed."""

    metric: str
    value: float
    op: str
    target: float
    met: bool | None
    text: LocalizedText
    source: Source


@dataclass(frozen=True, slots=True)
class Assessment:
    group: TargetGroup
    sufficient: bool
    sufficiency_text: LocalizedText
    checks: tuple[TargetCheck, ...]

    @property
    def met_count(self) -> int:
        return sum(1 for c in self.checks if c.met)


def _fill(template: LocalizedText, **values: object) -> LocalizedText:
    return LocalizedText(zh=template.zh.format(**values), en=template.en.format(**values))


def judge(values: Mapping[str, float], group: TargetGroup) -> tuple[TargetCheck, ...]:
    """Compare precomputed metric values (keyed like the targets) with the group's targets."""
    checks = []
    for t in group.targets:
        value = float(values.get(t.metric, math.nan))
        target = f"{t.value:g}%"
        shown_op = SHOWN_OP[t.op]
        if math.isnan(value):
            met: bool | None = None
            text = LocalizedText(
                zh=_UNKNOWN.zh.format(label=t.label.zh), en=_UNKNOWN.en.format(label=t.label.en)
            )
        else:
            met = _OPS[t.op](value, t.value)
            template = _MET if met else _NOT_MET
            text = LocalizedText(
                zh=template.zh.format(
                    label=t.label.zh, value=_pct(value), op=shown_op, target=target
                ),
                en=template.en.format(
                    label=t.label.en, value=_pct(value), op=shown_op, target=target
                ),
            )
        checks.append(
            TargetCheck(t.metric, value, t.op, t.value, met, text, t.source or group.source)
        )
    return tuple(checks)


def assess(
    series: GlucoseSeries, group_id: str, knowledge: TargetKnowledge | None = None
) -> Assessment:
    """Judge a CGM series against the consensus targets of `group_id`
    (`t1d_t2d_adult`, `older_high_risk`, `pregnancy_t1d`)."""
    kb = knowledge or default_targets()
    group = kb.group(group_id)
    ctx = CgmContext(series)
    values: dict[str, float] = {}
    for t in group.targets:
        if _RANGE_KEY.match(t.metric):
            values[t.metric] = range_metric(t.metric, series.glucose)
        elif t.metric == "CV":
            values["CV"] = s.cv_glu(series.glucose)
        elif t.metric == "mean":
            values["mean"] = s.mean_glu(series.glucose)
        elif t.metric == "GMI":
            values["GMI"] = s.gmi(series.glucose)
        elif t.metric == "SD":
            values["SD"] = s.sd_glu(series.glucose)
        elif t.metric == "active_percent":
            values["active_percent"] = ctx.active["active_percent"]
    active = ctx.active["active_percent"]
    # Each reading covers one interval, so 14 days of 5-minute data count as 14, not 13.997.
    days = series.span_days() + auto_dt0(series) / 1440.0
    need = kb.sufficiency
    sufficient = days >= need.min_days and active >= need.min_active_percent
    text = _fill(
        _SUFFICIENT if sufficient else _INSUFFICIENT,
        days=f"{days:.1f}",
        active=f"{active:.0f}",
        min_days=f"{need.min_days:g}",
        min_active=f"{need.min_active_percent:g}",
    )
    return Assessment(group, sufficient, text, judge(values, group))
