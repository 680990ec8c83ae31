"""A child's growth chart from the record: the stored measures drawn on the WHO bands.

Reading the chart is reading the record (checked and traced as ``patients:read``); the
drawing is :func:`esante.practice.child.charts.growth_chart_svg`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from esante.practice.actors import Actor
from esante.practice.child.charts import GrowthPoint, growth_chart_svg
from esante.practice.child.growth import INDICATORS, Indicator
from esante.practice.child.measurements import Measures, patient_measures
from esante.practice.child.records import child
from esante.practice.errors import PracticeValidationError


def indicator_value(indicator: Indicator, measures: Measures) -> Decimal | None:
    """The visit's value for ``indicator``: kg, cm or kg/m² (None: not measured)."""
    if indicator == "weight":
        return None if measures.weight_g is None else Decimal(measures.weight_g) / 1000
    if indicator == "height":
        return measures.height_cm
    if indicator == "head":
        return measures.head_circumference_cm
    return measures.bmi


def parse_indicator(text: str) -> Indicator:
    """``weight`` / ``height`` / ``head`` / ``bmi``; a French error naming the field."""
    for indicator in INDICATORS:
        if indicator == text:
            return indicator
    raise PracticeValidationError(
        f"Courbe inconnue : « {text} » (weight, height, head ou bmi).",
        detail=f"indicator {text!r}",
        field="indicator",
    )


def patient_growth_chart(
    session: Session, patient_id: int, indicator: Indicator, *, actor: Actor
) -> str:
    """The SVG chart of ``indicator`` with every stored measure of the child."""
    patient = child(session, patient_id, actor, "patients:read")
    points = []
    for measures in patient_measures(session, patient.id):
        value = indicator_value(indicator, measures)
        if value is not None:
            points.append(GrowthPoint(measures.measured_on, value))
    return growth_chart_svg(indicator, patient.sex, patient.birth_date, points)
