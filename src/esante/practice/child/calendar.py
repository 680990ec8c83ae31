"""The 20 compulsory exams of a child: which are done, due now, overdue or to come.

The calendar is the one in force since 1 January 2025 (Code de la santé publique,
art. R.2132-1; arrêté du 26 février 2019 as amended): its exams, their age windows and the
certificate made at three of them are facts of :mod:`esante.cda.build.child_exam`
(``data/child_exams.json``), read from there, never repeated here. An exam is *due*
while the child's age is in its window, *overdue* once the window has closed without it,
*to come* before the window opens; an exam recorded in the child record is *done*,
whatever the date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build.ages import add_period, age_text
from esante.cda.build.child_exam import ChildExam, child_exams
from esante.practice.actors import Actor
from esante.practice.child.records import child
from esante.store.child_models import ChildExamRecord

ExamState = Literal["done", "due", "overdue", "upcoming"]
STATE_LABELS: Mapping[ExamState, str] = {
    "done": "fait",
    "due": "à faire",
    "overdue": "en retard",
    "upcoming": "à venir",
}


@dataclass(frozen=True)
class ExamDue:
    """One exam of the calendar for one child: its dates and its state on a given day."""

    exam: ChildExam
    opens_on: date
    closes_on: date | None
    """Last day of the window (None: no upper bound)."""
    state: ExamState
    done_on: date | None = None

    @property
    def state_label(self) -> str:
        """The state in French (``à faire``, ``en retard``...)."""
        return STATE_LABELS[self.state]


def exam_calendar(
    birth_date: date, today: date, done: Mapping[str, date] | None = None
) -> tuple[ExamDue, ...]:
    """The 20 exams for a child born on ``birth_date``, as of ``today``; ``done`` maps an
    exam id to the day it was made."""
    done = done or {}
    rows = []
    for exam in child_exams():
        opens = add_period(birth_date, exam.window.start)
        end = add_period(birth_date, exam.window.end) if exam.window.end else None
        state: ExamState
        if exam.id in done:
            state = "done"
        elif today < opens:
            state = "upcoming"
        elif end is None or today < end:
            state = "due"
        else:
            state = "overdue"
        rows.append(
            ExamDue(
                exam=exam,
                opens_on=opens,
                closes_on=end - timedelta(days=1) if end else None,
                state=state,
                done_on=done.get(exam.id),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class ChildCalendar:
    """A child's calendar: who, how old on ``today``, and the 20 exams."""

    patient_id: int
    birth_date: date
    today: date
    age: str
    exams: tuple[ExamDue, ...]


def done_exams(session: Session, patient_id: int) -> dict[str, date]:
    """Exam id → day made, for the exams recorded in the child record."""
    rows = session.execute(
        select(ChildExamRecord.exam_id, ChildExamRecord.examined_on).where(
            ChildExamRecord.patient_id == patient_id
        )
    ).all()
    return {r.exam_id: r.examined_on for r in rows}


def patient_calendar(
    session: Session, patient_id: int, *, actor: Actor, today: date
) -> ChildCalendar:
    """The calendar of patient ``patient_id`` on ``today`` (read checked and traced)."""
    patient = child(session, patient_id, actor, "patients:read")
    return ChildCalendar(
        patient_id=patient.id,
        birth_date=patient.birth_date,
        today=today,
        age=age_text(patient.birth_date, today) if today >= patient.birth_date else "à naître",
        exams=exam_calendar(patient.birth_date, today, done_exams(session, patient.id)),
    )
