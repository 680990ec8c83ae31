"""The 2025 French vaccination schedule for children born on several dates, on time and
in catch-up (calendrier des vaccinations 2025: DTCaP-Hib-HepB and pneumococcus at 2, 4
and 11 months, meningococcus B at 3, 5 and 12 months, ACWY at 6 and 12 months, MMR at 12
and 16-18 months; catch-up tables and age limits)."""

from __future__ import annotations

from datetime import date

import pytest

from esante.cda.build.ages import add_period
from esante.practice.vaccination.schedule import (
    GivenDose,
    VaccinationPlan,
    calendar_2025,
    group_for_products,
    plan,
)

HEXA = frozenset({"D", "T", "Ca", "P", "Hib", "HepB"})
PN, MENB, ACWY, MENC, ROR = (frozenset({x}) for x in ("Pn", "MenB", "MenACWY", "MenC", "ROR"))
DTCAP = frozenset({"D", "T", "Ca", "P"})


def _on_time(birth: date, until: str) -> list[GivenDose]:
    """Every infant dose at its recommended age, up to age ``until`` included."""
    ages = [
        ("P2M", HEXA), ("P2M", PN), ("P3M", MENB), ("P4M", HEXA), ("P4M", PN), ("P5M", MENB),
        ("P6M", ACWY), ("P11M", HEXA), ("P11M", PN), ("P12M", MENB), ("P12M", ACWY),
        ("P12M", ROR), ("P16M", ROR),
    ]  # fmt: skip
    limit = add_period(birth, until)
    return [GivenDose(add_period(birth, a), x) for a, x in ages if add_period(birth, a) <= limit]


def _next(result: VaccinationPlan, series: str) -> tuple[int, date, str] | None:
    state = next(s for s in result.series if s.series == series)
    return None if state.next is None else (state.next.rank, state.next.due_on, state.next.status)


def _status(result: VaccinationPlan, series: str) -> str:
    return next(s.status for s in result.series if s.series == series)


BIRTHS = [date(2025, 1, 31), date(2025, 6, 15), date(2026, 2, 28), date(2024, 2, 29)]


@pytest.mark.parametrize("birth", BIRTHS, ids=str)
def test_two_months_nothing_given(birth: date) -> None:
    on = add_period(birth, "P2M")
    result = plan(birth, on, [])
    for series in ("DTCaP", "Hib", "HepB", "Pn"):
        assert _next(result, series) == (1, on, "a_faire")
    assert _next(result, "MenB") == (1, add_period(birth, "P3M"), "a_venir")
    assert _next(result, "MenACWY") == (1, add_period(birth, "P6M"), "a_venir")
    assert {d.series for d in result.next_visit} == {"DTCaP", "Hib", "HepB", "Pn"}


@pytest.mark.parametrize("birth", BIRTHS, ids=str)
def test_twelve_month_visit_on_time(birth: date) -> None:
    on = add_period(birth, "P12M")
    result = plan(birth, on, _on_time(birth, "P11M"))
    for series in ("Hib", "HepB", "Pn"):
        assert _status(result, series) == "complet"
    assert _next(result, "MenB") == (3, on, "a_faire")
    assert _next(result, "MenACWY") == (2, on, "a_faire")
    assert _next(result, "ROR") == (1, on, "a_faire")
    assert _next(result, "DTCaP") == (4, add_period(birth, "P6Y"), "a_venir")
    assert not result.overdue


@pytest.mark.parametrize("birth", BIRTHS, ids=str)
def test_after_the_twelve_month_visit_next_is_mmr_at_16_months(birth: date) -> None:
    on = add_period(birth, "P12M")
    result = plan(birth, on, _on_time(birth, "P12M"))
    assert not result.due
    assert not result.overdue
    next_visit = result.next_visit
    assert [(d.series, d.rank, d.due_on) for d in next_visit] == [
        ("ROR", 2, add_period(birth, "P16M"))
    ]
    assert next_visit[0].window_end == add_period(add_period(birth, "P16M"), "P3M")


def test_hexavalent_doses_are_one_injection() -> None:
    birth = date(2026, 1, 10)
    result = plan(birth, add_period(birth, "P2M"), [])
    groups = group_for_products(result.next_visit)
    assert sorted(tuple(sorted(d.series for d in g)) for g in groups) == [
        ("DTCaP", "HepB", "Hib"),
        ("Pn",),
    ]


def test_late_start_pushes_the_next_doses_by_the_minimal_intervals() -> None:
    birth = date(2025, 3, 1)
    first = add_period(birth, "P8M")  # first hexavalent and pneumococcal doses at 8 months
    history = [GivenDose(first, HEXA), GivenDose(first, PN)]
    result = plan(birth, first, history)
    assert _next(result, "DTCaP") == (2, add_period(first, "P2M"), "a_venir")
    second = add_period(first, "P2M")
    history += [GivenDose(second, HEXA), GivenDose(second, PN)]
    result = plan(birth, second, history)
    # the booster: 11 months, but at least 6 months after the second dose
    assert _next(result, "DTCaP") == (3, add_period(second, "P6M"), "a_venir")
    # pneumococcus started at 7-11 months: booster in the second year, 2 months after
    assert _next(result, "Pn") == (3, add_period(birth, "P12M"), "a_venir")


def test_catch_up_at_22_months_with_nothing_given() -> None:
    birth = date(2025, 1, 10)
    on = add_period(birth, "P22M")
    result = plan(birth, on, [])
    overdue = {d.series: d for d in result.overdue}
    assert set(overdue) == {"DTCaP", "Hib", "HepB", "Pn", "MenB", "MenACWY", "ROR"}
    assert all(d.catch_up for d in overdue.values())
    calendar = calendar_2025()
    # Hib from 1 to 5 years, MenACWY from 1 year: a single dose
    for series in ("Hib", "MenACWY"):
        scheme = next(s for s in calendar.get(series).schemes if s.label == overdue[series].scheme)
        assert len(scheme.doses) == (1 if series == "Hib" else 2)
    # pneumococcus 12-23 months: two doses, no booster
    pn = next(s for s in calendar.get("Pn").schemes if s.label == overdue["Pn"].scheme)
    assert len(pn.doses) == 2
    result = plan(birth, on, [GivenDose(on, PN)])
    assert _next(result, "Pn") == (2, add_period(on, "P2M"), "a_venir")


def test_age_limits_of_catch_up() -> None:
    birth = date(2020, 5, 5)
    result = plan(birth, date(2026, 12, 6), [])  # 6 years old
    assert _status(result, "Pn") == "hors_age"  # until 24 months
    assert _status(result, "MenB") == "hors_age"
    assert _status(result, "Hib") == "hors_age"  # until 5 years
    assert _next(result, "HepB") is not None  # until 15 years
    assert _next(result, "ROR") is not None  # everyone born since 1980


def test_mmr_does_not_concern_people_born_before_1980() -> None:
    result = plan(date(1975, 4, 1), date(2026, 12, 6), [])
    assert _status(result, "ROR") == "non_concerne"


def test_a_men_c_dose_before_2025_counts_for_acwy() -> None:
    birth = date(2024, 7, 1)
    history = [GivenDose(add_period(birth, "P5M"), MENC)]
    result = plan(birth, add_period(birth, "P12M"), history)
    assert _next(result, "MenACWY") == (2, add_period(birth, "P12M"), "a_faire")


def test_adolescent_boosters_at_11_years() -> None:
    birth = date(2015, 9, 1)
    on = add_period(birth, "P11Y")
    history = [*_on_time(birth, "P16M"), GivenDose(add_period(birth, "P6Y"), DTCAP)]
    result = plan(birth, on, history)
    assert _next(result, "DTCaP") == (5, on, "a_faire")
    assert _next(result, "MenACWY") == (3, on, "a_faire")
    assert _next(result, "HPV") == (1, on, "a_faire")
    later = add_period(birth, "P15Y")
    result = plan(birth, later, history)
    assert _next(result, "DTCaP") == (5, on, "en_retard")
    hpv = _next(result, "HPV")
    assert hpv is not None
    assert hpv[2] == "en_retard"


def test_doses_after_the_day_are_ignored() -> None:
    birth = date(2026, 1, 10)
    on = add_period(birth, "P2M")
    future = GivenDose(add_period(birth, "P4M"), HEXA)
    assert plan(birth, on, [future]) == plan(birth, on, [])
