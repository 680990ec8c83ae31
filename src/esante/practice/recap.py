"""What the printed consultation recap tells the patient (issue 14, "Print").

At the end of a consultation the patient leaves with one page: the documents produced
today for them, where each one went (their DMP, the MSSanté recipients) and in which
state, the vaccines given today, and the next child health exams due. This module
gathers it, authorised and traced like any read of the record (``documents:read``; the
documents listed traced one record each, ``documents:list``); the console prints it as
a PDF/A with the INS DataMatrix — only when the identity is qualified: an INS is never
printed otherwise (RNIV: the INS is used only once the identity is qualified).

"Today" is the Europe/Paris civil day (the practice's clock), whatever the server's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.outbox import STATE_LABELS
from esante.practice import trace
from esante.practice.actors import Actor
from esante.store.models import Document, Patient, SendOrder
from esante.store.repositories import PatientRepository
from esante.store.vaccination_models import Vaccination

__all__ = [
    "ConsultationRecap",
    "ExamAppointment",
    "RecapDocument",
    "Sending",
    "consultation_recap",
    "next_child_exams",
    "vaccinations_given",
]

PARIS: Final = ZoneInfo("Europe/Paris")
CHILD_RECORD_YEARS: Final = 18
"""The child health record's exams run to 16 years; past 18 the section is left out."""
KIND_LABELS: Final = {"dmp_submit": "DMP (Mon espace santé)", "mss_send": "MSSanté"}


@dataclass(frozen=True)
class Sending:
    """Where a document went: ``channel`` (French), ``recipient`` (an MSSanté address;
    None for the DMP), ``state`` (French) and when it left, if it did."""

    channel: str
    recipient: str | None
    state: str
    sent_at: datetime | None


@dataclass(frozen=True)
class RecapDocument:
    """A document produced today, with its sendings (DMP first, then MSSanté)."""

    id: int
    title: str
    created_at: datetime
    sendings: tuple[Sending, ...]


@dataclass(frozen=True)
class ExamAppointment:
    """A child health exam to come or due now: its title, the child's age for it, and
    the window of days it is made in."""

    title: str
    age: str
    opens_on: date
    closes_on: date | None
    state: str


@dataclass(frozen=True)
class ConsultationRecap:
    """The recap of ``day`` for ``patient``. ``appointments`` is None when the section
    does not apply (an adult, or no child health record in this installation)."""

    patient: Patient
    day: date
    documents: tuple[RecapDocument, ...]
    vaccinations: tuple[Vaccination, ...]
    appointments: tuple[ExamAppointment, ...] | None

    @property
    def ins_printed(self) -> bool:
        """Whether the INS (and its DataMatrix) may be printed: a qualified identity."""
        return self.patient.identity_status == "QUAL" and bool(self.patient.ins_matricule)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)


def _sendings(orders: Sequence[SendOrder]) -> tuple[Sending, ...]:
    rows = [o for o in orders if o.kind in KIND_LABELS]
    rows.sort(key=lambda o: (o.kind != "dmp_submit", o.id))
    return tuple(
        Sending(
            KIND_LABELS[o.kind],
            o.recipient if o.kind == "mss_send" else None,
            STATE_LABELS.get(o.state, o.state),
            o.sent_at,
        )
        for o in rows
    )


def vaccinations_given(
    session: Session, actor: Actor, patient: Patient, day: date
) -> tuple[Vaccination, ...]:
    """The vaccines given in this practice to ``patient`` on ``day``, from the
    vaccination record (:func:`esante.practice.vaccination.vaccination_history`, which
    checks and traces its read). Empty when that record holds none."""
    from esante.practice.vaccination import vaccination_history

    rows = vaccination_history(session, actor, patient.id)
    return tuple(r for r in rows if r.administered_on == day and r.source == "local")


def next_child_exams(
    session: Session, actor: Actor, patient: Patient, day: date, *, upcoming: int = 2
) -> tuple[ExamAppointment, ...] | None:
    """The child health exams due on ``day`` and the ``upcoming`` next ones, from the
    child record's calendar (:func:`esante.practice.child.calendar.patient_calendar`,
    which checks and traces its read); None for a patient of 18 or more."""
    born = patient.birth_date
    adult = date(born.year + CHILD_RECORD_YEARS, born.month, 1) + timedelta(days=born.day - 1)
    if day >= adult:
        return None
    from esante.practice.child.calendar import patient_calendar

    calendar = patient_calendar(session, patient.id, actor=actor, today=day)
    due = [e for e in calendar.exams if e.state == "due"]
    later = sorted((e for e in calendar.exams if e.state == "upcoming"), key=lambda e: e.opens_on)
    return tuple(
        ExamAppointment(e.exam.title, e.exam.age, e.opens_on, e.closes_on, e.state_label)
        for e in [*due, *later[: max(0, upcoming)]]
    )


def consultation_recap(
    session: Session, patient_id: int, *, actor: Actor, day: date
) -> ConsultationRecap:
    """The recap of ``day`` (a Europe/Paris day) for patient ``patient_id``, read by
    ``actor`` (``documents:read`` checked; the documents listed traced).

    Raises :class:`~esante.store.NotFoundError` and
    :class:`~esante.practice.access.AccessDeniedError` (refusal traced)."""
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:read", patient, traced_as="documents:list")
    start, end = _day_bounds(day)
    documents = list(
        session.scalars(
            select(Document)
            .where(
                Document.patient_id == patient.id,
                Document.provenance == "produced",
                Document.created_at >= start,
                Document.created_at < end,
            )
            .order_by(Document.created_at, Document.id)
        )
    )
    orders: dict[int, list[SendOrder]] = {d.id: [] for d in documents}
    if documents:
        for order in session.scalars(
            select(SendOrder).where(SendOrder.document_id.in_(list(orders)))
        ):
            if order.document_id is not None:
                orders[order.document_id].append(order)
    trace.record_documents(
        session, actor, "documents:list", patient, [d.unique_id for d in documents]
    )
    return ConsultationRecap(
        patient=patient,
        day=day,
        documents=tuple(
            RecapDocument(d.id, d.title, d.created_at, _sendings(orders[d.id])) for d in documents
        ),
        vaccinations=vaccinations_given(session, actor, patient, day),
        appointments=next_child_exams(session, actor, patient, day),
    )
