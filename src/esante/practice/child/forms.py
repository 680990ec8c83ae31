"""The form of a compulsory exam, prefilled from what the child record holds.

The seed's requirement (LGC.CSE.04, "pré-remplissage des champs du document avec les
informations disponibles dans le dossier patient", and the clinician's extra fields): the
form shows the child's identity and age, the parents (legal representatives), the
measurements of the day (else the latest) with their WHO z-scores, the vaccinations the
vaccination record exposes, the previous exams and their conclusions, then the exam's
questions (its themes, :mod:`esante.cda.build.child_exam`). An exam already recorded
comes back as it was entered; otherwise a question is prefilled only from a fact of the
record (vaccinations given, BMI, regained birth weight), never with a guessed finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build.ages import age_text
from esante.cda.build.child_exam import ChildExam, child_exam
from esante.cda.examples.people import RELATIONSHIPS
from esante.practice.actors import Actor
from esante.practice.child import growth
from esante.practice.child.certificates_prompt import CertificatePrompt, certificate_prompt
from esante.practice.child.measurements import Measures, patient_measures
from esante.practice.child.records import child
from esante.practice.child.vaccinations import recorded_vaccinations, vaccination_text
from esante.store import Patient
from esante.store.child_models import ChildExamRecord


@dataclass(frozen=True)
class Parent:
    """A legal representative as the form shows them."""

    relationship: str
    name: str
    phone: str | None


@dataclass(frozen=True)
class GrowthReading:
    """One measure of the day against the WHO reference (z None: not covered)."""

    indicator: growth.Indicator
    label: str
    value: Decimal
    unit: str
    z: Decimal | None
    percentile: float | None

    @property
    def text(self) -> str:
        """``9,1 kg (z = -0,04 ; 48e percentile)``."""
        value = f"{self.value}".replace(".", ",")
        if self.z is None or self.percentile is None:
            return f"{value} {self.unit} (hors références OMS pour cet âge)"
        z = f"{self.z:+.2f}".replace(".", ",")
        return f"{value} {self.unit} (z = {z} ; {round(self.percentile)}e percentile)"


@dataclass(frozen=True)
class PreviousExam:
    """An exam recorded before this one."""

    exam_id: str
    title: str
    examined_on: date
    conclusion: str | None


@dataclass(frozen=True)
class Question:
    """One question of the exam (a theme) and its answer (prefilled or entered)."""

    theme: str
    answer: str


@dataclass(frozen=True)
class ExamForm:
    """Everything the clinician sees when opening an exam."""

    exam: ChildExam
    patient_id: int
    child_name: str
    sex: str
    birth_date: date
    examined_on: date
    age: str
    parents: tuple[Parent, ...]
    measures: Measures | None
    growth: tuple[GrowthReading, ...]
    vaccinations: tuple[str, ...]
    previous_exams: tuple[PreviousExam, ...]
    questions: tuple[Question, ...]
    extra_fields: tuple[tuple[str, str], ...]
    conclusion: str
    certificate: CertificatePrompt | None
    recorded: bool
    document_id: int | None = None


def parents(patient: Patient) -> tuple[Parent, ...]:
    """The legal representatives, mother first."""
    order = {"MTH": 0, "FTH": 1}
    return tuple(
        Parent(
            RELATIONSHIPS.get(r.relationship_code, r.relationship_code),
            f"{r.given_name} {r.family_name}",
            r.phone,
        )
        for r in sorted(
            patient.legal_representatives, key=lambda r: order.get(r.relationship_code, 9)
        )
    )


def measures_of(all_measures: tuple[Measures, ...], on: date) -> Measures | None:
    """The visit of ``on``, else the latest before it."""
    before = [m for m in all_measures if m.measured_on <= on]
    return before[-1] if before else None


def growth_readings(patient: Patient, measures: Measures | None) -> tuple[GrowthReading, ...]:
    """The day's measures with their WHO z-score and percentile."""
    if measures is None:
        return ()
    values: list[tuple[growth.Indicator, Decimal | None]] = [
        ("weight", None if measures.weight_g is None else Decimal(measures.weight_g) / 1000),
        ("height", measures.height_cm),
        ("head", measures.head_circumference_cm),
        ("bmi", measures.bmi),
    ]
    readings = []
    for indicator, value in values:
        if value is None:
            continue
        reference = growth.REFERENCES[indicator]
        z = growth.z_score(indicator, patient.sex, patient.birth_date, measures.measured_on, value)
        readings.append(
            GrowthReading(
                indicator,
                reference.label,
                value.normalize() if indicator == "weight" else value,
                reference.unit,
                z,
                None if z is None else growth.percentile(z),
            )
        )
    return tuple(readings)


def _prefill(
    theme: str,
    measures: Measures | None,
    all_measures: tuple[Measures, ...],
    vaccinations: tuple[str, ...],
    readings: tuple[GrowthReading, ...],
) -> str:
    lowered = theme.lower()
    if lowered.startswith("vaccination") and vaccinations:
        return "Vaccinations reçues : " + " ; ".join(vaccinations) + "."
    if "indice de masse corporelle" in lowered:
        bmi = next((r for r in readings if r.indicator == "bmi"), None)
        return f"IMC {bmi.text}." if bmi else ""
    if "poids de naissance" in lowered and measures is not None and measures.weight_g:
        first = next((m for m in all_measures if m.weight_g is not None), None)
        if first is not None and first is not measures and first.weight_g is not None:
            gained = measures.weight_g - first.weight_g
            return (
                f"Poids {measures.weight_g} g le {measures.measured_on:%d/%m/%Y} contre "
                f"{first.weight_g} g le {first.measured_on:%d/%m/%Y} ({gained:+d} g)."
            )
    return ""


def exam_record(session: Session, patient_id: int, exam_id: str) -> ChildExamRecord | None:
    """The recorded exam ``exam_id`` of the patient, if any."""
    return session.scalar(
        select(ChildExamRecord).where(
            ChildExamRecord.patient_id == patient_id, ChildExamRecord.exam_id == exam_id
        )
    )


def exam_form(
    session: Session, patient_id: int, exam_id: str, *, actor: Actor, today: date
) -> ExamForm:
    """The form of exam ``exam_id`` for the patient, prefilled (read checked and traced).

    ``today`` is the exam day unless the exam is already recorded (then its own day).
    """
    exam = child_exam(exam_id)
    patient = child(session, patient_id, actor, "patients:read")
    record = exam_record(session, patient.id, exam.id)
    on = record.examined_on if record is not None else today
    all_measures = patient_measures(session, patient.id)
    measures = measures_of(all_measures, on)
    readings = growth_readings(patient, measures)
    vaccinations = tuple(
        vaccination_text(v) for v in recorded_vaccinations(session, patient.id, on)
    )
    previous = tuple(
        PreviousExam(r.exam_id, child_exam(r.exam_id).title, r.examined_on, r.conclusion)
        for r in session.scalars(
            select(ChildExamRecord)
            .where(ChildExamRecord.patient_id == patient.id, ChildExamRecord.exam_id != exam.id)
            .order_by(ChildExamRecord.examined_on)
        )
        if r.examined_on <= on
    )
    if record is not None:
        answers: dict[str, str] = json.loads(record.answers)
        extra = tuple((str(k), str(v)) for k, v in json.loads(record.extra_fields))
        conclusion = record.conclusion or ""
    else:
        answers = {
            t: _prefill(t, measures, all_measures, vaccinations, readings) for t in exam.themes
        }
        extra = ()
        conclusion = ""
    return ExamForm(
        exam=exam,
        patient_id=patient.id,
        child_name=f"{patient.used_given_name or patient.first_given_name} "
        f"{patient.used_family_name or patient.birth_family_name}",
        sex=patient.sex,
        birth_date=patient.birth_date,
        examined_on=on,
        age=age_text(patient.birth_date, on) if on >= patient.birth_date else "à naître",
        parents=parents(patient),
        measures=measures,
        growth=readings,
        vaccinations=vaccinations,
        previous_exams=previous,
        questions=tuple(Question(t, answers.get(t, "")) for t in exam.themes),
        extra_fields=extra,
        conclusion=conclusion,
        certificate=certificate_prompt(exam.id),
        recorded=record is not None,
        document_id=record.document_id if record is not None else None,
    )
