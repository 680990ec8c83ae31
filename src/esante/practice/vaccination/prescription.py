"""The one-click prescription of the next vaccines (N1), fed to the DMP.

From the patient's plan (:mod:`.schedule`, history local + received) the doses of the next
visit — overdue and due ones now, else the earliest upcoming — grouped into one
injection where a combined vaccine covers them (DTCaP + Hib + HepB → hexavalent), each
line naming the vaccines of the catalogue that fit (any of them may be dispensed). The
document is a CDA R2 level 1 « Prescription de produits de santé » (LOINC 57833-6, DMP
class 42) whose PDF/A body the parents read in Mon espace santé; it goes through
:func:`esante.practice.documents.validate_document` like any document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.build.pdf import TextSection, build_n1_report
from esante.cda.model import Code
from esante.cda.validate import Validator
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.documents import ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import Vaccine, VaccineCatalogue, antigens_text
from esante.practice.vaccination.header import record_header
from esante.practice.vaccination.history import (
    compile_received_notes,
    given_doses,
    patient_vaccinations,
)
from esante.practice.vaccination.resolve import load_catalogue
from esante.practice.vaccination.schedule import (
    STATUS_LABELS,
    PlannedDose,
    VaccinationPlan,
    group_for_products,
    plan,
)
from esante.store import Patient, Practitioner
from esante.store.base import utcnow
from esante.store.repositories import PatientRepository

PRESCRIPTION_TYPE = Code("57833-6", v.LOINC, "Prescription de produits de santé", "LOINC")


@dataclass(frozen=True)
class PrescriptionLine:
    """One injection to prescribe: the doses it gives and the vaccines that fit."""

    doses: tuple[PlannedDose, ...]
    antigens: tuple[str, ...]
    products: tuple[Vaccine, ...]
    due_on: date

    @property
    def text(self) -> str:
        """The line as the prescription prints it (French)."""
        names = " ou ".join(p.name for p in self.products) or "vaccin à choisir"
        series = ", ".join(
            f"{d.label} (dose {d.rank}{', rappel' if d.booster else ''})" for d in self.doses
        )
        when = f"à partir du {self.due_on:%d/%m/%Y}"
        if any(d.status != "a_venir" for d in self.doses):
            when = "dès que possible (" + STATUS_LABELS[self.doses[0].status] + ")"
        return f"{names} — 1 dose, {when}. Protège contre : {series}."


def patient_plan(session: Session, patient: Patient, on: date) -> VaccinationPlan:
    """The plan of ``patient`` on ``on`` from every vaccination recorded (no check)."""
    compile_received_notes(session, patient.id)
    return plan(patient.birth_date, on, given_doses(patient_vaccinations(session, patient.id)))


def prescription_lines(
    vaccination_plan: VaccinationPlan, catalogue: VaccineCatalogue
) -> tuple[PrescriptionLine, ...]:
    """The injections of the next visit, combined where a vaccine covers several series."""
    lines: list[PrescriptionLine] = []
    for group in group_for_products(vaccination_plan.next_visit):
        antigens = tuple(dict.fromkeys(a for d in group for a in d.product_antigens))
        products = catalogue.covering(antigens)
        if not products and len(group) > 1:
            for dose in group:  # no combined vaccine: one injection per series
                lines.append(
                    PrescriptionLine(
                        (dose,),
                        dose.product_antigens,
                        catalogue.covering(dose.product_antigens),
                        dose.due_on,
                    )
                )
            continue
        lines.append(PrescriptionLine(group, antigens, products, max(d.due_on for d in group)))
    return tuple(lines)


def prescribe_next_vaccines(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    kit: Validator | None = None,
    feed_dmp: bool | None = None,
    author_id: int | None = None,
    now: datetime | None = None,
) -> tuple[ValidatedDocument, tuple[PrescriptionLine, ...]]:
    """Prescribe the next vaccines of the patient (N1), stored and queued for the DMP.
    The caller commits. Raises :class:`PracticeValidationError` when nothing is due
    or no professional signs, and what :func:`validate_document` raises."""
    now = now or utcnow()
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:write", patient, traced_as="documents:create")
    wanted = author_id if author_id is not None else actor.practitioner_id
    author = None if wanted is None else session.get(Practitioner, wanted)
    if author is None:
        raise PracticeValidationError(
            "L'ordonnance est signée par un professionnel : connectez-vous avec votre compte "
            "professionnel.",
            detail=f"actor {actor.actor_id} has no practitioner; author_id={author_id}",
            field="author",
        )
    today = now.astimezone(v.PARIS).date()
    lines = prescription_lines(patient_plan(session, patient, today), load_catalogue(session))
    if not lines:
        raise PracticeValidationError(
            "Aucun vaccin du calendrier 2025 n'est à prévoir pour ce patient : pas d'ordonnance.",
            detail=f"empty next visit for patient {patient_id} on {today}",
            field="patient",
        )
    header = record_header(
        patient,
        author,
        type_code=PRESCRIPTION_TYPE,
        title="Prescription de vaccins",
        service_event=PRESCRIPTION_TYPE,
        when=now.astimezone(v.PARIS),
    )
    body = TextSection(
        "Vaccins à administrer (calendrier des vaccinations 2025)",
        paragraphs=tuple(line.text for line in lines),
        rows=tuple((", ".join(line.antigens), antigens_text(line.antigens)) for line in lines),
    )
    built = build_n1_report(header, (body,))
    validated = validate_document(
        session,
        built.xml,
        patient_id=patient_id,
        actor=actor,
        author_id=author.id,
        feed_dmp=feed_dmp,
        kit=kit,
        now=now,
    )
    return validated, lines


def vaccination_plan(
    session: Session, actor: Actor, patient_id: int, on: date | None = None
) -> VaccinationPlan:
    """The patient's plan as ``actor`` reads it (``documents:read`` checked, the read traced
    as ``patients:read``). Raises :class:`~esante.store.NotFoundError`,
    :class:`~esante.practice.access.AccessDeniedError`."""
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:read", patient, traced_as="patients:read")
    day = on or utcnow().astimezone(v.PARIS).date()
    result = patient_plan(session, patient, day)
    trace.record(session, actor, "patients:read", [patient], detail="calendrier vaccinal")
    return result


__all__ = [
    "PRESCRIPTION_TYPE",
    "PrescriptionLine",
    "patient_plan",
    "prescribe_next_vaccines",
    "prescription_lines",
    "vaccination_plan",
]
