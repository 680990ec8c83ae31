"""WHO z-scores and reference curves, checked against pygrowup's own tables and computation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pygrowup import Observation  # type: ignore[import-untyped]

from esante.practice.child import growth

BIRTH = date(2025, 10, 27)


@pytest.mark.parametrize(
    ("indicator", "sex", "days"),
    [("weight", "F", 365), ("height", "M", 200), ("head", "F", 0), ("bmi", "M", 700)],
)
def test_the_median_of_the_reference_has_z_zero(
    indicator: growth.Indicator, sex: str, days: int
) -> None:
    median = growth.reference_value(indicator, sex, days, 0.0)
    assert median is not None
    value = Decimal(str(round(median, 2)))
    z = growth.z_score(indicator, sex, BIRTH, BIRTH + timedelta(days=days), value)
    assert z is not None
    assert abs(z) <= Decimal("0.01")


def test_a_z_score_is_pygrowup_s_own_at_a_known_point() -> None:
    on = date(2026, 10, 27)
    expected = Observation(Observation.FEMALE, dob=BIRTH, date_of_observation=on).wfa(
        Decimal("9.1")
    )
    assert growth.z_score("weight", "F", BIRTH, on, Decimal("9.1")) == expected
    table_m = growth.lms("weight", "F", (on - BIRTH).days)
    assert table_m is not None
    # the package's by-day table gives M at 365 days; the median weighs that much
    from pygrowup.tables.by_day import wfa  # type: ignore[import-untyped]

    assert table_m[1] == float(wfa.DATA["female"][365]["m"])


@pytest.mark.parametrize(("name", "z"), list(growth.PERCENTILES.items()))
def test_the_bands_invert_the_z_scores(name: str, z: float) -> None:
    value = growth.reference_value("height", "F", 400, z)
    assert value is not None
    found = growth.z_score(
        "height", "F", BIRTH, BIRTH + timedelta(days=400), Decimal(str(round(value, 3)))
    )
    assert found is not None
    assert abs(float(found) - z) <= 0.02
    assert abs(growth.percentile(z) - int(name[1:])) < 0.5


def test_ages_outside_the_references_get_no_z_score() -> None:
    born = date(2010, 1, 1)
    assert growth.z_score("head", "F", born, date(2016, 1, 1), Decimal("50")) is None
    assert growth.z_score("weight", "F", born, date(2021, 6, 1), Decimal("40")) is None
    assert growth.z_score("height", "F", born, date(2021, 6, 1), Decimal("150")) is not None
    assert growth.z_score("bmi", "M", born, date(2028, 6, 1), Decimal("21")) is not None
    assert growth.z_score("bmi", "M", born, date(2030, 1, 1), Decimal("21")) is None


def test_reference_curves_cover_the_asked_span() -> None:
    curves = growth.reference_curves("head", "M", 3000)
    assert set(curves) == set(growth.PERCENTILES)
    assert curves["P3"][-1][0] == growth.BY_DAY_LIMIT  # head circumference stops at 5 years
    for (age_low, low), (age_high, high) in zip(curves["P3"], curves["P97"], strict=True):
        assert age_low == age_high
        assert low < high
