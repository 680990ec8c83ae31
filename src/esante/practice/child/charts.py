"""Growth charts of a child as SVG text: the WHO percentile bands and the child's measures.

The drawing is :func:`esante.growth.chart_svg` (domain-neutral: points by age in days);
this module turns the child's dated measures into ages from the birth date. The artists
carry ids (``band-P3-P97``, ``band-P15-P85``, ``curve-P3`` … ``curve-P97``,
``child-points``) and the axes are French (see :mod:`esante.growth._chart`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from esante.growth import BAND_COLOURS, CHILD_COLOUR, SEX_LABELS, AgePoint, Indicator, chart_svg

__all__ = ["BAND_COLOURS", "CHILD_COLOUR", "GrowthPoint", "SEX_LABELS", "growth_chart_svg"]


@dataclass(frozen=True)
class GrowthPoint:
    """One measure of the child: the day and the value (kg, cm or kg/m²)."""

    on: date
    value: Decimal


def growth_chart_svg(
    indicator: Indicator,
    sex: str,
    birth_date: date,
    points: Sequence[GrowthPoint],
    *,
    title: str | None = None,
) -> str:
    """The chart of ``indicator`` for a child of ``sex`` (F/M) born on ``birth_date``."""
    ages = [AgePoint((p.on - birth_date).days, p.value) for p in points]
    return chart_svg(indicator, sex, ages, title=title)
