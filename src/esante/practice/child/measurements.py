"""Mesures de l'enfant: weight, height, head circumference at each visit, BMI computed.

The carnet de santé records them at every exam (Code de la santé publique,
art. L.2132-1); the CI-SIS volet CSE-MDE carries them as an N3 document (weight in g,
height and head circumference in cm, BMI in kg/m², :mod:`esante.cda.build.mde`). They are
stored per visit in whole grams and millimetres (exact on SQLite and PostgreSQL); the BMI
is weight (kg) / height (m)², one decimal, computed and never stored. Bounds refuse typing
slips, not unusual children: 300 g to 150 kg, 20 to 220 cm, head 20 to 70 cm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build._xml import PARIS
from esante.cda.build.mde import CONSULTATION, MdeContent, build_mde
from esante.cda.build.mde import TYPE_CODE as MDE_TYPE
from esante.cda.clinical import Measurement, Quantity
from esante.cda.examples.clinical_data import BMI, HEAD_CIRCUMFERENCE, HEIGHT, WEIGHT
from esante.practice.actors import Actor
from esante.practice.child.header import child_header
from esante.practice.child.records import DEFAULT_SEND, SendOptions, child, signed_in_professional
from esante.practice.documents import ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.store import NotFoundError, Patient, utcnow
from esante.store.child_models import ChildMeasurement

WEIGHT_G = (300, 150_000)
HEIGHT_CM = (Decimal(20), Decimal(220))
HEAD_CM = (Decimal(20), Decimal(70))
TENTH = Decimal("0.1")


def bmi(weight_g: int, height_cm: Decimal) -> Decimal:
    """Body mass index in kg/m², one decimal (half up): weight (kg) / height (m)²."""
    metres = height_cm / 100
    return (Decimal(weight_g) / 1000 / (metres * metres)).quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Measures:
    """One visit's measurements; any may be missing (not measured that day)."""

    measured_on: date
    weight_g: int | None = None
    height_cm: Decimal | None = None
    head_circumference_cm: Decimal | None = None
    id: int | None = None
    document_id: int | None = None

    @property
    def bmi(self) -> Decimal | None:
        """The BMI when weight and height were both measured."""
        if self.weight_g is None or self.height_cm is None:
            return None
        return bmi(self.weight_g, self.height_cm)

    def cda(self) -> tuple[Measurement, ...]:
        """The measurements as the CSE-MDE / CS9 / CS24 carry them (LOINC, UCUM)."""
        day = self.measured_on
        items = []
        if self.weight_g is not None:
            items.append(Measurement(WEIGHT, Quantity(Decimal(self.weight_g), "g"), day))
        if self.height_cm is not None:
            items.append(Measurement(HEIGHT, Quantity(self.height_cm, "cm"), day))
        if self.head_circumference_cm is not None:
            items.append(
                Measurement(HEAD_CIRCUMFERENCE, Quantity(self.head_circumference_cm, "cm"), day)
            )
        if (value := self.bmi) is not None:
            items.append(Measurement(BMI, Quantity(value, "kg/m2"), day))
        return tuple(items)


def _cm(mm: int | None) -> Decimal | None:
    return None if mm is None else (Decimal(mm) / 10).quantize(TENTH)


def _mm(cm: Decimal | None) -> int | None:
    return None if cm is None else int((cm * 10).quantize(Decimal(1), ROUND_HALF_UP))


def from_row(row: ChildMeasurement) -> Measures:
    """A stored visit as :class:`Measures`."""
    return Measures(
        measured_on=row.measured_on,
        weight_g=row.weight_g,
        height_cm=_cm(row.height_mm),
        head_circumference_cm=_cm(row.head_circumference_mm),
        id=row.id,
        document_id=row.document_id,
    )


def _check(measures: Measures, birth_date: date, today: date) -> None:
    if (
        measures.weight_g is None
        and measures.height_cm is None
        and measures.head_circumference_cm is None
    ):
        raise PracticeValidationError(
            "Indiquez au moins une mesure : poids, taille ou périmètre crânien.",
            detail="no measure given",
            field="weight_g",
        )
    if not birth_date <= measures.measured_on <= today:
        raise PracticeValidationError(
            f"Date de mesure impossible : {measures.measured_on:%d/%m/%Y} (l'enfant est né le "
            f"{birth_date:%d/%m/%Y}, nous sommes le {today:%d/%m/%Y}).",
            detail=f"measured_on {measures.measured_on} outside [{birth_date}, {today}]",
            field="measured_on",
        )
    if measures.weight_g is not None and not WEIGHT_G[0] <= measures.weight_g <= WEIGHT_G[1]:
        raise PracticeValidationError(
            f"Poids invalide : {measures.weight_g} g (attendu entre 300 g et 150 kg, en grammes).",
            detail=f"weight_g {measures.weight_g} outside {WEIGHT_G}",
            field="weight_g",
        )
    for value, (low, high), field, name in (
        (measures.height_cm, HEIGHT_CM, "height_cm", "Taille"),
        (measures.head_circumference_cm, HEAD_CM, "head_circumference_cm", "Périmètre crânien"),
    ):
        if value is not None and not low <= value <= high:
            raise PracticeValidationError(
                f"{name} invalide : {value} cm (attendu entre {low} et {high} cm).",
                detail=f"{field} {value} outside [{low}, {high}]",
                field=field,
            )


def record_measures(
    session: Session,
    patient_id: int,
    measures: Measures,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Measures:
    """Store one visit's measurements (write checked and traced); the caller commits."""
    now = now or utcnow()
    patient = child(session, patient_id, actor, "patients:write")
    _check(measures, patient.birth_date, now.astimezone(PARIS).date())
    row = ChildMeasurement(
        patient_id=patient.id,
        measured_on=measures.measured_on,
        weight_g=measures.weight_g,
        height_mm=_mm(measures.height_cm),
        head_circumference_mm=_mm(measures.head_circumference_cm),
        recorded_by_id=actor.practitioner_id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return from_row(row)


def patient_measures(session: Session, patient_id: int) -> tuple[Measures, ...]:
    """The child's visits, oldest first (no check: for callers that already checked)."""
    rows = session.scalars(
        select(ChildMeasurement)
        .where(ChildMeasurement.patient_id == patient_id)
        .order_by(ChildMeasurement.measured_on, ChildMeasurement.id)
    )
    return tuple(from_row(r) for r in rows)


def list_measures(session: Session, patient_id: int, *, actor: Actor) -> tuple[Measures, ...]:
    """The child's visits, oldest first (read checked and traced)."""
    patient = child(session, patient_id, actor, "patients:read")
    return patient_measures(session, patient.id)


def _row(session: Session, patient_id: int, measurement_id: int) -> ChildMeasurement:
    row = session.get(ChildMeasurement, measurement_id)
    if row is None or row.patient_id != patient_id:
        raise NotFoundError(
            f"Mesures introuvables pour ce patient : {measurement_id}.",
            detail=f"child_measurement id={measurement_id} patient={patient_id}",
            field="measurement_id",
        )
    return row


def delete_measures(
    session: Session, patient_id: int, measurement_id: int, *, actor: Actor
) -> None:
    """Remove a visit typed in error; refused once a document was validated from it."""
    child(session, patient_id, actor, "patients:write")
    row = _row(session, patient_id, measurement_id)
    if row.document_id is not None:
        raise PracticeValidationError(
            "Ces mesures ont été transmises (document « Mesures de l'enfant ») : elles ne "
            "peuvent plus être supprimées.",
            detail=f"child_measurement {measurement_id} has document {row.document_id}",
            field="measurement_id",
        )
    session.delete(row)
    session.flush()


def measures_for(session: Session, patient_id: int, measurement_id: int) -> Measures:
    """One stored visit of the patient (no check: for callers that already checked)."""
    return from_row(_row(session, patient_id, measurement_id))


def paris_time(day: date, now: datetime) -> datetime:
    """``day`` at the time of ``now`` in Paris: the time of a document about that day."""
    local = now.astimezone(PARIS)
    return local if local.date() == day else datetime.combine(day, local.time(), PARIS)


def validate_mde(
    session: Session,
    patient_id: int,
    measurement_id: int,
    *,
    actor: Actor,
    now: datetime | None = None,
    options: SendOptions = DEFAULT_SEND,
) -> ValidatedDocument:
    """Build the CSE-MDE of one visit, signed by the actor, and validate it (stored, DMP
    order per the Ségur catalogue); the caller commits."""
    now = now or utcnow()
    patient: Patient = child(session, patient_id, actor, "patients:write")
    author = signed_in_professional(session, actor)
    row = _row(session, patient.id, measurement_id)
    measures = from_row(row)
    when = paris_time(measures.measured_on, now)
    header = child_header(
        patient,
        author,
        type_code=MDE_TYPE,
        title="Mesures de l'enfant",
        service_event=CONSULTATION,
        when=when,
    )
    built = build_mde(header, MdeContent(measures.cda(), measures.measured_on))
    validated = validate_document(
        session,
        built.xml,
        patient_id=patient.id,
        actor=actor,
        author_id=author.id,
        kit=options.kit,
        pmi_address=options.pmi_address,
        default_deferral=options.default_deferral,
        deferral=options.deferral,
        feed_auth=options.feed_auth,
        now=now,
    )
    row.document_id = validated.document.id
    session.flush()
    return validated
