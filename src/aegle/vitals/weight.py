"""Weight and BMI: BMI with its category (data in `knowledge/bmi_categories.yaml`) and the
weight trend over time. Weight in kg, height in m."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from aegle.core.errors import InvalidInput
from aegle.core.types import Frozen, LocalizedText, Source
from aegle.vitals.loader import KNOWLEDGE_DIR, load_model

BMI_FILE = KNOWLEDGE_DIR / "bmi_categories.yaml"


class BmiCategory(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    at_least: float = Field(ge=0)
    name: LocalizedText


class BmiScheme(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: LocalizedText
    source: Source
    categories: tuple[BmiCategory, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _ascending(self) -> BmiScheme:
        bounds = [c.at_least for c in self.categories]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds) or bounds[0] != 0:
            raise ValueError(f"{self.id}: lower bounds must start at 0 and increase")
        return self


class BmiKnowledge(Frozen):
    description: str = Field(min_length=1)
    schemes: tuple[BmiScheme, ...] = Field(min_length=1)

    def scheme(self, scheme_id: str) -> BmiScheme:
        for s in self.schemes:
            if s.id == scheme_id:
                return s
        raise InvalidInput(f"Unknown BMI classification {scheme_id!r}")


def load_bmi_knowledge(path: Path = BMI_FILE) -> BmiKnowledge:
    return load_model(path, BmiKnowledge)


@cache
def default_bmi_knowledge() -> BmiKnowledge:
    return load_bmi_knowledge()


def bmi(weight_kg: float, height_m: float) -> float:
    """Body-mass index, kg/m2 = weight / height^2."""
    if not (0.3 <= height_m <= 2.8) or not (1 <= weight_kg <= 500):
        raise InvalidInput("Implausible weight or height", params={"kg": weight_kg, "m": height_m})
    return weight_kg / height_m**2


@dataclass(frozen=True, slots=True)
class BmiResult:
    bmi: float
    category: str
    name: LocalizedText
    source: Source


def classify_bmi(weight_kg: float, height_m: float, scheme: str = "cn") -> BmiResult:
    """BMI and its adult category ("cn": WS/T 428-2013; "who": WHO TRS 894).

    >>> classify_bmi(72, 1.70, "cn").category, classify_bmi(72, 1.70, "who").category
    ('overweight', 'normal')
    """
    value = bmi(weight_kg, height_m)
    s = default_bmi_knowledge().scheme(scheme)
    category = [c for c in s.categories if value >= c.at_least][-1]
    return BmiResult(value, category.id, category.name, s.source)


@dataclass(frozen=True, slots=True)
class WeightTrend:
    """kg per week (least squares), total change (kg and % of the first value), span in days."""

    per_week: float
    change_kg: float
    change_percent: float
    days: float


def weight_trend(points: Sequence[tuple[datetime, float]]) -> WeightTrend:
    """Trend of (aware time, kg) measurements; NaN slope with fewer than two distinct times."""
    if not points:
        raise InvalidInput("No weight measurements")
    ordered = sorted(points, key=lambda p: p[0])
    x = np.array([p[0].timestamp() / 86400.0 for p in ordered])
    y = np.array([p[1] for p in ordered], dtype=np.float64)
    days = float(x[-1] - x[0])
    slope = float(np.polyfit(x, y, 1)[0]) * 7.0 if days > 0 else math.nan
    change = float(y[-1] - y[0])
    return WeightTrend(slope, change, 100.0 * change / float(y[0]), days)
