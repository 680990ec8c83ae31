"""The 20 compulsory exams against birth dates: due, done, overdue, to come.

Expectations come from the exams' windows as data (``child_exams.json``) and the calendar
arithmetic of :func:`esante.cda.build.ages.add_period`; a few dates are written out to
pin the month-end and leap-day clamping.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from esante.cda.build.ages import add_period
from esante.cda.build.child_exam import child_exams
from esante.practice.child import exam_calendar

BIRTH_DATES = [date(2026, 3, 3), date(2024, 2, 29), date(2025, 1, 31), date(2020, 12, 31)]


@pytest.mark.parametrize("birth", BIRTH_DATES, ids=str)
def test_every_exam_is_due_exactly_in_its_window(birth: date) -> None:
    for exam in child_exams():
        opens = add_period(birth, exam.window.start)
        assert exam.window.end is not None
        closes = add_period(birth, exam.window.end) - timedelta(days=1)

        def state(on: date, exam_id: str = exam.id) -> str:
            return next(e for e in exam_calendar(birth, on) if e.exam.id == exam_id).state

        if opens > birth:
            assert state(opens - timedelta(days=1)) == "upcoming"
        assert state(opens) == "due"
        assert state(closes) == "due"
        assert state(closes + timedelta(days=1)) == "overdue"


@pytest.mark.parametrize("birth", BIRTH_DATES, ids=str)
def test_the_calendar_lists_the_20_exams_in_order_with_their_dates(birth: date) -> None:
    rows = exam_calendar(birth, birth)
    assert [r.exam.id for r in rows] == [e.id for e in child_exams()]
    assert len(rows) == 20
    for row in rows:
        assert row.opens_on == add_period(birth, row.exam.window.start)
        assert row.closes_on is not None
        assert row.closes_on >= row.opens_on


def test_a_leap_day_child_has_the_clamped_dates() -> None:
    rows = {r.exam.id: r for r in exam_calendar(date(2024, 2, 29), date(2024, 3, 1))}
    assert rows["m12"].opens_on == date(2025, 1, 29)  # 11 months
    assert rows["m12"].closes_on == date(2025, 3, 28)  # before 13 months
    assert rows["a4"].opens_on == date(2027, 2, 28)  # 3 years: no 29 February in 2027
    assert rows["j8"].state == "due"
    assert rows["m2"].state == "upcoming"


def test_a_child_born_on_the_31st_reaches_a_month_on_the_last_day() -> None:
    rows = {r.exam.id: r for r in exam_calendar(date(2025, 1, 31), date(2025, 2, 28))}
    assert rows["m2"].opens_on == date(2025, 2, 28)
    assert rows["m2"].state == "due"


def test_done_wins_over_the_dates_and_keeps_its_day() -> None:
    birth = date(2026, 3, 3)
    on = date(2026, 12, 6)
    rows = {r.exam.id: r for r in exam_calendar(birth, on, {"j8": date(2026, 3, 9)})}
    assert (rows["j8"].state, rows["j8"].done_on) == ("done", date(2026, 3, 9))
    assert rows["j8"].state_label == "fait"
    assert rows["m6"].state == "overdue"
    assert rows["m6"].state_label == "en retard"
    assert rows["m9"].state == "due"
    assert rows["m9"].state_label == "à faire"
    assert rows["m12"].state == "upcoming"
    states = [r.state for r in rows.values()]
    assert states.count("due") == 1  # at 9 months only the 9-month exam is open
