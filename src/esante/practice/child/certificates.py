"""Certificats de santé CS8, CS9, CS24: prefilled from the exam, validated, sent to the PMI.

The seed (LGC.CSE.09/12/15): the certificate of the 9-month and 24-month exams is
prefilled from what the exam recorded (measurements, vaccinations, development,
accidents), completed by the clinician, built as the CSE N3 document
(:mod:`esante.cda.build.cse`) and validated through
:func:`esante.practice.documents.validate_document`, where the Ségur catalogue calls for
the DMP feed *and* the MSSanté message to the PMI platform
(``certificatsdesante@plateformecse.mssante.fr``) — queued by the same click, with no
user action. The answers map to the codes of the CSE value sets (TA_ASIP
``1.2.250.1.213.1.1.4.322``: JDV_TypeGarde_CISIS, JDV_EnfantExposeAuxEcrans_CS24_CISIS,
JDV_ReperageTroubleNeurodeveloppement_CISIS), as the volet's examples do
(:mod:`esante.cda.examples.certificates`).

The CS8 (:mod:`.cs8`) is prefilled from the 8-day exam and the birth measurements; the
maternity's facts (pregnancy, delivery, antenatal tests) are the clinician's answers. It
feeds the DMP (the Ségur catalogue's CS8 row) and is not sent to the PMI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from esante.cda.build.cse import (
    TYPE_CODE,
    build_cs8,
    build_cs9,
    build_cs24,
)
from esante.cda.build.document import BuiltDocument
from esante.cda.build.mde import CONSULTATION
from esante.cda.examples.certificates import CORRESPONDENT, TITLES
from esante.practice.actors import Actor
from esante.practice.child import cs8
from esante.practice.child.certificates_prompt import PMI_CERTIFICATES
from esante.practice.child.cs8 import Cs8Answers
from esante.practice.child.followup import (
    ACTIVITIES,
    CertificateAnswers,
    certificate_content,
    coded,
    relative,
)
from esante.practice.child.forms import Parent, exam_form, exam_record, measures_of
from esante.practice.child.header import child_header
from esante.practice.child.measurements import Measures, measures_for, paris_time, patient_measures
from esante.practice.child.records import DEFAULT_SEND, SendOptions, child, signed_in_professional
from esante.practice.child.vaccinations import recorded_vaccinations
from esante.practice.documents import ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, NotFoundError, Patient, Practitioner, utcnow
from esante.store.child_models import ChildExamRecord

EXAM_OF = {"CS8": "j8", "CS9": "m9", "CS24": "m24-25"}


@dataclass(frozen=True)
class CertificateForm:
    """The certificate as the clinician opens it from the exam."""

    certificate: str
    title: str
    patient_id: int
    exam_id: str
    examined_on: date
    age: str
    parents: tuple[Parent, ...]
    measures: Measures | None
    vaccinations: tuple[str, ...]
    answers: CertificateAnswers | Cs8Answers
    sent_to_pmi: bool
    document_id: int | None = None


def _yes_no(answer: str) -> bool | None:
    """A recorded answer read as yes/no only when it says so first (``oui…``, ``non…``)."""
    words = re.findall(r"\w+", answer.lower())
    if not words:
        return None
    if words[0] in {"oui", "présent", "présente", "acquise", "acquis"}:
        return True
    if words[0] in {"non", "aucun", "aucune", "absence", "absent", "jamais"}:
        return False
    return None


def _which(certificate: str) -> str:
    which = certificate.strip().upper()
    if which not in EXAM_OF:
        raise PracticeValidationError(
            f"Certificat de santé inconnu : « {certificate} » (CS8, CS9 ou CS24).",
            detail=f"certificate {certificate!r}",
            field="certificate",
        )
    return which


def _recorded_exam(session: Session, patient: Patient, which: str) -> ChildExamRecord:
    record = exam_record(session, patient.id, EXAM_OF[which])
    if record is None:
        raise NotFoundError(
            f"Le certificat {which} se remplit à partir de son examen, qui n'est pas encore saisi.",
            detail=f"no child_exam {EXAM_OF[which]} for patient {patient.id}",
            field="exam",
        )
    return record


def certificate_form(
    session: Session, patient_id: int, certificate: str, *, actor: Actor, today: date
) -> CertificateForm:
    """The certificate ``CS8``/``CS9``/``CS24`` prefilled from its recorded exam."""
    which = _which(certificate)
    form = exam_form(session, patient_id, EXAM_OF[which], actor=actor, today=today)
    patient = session.get(Patient, patient_id)
    assert patient is not None
    record = _recorded_exam(session, patient, which)
    answers = {q.theme: q.answer for q in form.questions}
    prefilled: CertificateAnswers | Cs8Answers = CertificateAnswers(
        domestic_accident=_yes_no(answers.get("Accidents domestiques", "")),
        neurodevelopment_orientation=_orientation(
            answers.get("Repérage des troubles du neurodéveloppement")
            or answers.get("Repérage des troubles du spectre de l'autisme", "")
        ),
        screen_exposure="GEN-311"
        if _yes_no(answers.get("Exposition aux écrans", "")) is False
        else None,
        walking_acquired=_walking(session, patient) if which == "CS24" else None,
    )
    measures = _exam_measures(session, patient, record)
    if which == "CS8":
        prefilled = cs8.prefill(answers)
        measures = _birth_measures(session, patient, record)
    return CertificateForm(
        certificate=which,
        title=TITLES[which],
        patient_id=patient.id,
        exam_id=form.exam.id,
        examined_on=form.examined_on,
        age=form.age,
        parents=form.parents,
        measures=measures,
        vaccinations=form.vaccinations,
        answers=prefilled,
        sent_to_pmi=which in PMI_CERTIFICATES,
        document_id=record.certificate_document_id,
    )


def _orientation(answer: str) -> bool | None:
    """Orientation to a coordination platform: yes when the answer says ``orient…``."""
    if not answer.strip():
        return None
    return "orient" in answer.lower() and _yes_no(answer) is not False


def _walking(session: Session, patient: Patient) -> bool | None:
    record = exam_record(session, patient.id, "m16-18")
    if record is None:
        return None
    answers: dict[str, str] = json.loads(record.answers)
    return _yes_no(answers.get("Marche acquise", ""))


def _exam_measures(session: Session, patient: Patient, record: ChildExamRecord) -> Measures | None:
    if record.measurement_id is not None:
        return measures_for(session, patient.id, record.measurement_id)
    return measures_of(patient_measures(session, patient.id), record.examined_on)


def _birth_measures(session: Session, patient: Patient, record: ChildExamRecord) -> Measures | None:
    """The measures taken on the day of birth, else those of the 8-day exam."""
    born = [m for m in patient_measures(session, patient.id) if m.measured_on == patient.birth_date]
    return born[0] if born else _exam_measures(session, patient, record)


def build_certificate(
    session: Session,
    patient_id: int,
    certificate: str,
    answers: CertificateAnswers | Cs8Answers,
    *,
    actor: Actor,
    author: Practitioner,
    now: datetime,
) -> BuiltDocument:
    """The CS8 / CS9 / CS24 of the recorded exam with ``answers`` (no store, no send)."""
    which = _which(certificate)
    patient = child(session, patient_id, actor, "patients:read")
    record = _recorded_exam(session, patient, which)
    immunizations = recorded_vaccinations(session, patient.id, record.examined_on, per_antigen=True)
    header = child_header(
        patient,
        author,
        type_code=TYPE_CODE,
        title=TITLES[which],
        service_event=CONSULTATION,
        when=paris_time(record.examined_on, now),
        with_informants=True,
        participant_function=CORRESPONDENT,
    )
    if which == "CS8" or isinstance(answers, Cs8Answers):
        if which != "CS8" or not isinstance(answers, Cs8Answers):
            raise PracticeValidationError(
                f"Les réponses envoyées ne sont pas celles du certificat {which}.",
                detail=f"{type(answers).__name__} for {which}",
                field="answers",
            )
        cs8.check(answers)
        content8 = cs8.cs8_content(
            answers,
            relative(patient, "MTH", answers.mother_birth_date),
            coded(ACTIVITIES, answers.mother_activity or "", "mother_activity", "Activité"),
            patient.birth_date,
            _birth_measures(session, patient, record),
            immunizations,
        )
        return build_cs8(header, content8)
    measures = _exam_measures(session, patient, record)
    mother = relative(patient, "MTH", answers.mother_birth_date)
    has_father = any(r.relationship_code == "FTH" for r in patient.legal_representatives)
    content = certificate_content(
        which,
        answers,
        mother,
        relative(patient, "FTH", None) if has_father else None,
        measures,
        immunizations,
        patient.birth_date,
        record.examined_on,
    )
    builder = build_cs9 if which == "CS9" else build_cs24
    return builder(header, content)


def validate_certificate(
    session: Session,
    patient_id: int,
    certificate: str,
    answers: CertificateAnswers | Cs8Answers,
    *,
    actor: Actor,
    now: datetime | None = None,
    options: SendOptions = DEFAULT_SEND,
) -> ValidatedDocument:
    """Build the certificate, signed by the actor, and validate it: stored, the DMP order
    and (CS9/CS24) the MSSanté order to the PMI created with it; the caller commits.

    ``options.pmi_address`` replaces the catalogue's PMI address (a test platform)."""
    now = now or utcnow()
    which = _which(certificate)
    patient = child(session, patient_id, actor, "patients:write")
    author = signed_in_professional(session, actor)
    record = _recorded_exam(session, patient, which)
    if record.certificate_document_id is not None:
        raise ConflictError(
            f"Le certificat {which} de cet enfant a déjà été validé.",
            detail=f"child_exam {record.id} has certificate {record.certificate_document_id}",
            field="certificate",
        )
    built = build_certificate(
        session, patient.id, which, answers, actor=actor, author=author, now=now
    )
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
    record.certificate_document_id = validated.document.id
    session.flush()
    return validated


__all__ = [
    "CertificateAnswers",
    "CertificateForm",
    "Cs8Answers",
    "build_certificate",
    "certificate_form",
    "validate_certificate",
]
