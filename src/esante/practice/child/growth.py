"""Growth of a child against the WHO references: z-scores, percentiles, reference curves.

The computation is domain-neutral and lives in :mod:`esante.growth` (so that the
sandbox's Mon espace santé page draws the same curves without importing the practice);
this module keeps the names the child record, the console and the REST API use.
"""

from __future__ import annotations

from esante.growth import (
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
