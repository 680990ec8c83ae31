"""Recording a compulsory exam and producing its CR d'examen (N1) for the DMP.

The exam's answers are stored with the child record (one record per exam and child:
re-entering an exam corrects it until its report is validated). The report is the N1
"CR d'examen de l'enfant" (LOINC 59283-2) of :func:`esante.cda.build.child_exam.build_child_exam`
— a PDF/A the parents can be given — signed by the professional signed in, and validated
through :func:`esante.practice.documents.validate_document`, the one "Valider" path: it
is stored and its DMP order created per the Ségur catalogue (row "CR d'examen de
l'enfant", N1, DMP). The exam's window is checked when recording (an exam is made at its
age, :mod:`esante.cda.build.ages`), again by the builder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.build.ages import age_text
from esante.cda.build.child_exam import TYPE_CODE_VALUE, build_child_exam, child_exam
from esante.cda.build.document import BuiltDocument
from esante.cda.build.mde import CONSULTATION
from esante.cda.build.pdf import TextSection
from esante.cda.examples.clinical_data import measure_row
from esante.cda.model import Code
from esante.cda.read import extract_pdf
from esante.practice.actors import Actor
from esante.practice.child.certificates_prompt import CertificatePrompt, certificate_prompt
from esante.practice.child.forms import ExamForm, exam_form, exam_record
from esante.practice.child.header import child_header
from esante.practice.child.measurements import measures_for, paris_time
from esante.practice.child.records import DEFAULT_SEND, SendOptions, child, signed_in_professional
from esante.practice.documents import ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, Document, NotFoundError, Patient, Practitioner, utcnow
from esante.store.child_models import ChildExamRecord

TYPE_CODE = Code(TYPE_CODE_VALUE, v.LOINC, "CR d'examen de l'enfant", "LOINC")
MAX_TEXT = 2000


@dataclass(frozen=True)
class ExamEntry:
    """What the clinician entered: answers per theme, extra fields, conclusion."""

    examined_on: date
    answers: Mapping[str, str]
    extra_fields: Sequence[tuple[str, str]] = ()
    conclusion: str | None = None
    measurement_id: int | None = None


@dataclass(frozen=True)
class RecordedExam:
    """The exam stored, and the certificate it calls for (the prompt), if any."""

    record_id: int
    exam_id: str
    examined_on: date
    certificate: CertificatePrompt | None = None
    warnings: tuple[str, ...] = field(default=())


def _check_entry(exam_id: str, themes: Sequence[str], entry: ExamEntry, patient: Patient) -> None:
    exam = child_exam(exam_id)
    if not exam.window.contains(patient.birth_date, entry.examined_on):
        raise PracticeValidationError(
            f"L'{exam.title[0].lower()}{exam.title[1:]} se fait {exam.window.label} ; "
            f"l'enfant a {age_text(patient.birth_date, entry.examined_on)} le "
            f"{entry.examined_on:%d/%m/%Y}."
            if entry.examined_on >= patient.birth_date
            else f"Date d'examen antérieure à la naissance : {entry.examined_on:%d/%m/%Y}.",
            detail=f"{exam_id} window does not hold {entry.examined_on}",
            field="examined_on",
        )
    for theme, answer in entry.answers.items():
        if theme not in themes:
            raise PracticeValidationError(
                f"Question inconnue pour cet examen : « {theme} ». Ajoutez-la comme champ "
                "complémentaire.",
                detail=f"{theme!r} not among {exam_id} themes",
                field=f"answers.{theme}",
            )
        if len(answer) > MAX_TEXT:
            raise PracticeValidationError(
                f"Réponse trop longue pour « {theme} » ({MAX_TEXT} caractères au plus).",
                detail=f"{len(answer)} characters",
                field=f"answers.{theme}",
            )
    for index, (label, value) in enumerate(entry.extra_fields):
        if not label.strip():
            raise PracticeValidationError(
                "Un champ complémentaire doit avoir un intitulé.",
                detail=f"extra field {index} without label",
                field=f"extra_fields[{index}].label",
            )
        if len(value) > MAX_TEXT:
            raise PracticeValidationError(
                f"Champ « {label} » trop long ({MAX_TEXT} caractères au plus).",
                detail=f"{len(value)} characters",
                field=f"extra_fields[{index}].value",
            )


def record_exam(
    session: Session,
    patient_id: int,
    exam_id: str,
    entry: ExamEntry,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> RecordedExam:
    """Store (or correct) exam ``exam_id`` of the patient; the caller commits.

    Refused when the day is outside the exam's window, an answer names no question of the
    exam, or the exam's report was already validated (:class:`ConflictError`: a validated
    report is corrected by a new version, not by editing the exam).
    """
    now = now or utcnow()
    exam = child_exam(exam_id)
    patient = child(session, patient_id, actor, "patients:write")
    _check_entry(exam.id, exam.themes, entry, patient)
    if entry.measurement_id is not None:
        measures_for(session, patient.id, entry.measurement_id)
    record = exam_record(session, patient.id, exam.id)
    if record is not None and record.document_id is not None:
        raise ConflictError(
            "Le compte rendu de cet examen a déjà été validé : il ne peut plus être modifié.",
            detail=f"child_exam {record.id} has document {record.document_id}",
            field="exam",
        )
    if record is None:
        record = ChildExamRecord(patient_id=patient.id, exam_id=exam.id)
        session.add(record)
    record.examined_on = entry.examined_on
    record.practitioner_id = actor.practitioner_id
    record.measurement_id = entry.measurement_id
    record.answers = json.dumps(dict(entry.answers), ensure_ascii=False)
    record.extra_fields = json.dumps([list(p) for p in entry.extra_fields], ensure_ascii=False)
    record.conclusion = (entry.conclusion or "").strip() or None
    record.recorded_at = now
    session.flush()
    return RecordedExam(record.id, exam.id, entry.examined_on, certificate_prompt(exam.id))


def report_sections(form: ExamForm) -> tuple[TextSection, ...]:
    """The questionnaire of the report, from the exam as recorded (see :mod:`.forms`)."""
    child_rows = [
        ("Enfant", form.child_name),
        ("Né(e) le", f"{form.birth_date:%d/%m/%Y}"),
        ("Âge à l'examen", form.age),
        *((p.relationship, p.name) for p in form.parents),
    ]
    sections = [TextSection("Enfant", rows=tuple(child_rows))]
    if form.measures is not None:
        rows = [measure_row(m) for m in form.measures.cda()]
        rows += [(f"{r.label} (références OMS)", r.text) for r in form.growth]
        sections.append(
            TextSection(f"Mesures du {form.measures.measured_on:%d/%m/%Y}", rows=tuple(rows))
        )
    sections.append(
        TextSection(
            "Points examinés",
            rows=tuple((q.theme, q.answer or "Non renseigné") for q in form.questions),
        )
    )
    if form.extra_fields:
        sections.append(TextSection("Observations complémentaires", rows=form.extra_fields))
    if form.vaccinations:
        sections.append(TextSection("Vaccinations", form.vaccinations))
    sections.append(TextSection("Conclusion", (form.conclusion or "Sans conclusion écrite.",)))
    return tuple(sections)


def build_exam_report(
    session: Session,
    patient_id: int,
    exam_id: str,
    *,
    actor: Actor,
    author: Practitioner,
    now: datetime,
) -> BuiltDocument:
    """The N1 report of the recorded exam, authored by ``author`` (no store, no send)."""
    form = exam_form(session, patient_id, exam_id, actor=actor, today=now.date())
    if not form.recorded:
        raise NotFoundError(
            f"L'{form.exam.title[0].lower()}{form.exam.title[1:]} n'est pas encore saisi.",
            detail=f"no child_exam {exam_id} for patient {patient_id}",
            field="exam",
        )
    patient = session.get(Patient, patient_id)
    assert patient is not None
    header = child_header(
        patient,
        author,
        type_code=TYPE_CODE,
        title=f"Compte rendu de l'examen de santé de l'enfant — {form.exam.title}",
        service_event=CONSULTATION,
        when=paris_time(form.examined_on, now),
    )
    return build_child_exam(header, form.exam, report_sections(form))


def validate_exam_report(
    session: Session,
    patient_id: int,
    exam_id: str,
    *,
    actor: Actor,
    now: datetime | None = None,
    options: SendOptions = DEFAULT_SEND,
) -> ValidatedDocument:
    """Build the recorded exam's report, signed by the actor, and validate it (stored,
    DMP order per the catalogue); the caller commits."""
    now = now or utcnow()
    exam = child_exam(exam_id)
    patient = child(session, patient_id, actor, "patients:write")
    author = signed_in_professional(session, actor)
    record = exam_record(session, patient.id, exam.id)
    if record is not None and record.document_id is not None:
        raise ConflictError(
            "Le compte rendu de cet examen a déjà été validé.",
            detail=f"child_exam {record.id} has document {record.document_id}",
            field="exam",
        )
    built = build_exam_report(session, patient.id, exam.id, actor=actor, author=author, now=now)
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
    assert record is not None
    record.document_id = validated.document.id
    session.flush()
    return validated


def exam_report_pdf(
    session: Session,
    patient_id: int,
    exam_id: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> bytes:
    """The report as the parents are given it (PDF/A): the validated one, else a preview
    of the exam as recorded, signed by the actor (built, neither stored nor sent)."""
    now = now or utcnow()
    exam = child_exam(exam_id)
    patient = child(session, patient_id, actor, "patients:read")
    record = exam_record(session, patient.id, exam.id)
    if record is not None and record.document_id is not None:
        document = session.get(Document, record.document_id)
        if document is not None:
            return extract_pdf(document.content)
    author = signed_in_professional(session, actor)
    built = build_exam_report(session, patient.id, exam.id, actor=actor, author=author, now=now)
    return extract_pdf(built.xml)
