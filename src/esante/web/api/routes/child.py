"""REST routes of the child health record (issue 15): exams, certificates, measures, curves.

Thin: each route parses, calls :mod:`esante.practice.child` (where the rules, the
authorisation and the trace are), commits and shapes. "Today" is the service's date in
Paris. Validating a report, a certificate or the measures is the same "Valider" as
``POST /api/patients/{id}/documents``: stored and the catalogue's sends queued in one
transaction, with the service's kit, deferral, DMP authentication and PMI address.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from esante.cda.build._xml import PARIS
from esante.practice.child import (
    CertificateAnswers,
    Cs8Answers,
    ExamEntry,
    Measures,
    certificate_form,
    delete_measures,
    exam_form,
    list_measures,
    patient_calendar,
    record_exam,
    record_measures,
    validate_certificate,
    validate_exam_report,
    validate_mde,
)
from esante.practice.child.calendar import ExamDue
from esante.practice.child.certificates_prompt import CertificatePrompt
from esante.practice.child.curves import indicator_value, parse_indicator, patient_growth_chart
from esante.practice.child.exams import exam_report_pdf
from esante.practice.child.growth import REFERENCES, z_score
from esante.practice.child.records import SendOptions
from esante.practice.conformance import kit_validator
from esante.practice.documents import ValidatedDocument, dmp_delivery
from esante.store import Patient, utcnow
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.schemas.common import (
    CONFLICT,
    INVALID,
    NOT_FOUND,
    InputModel,
    RecordId,
)
from esante.web.api.schemas.documents import ValidatedDocumentPublic
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["child"], responses=INVALID)

ExamId = Annotated[str, Path(max_length=10, description="Examen : j8, s2, m2… m9, m24-25… a15-16")]
Certificate = Annotated[str, Path(max_length=5, description="Certificat : CS8, CS9 ou CS24")]


def _today() -> date:
    return utcnow().astimezone(PARIS).date()


def _options(settings: SettingsDep) -> SendOptions:
    return SendOptions(
        kit=kit_validator(settings),
        default_deferral=timedelta(seconds=settings.deferral_seconds),
        feed_auth=settings.feed_auth,
        pmi_address=settings.pmi_address,
    )


def _validated(session: Session, done: ValidatedDocument) -> ValidatedDocumentPublic:
    return ValidatedDocumentPublic.of(done, dmp_delivery(session, done.document.id))


class PromptPublic(BaseModel):
    """The certificate due at an exam (CS8 / CS9 / CS24)."""

    certificate: str
    title: str
    message: str
    sent_to_pmi: bool

    @classmethod
    def of(cls, prompt: CertificatePrompt | None) -> PromptPublic | None:
        if prompt is None:
            return None
        return cls(
            certificate=prompt.certificate,
            title=prompt.title,
            message=prompt.message,
            sent_to_pmi=prompt.sent_to_pmi,
        )


class ExamDuePublic(BaseModel):
    """One of the 20 exams for this child."""

    exam_id: str
    title: str
    age: str
    opens_on: date
    closes_on: date | None
    state: str = Field(description="done, due, overdue ou upcoming")
    state_label: str
    done_on: date | None
    certificate: str | None

    @classmethod
    def of(cls, row: ExamDue) -> ExamDuePublic:
        return cls(
            exam_id=row.exam.id,
            title=row.exam.title,
            age=row.exam.age,
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            state=row.state,
            state_label=row.state_label,
            done_on=row.done_on,
            certificate=row.exam.certificate,
        )


class CalendarPublic(BaseModel):
    """The child's calendar of compulsory exams."""

    patient_id: int
    birth_date: date
    today: date
    age: str
    exams: list[ExamDuePublic]


class MeasuresPublic(BaseModel):
    """One visit's measurements, BMI and WHO z-scores (null: not measured or not covered)."""

    id: int | None
    measured_on: date
    weight_g: int | None
    height_cm: Decimal | None
    head_circumference_cm: Decimal | None
    bmi: Decimal | None
    z_scores: dict[str, Decimal | None]
    document_id: int | None

    @classmethod
    def of(cls, measures: Measures, patient: Patient | None = None) -> MeasuresPublic:
        scores: dict[str, Decimal | None] = {}
        if patient is not None:
            for indicator in REFERENCES:
                value = indicator_value(indicator, measures)
                if value is not None:
                    scores[indicator] = z_score(
                        indicator, patient.sex, patient.birth_date, measures.measured_on, value
                    )
        return cls(
            id=measures.id,
            measured_on=measures.measured_on,
            weight_g=measures.weight_g,
            height_cm=measures.height_cm,
            head_circumference_cm=measures.head_circumference_cm,
            bmi=measures.bmi,
            z_scores=scores,
            document_id=measures.document_id,
        )


class MeasuresIn(InputModel):
    """A visit's measurements: at least one."""

    measured_on: date = Field(description="Jour de la mesure")
    weight_g: int | None = Field(default=None, description="Poids en grammes")
    height_cm: Decimal | None = Field(default=None, max_digits=4, decimal_places=1)
    head_circumference_cm: Decimal | None = Field(default=None, max_digits=3, decimal_places=1)


class QuestionPublic(BaseModel):
    theme: str
    answer: str


class GrowthPublic(BaseModel):
    indicator: str
    label: str
    value: Decimal
    unit: str
    z: Decimal | None
    percentile: float | None
    text: str


class ExamFormPublic(BaseModel):
    """The exam's form, prefilled from the record."""

    exam_id: str
    title: str
    exam_age: str
    patient_id: int
    child_name: str
    sex: str
    birth_date: date
    examined_on: date
    age: str
    parents: list[dict[str, str | None]]
    measures: MeasuresPublic | None
    growth: list[GrowthPublic]
    vaccinations: list[str]
    previous_exams: list[dict[str, str | None]]
    questions: list[QuestionPublic]
    extra_fields: list[tuple[str, str]]
    conclusion: str
    certificate: PromptPublic | None
    recorded: bool
    document_id: int | None


class ExamIn(InputModel):
    """The exam as entered: answers per question, extra fields, conclusion."""

    examined_on: date
    answers: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    extra_fields: list[tuple[str, str]] = Field(default_factory=list, max_length=50)
    conclusion: str | None = Field(default=None, max_length=2000)
    measurement_id: RecordId | None = None


class RecordedExamPublic(BaseModel):
    """The exam stored; ``certificate``: the certificate to establish now, if any."""

    record_id: int
    exam_id: str
    examined_on: date
    certificate: PromptPublic | None


class AnswersIn(InputModel):
    """The certificate's answers (codes of the CSE value sets)."""

    mother_birth_date: date | None = None
    mother_activity: str | None = Field(default=None, max_length=20)
    father_activity: str | None = Field(default=None, max_length=20)
    childcare: bool | None = None
    childcare_mode: str | None = Field(default=None, max_length=20)
    children_at_home: int | None = Field(default=None, ge=0, le=30)
    exclusive_breastfeeding_weeks: int | None = Field(default=None, ge=0, le=120)
    domestic_accident: bool | None = None
    neurodevelopment_orientation: bool | None = None
    vitamin_d: bool = True
    screen_exposure: str | None = Field(default=None, max_length=20)
    prematurity_under_33_weeks: bool | None = None
    walking_acquired: bool | None = None
    walking_age_months: int | None = Field(default=None, ge=6, le=36)

    def answers(self) -> CertificateAnswers:
        return CertificateAnswers(**self.model_dump())


class Cs8AnswersIn(InputModel):
    """The CS8's answers: the maternity's facts and the first days (CSE value set codes)."""

    mother_birth_date: date | None = None
    mother_activity: str | None = Field(default=None, max_length=20)
    alcohol_glasses_per_week: int | None = Field(default=None, ge=0, le=200)
    tobacco_cigarettes_per_day: int | None = Field(default=None, ge=0, le=200)
    other_addiction: bool | None = None
    children_at_home_before: int | None = Field(default=None, ge=0, le=30)
    feeding: str | None = Field(default=None, max_length=20)
    tuberculosis_risk: bool | None = None
    gravidity: int | None = Field(default=None, ge=1, le=30)
    parity: int | None = Field(default=None, ge=1, le=30)
    first_consultation: str | None = Field(default=None, max_length=20)
    preeclampsia: bool | None = None
    gestational_diabetes: bool | None = None
    trisomy_screening: bool | None = None
    ultrasound_count: int | None = Field(default=None, ge=0, le=50)
    morphology_ultrasound: bool | None = None
    early_prenatal_interview: bool | None = None
    hbs: str | None = Field(default=None, max_length=20)
    fetuses: int | None = Field(default=None, ge=1, le=8)
    gestational_age_weeks: int | None = Field(default=None, ge=20, le=45)
    labour_start: str | None = Field(default=None, max_length=20)
    analgesia: str | None = Field(default=None, max_length=20)
    delivery: str | None = Field(default=None, max_length=20)
    hearing_screening_done: bool | None = None
    hearing_result: str | None = Field(default=None, max_length=20)
    specialised_acts: bool = False

    def answers(self) -> Cs8Answers:
        return Cs8Answers(**self.model_dump())


class CertificateFormPublic(BaseModel):
    """The certificate prefilled from its exam."""

    certificate: str
    title: str
    patient_id: int
    exam_id: str
    examined_on: date
    age: str
    parents: list[dict[str, str | None]]
    measures: MeasuresPublic | None
    vaccinations: list[str]
    answers: AnswersIn | Cs8AnswersIn
    sent_to_pmi: bool
    document_id: int | None


@router.get(
    "/patients/{patient_id}/child/exams",
    response_model=CalendarPublic,
    summary="Calendrier des 20 examens obligatoires de l'enfant",
    responses=NOT_FOUND,
)
def calendar(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> CalendarPublic:
    result = patient_calendar(session, patient_id, actor=actor, today=_today())
    session.commit()  # the trace of the read
    return CalendarPublic(
        patient_id=result.patient_id,
        birth_date=result.birth_date,
        today=result.today,
        age=result.age,
        exams=[ExamDuePublic.of(e) for e in result.exams],
    )


@router.get(
    "/patients/{patient_id}/child/exams/{exam_id}",
    response_model=ExamFormPublic,
    summary="Formulaire d'un examen, prérempli depuis le dossier",
    responses=NOT_FOUND,
)
def read_exam(
    patient_id: RecordId, exam_id: ExamId, session: SessionDep, actor: ActorDep
) -> ExamFormPublic:
    form = exam_form(session, patient_id, exam_id, actor=actor, today=_today())
    patient = session.get(Patient, patient_id)
    session.commit()
    return ExamFormPublic(
        exam_id=form.exam.id,
        title=form.exam.title,
        exam_age=form.exam.age,
        patient_id=form.patient_id,
        child_name=form.child_name,
        sex=form.sex,
        birth_date=form.birth_date,
        examined_on=form.examined_on,
        age=form.age,
        parents=[
            {"relationship": p.relationship, "name": p.name, "phone": p.phone} for p in form.parents
        ],
        measures=MeasuresPublic.of(form.measures, patient) if form.measures else None,
        growth=[
            GrowthPublic(
                indicator=r.indicator,
                label=r.label,
                value=r.value,
                unit=r.unit,
                z=r.z,
                percentile=r.percentile,
                text=r.text,
            )
            for r in form.growth
        ],
        vaccinations=list(form.vaccinations),
        previous_exams=[
            {
                "exam_id": p.exam_id,
                "title": p.title,
                "examined_on": p.examined_on.isoformat(),
                "conclusion": p.conclusion,
            }
            for p in form.previous_exams
        ],
        questions=[QuestionPublic(theme=q.theme, answer=q.answer) for q in form.questions],
        extra_fields=list(form.extra_fields),
        conclusion=form.conclusion,
        certificate=PromptPublic.of(form.certificate),
        recorded=form.recorded,
        document_id=form.document_id,
    )


@router.put(
    "/patients/{patient_id}/child/exams/{exam_id}",
    response_model=RecordedExamPublic,
    summary="Enregistrer un examen (et savoir quel certificat établir)",
    responses={**NOT_FOUND, **CONFLICT},
)
def put_exam(
    patient_id: RecordId, exam_id: ExamId, body: ExamIn, session: SessionDep, actor: ActorDep
) -> RecordedExamPublic:
    recorded = record_exam(
        session,
        patient_id,
        exam_id,
        ExamEntry(
            examined_on=body.examined_on,
            answers=body.answers,
            extra_fields=body.extra_fields,
            conclusion=body.conclusion,
            measurement_id=body.measurement_id,
        ),
        actor=actor,
    )
    session.commit()
    return RecordedExamPublic(
        record_id=recorded.record_id,
        exam_id=recorded.exam_id,
        examined_on=recorded.examined_on,
        certificate=PromptPublic.of(recorded.certificate),
    )


@router.post(
    "/patients/{patient_id}/child/exams/{exam_id}/report",
    response_model=ValidatedDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider le compte rendu d'examen (N1) : enregistré et envoyé au DMP",
    responses={**NOT_FOUND, **CONFLICT},
)
def validate_report(
    patient_id: RecordId,
    exam_id: ExamId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
) -> ValidatedDocumentPublic:
    done = validate_exam_report(
        session, patient_id, exam_id, actor=actor, options=_options(settings)
    )
    session.commit()
    response.headers["Location"] = f"/api/documents/{done.document.id}"
    return _validated(session, done)


@router.get(
    "/patients/{patient_id}/child/exams/{exam_id}/report.pdf",
    summary="Compte rendu d'examen à imprimer pour les parents (PDF/A)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND},
)
def report_pdf(
    patient_id: RecordId, exam_id: ExamId, session: SessionDep, actor: ActorDep
) -> Response:
    pdf = exam_report_pdf(session, patient_id, exam_id, actor=actor)
    session.commit()  # the trace of the read
    return Response(content=pdf, media_type="application/pdf")


def _answers(answers: CertificateAnswers | Cs8Answers) -> AnswersIn | Cs8AnswersIn:
    if isinstance(answers, Cs8Answers):
        return Cs8AnswersIn.model_validate(answers.__dict__)
    return AnswersIn.model_validate(answers.__dict__)


@router.get(
    "/patients/{patient_id}/child/certificates/{certificate}",
    response_model=CertificateFormPublic,
    summary="Certificat de santé prérempli depuis son examen",
    responses=NOT_FOUND,
)
def read_certificate(
    patient_id: RecordId, certificate: Certificate, session: SessionDep, actor: ActorDep
) -> CertificateFormPublic:
    form = certificate_form(session, patient_id, certificate, actor=actor, today=_today())
    patient = session.get(Patient, patient_id)
    session.commit()
    return CertificateFormPublic(
        certificate=form.certificate,
        title=form.title,
        patient_id=form.patient_id,
        exam_id=form.exam_id,
        examined_on=form.examined_on,
        age=form.age,
        parents=[
            {"relationship": p.relationship, "name": p.name, "phone": p.phone} for p in form.parents
        ],
        measures=MeasuresPublic.of(form.measures, patient) if form.measures else None,
        vaccinations=list(form.vaccinations),
        answers=_answers(form.answers),
        sent_to_pmi=form.sent_to_pmi,
        document_id=form.document_id,
    )


@router.post(
    "/patients/{patient_id}/child/certificates/CS8",
    response_model=ValidatedDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider le certificat du 8e jour (CS8) : enregistré, envoyé au DMP",
    responses={**NOT_FOUND, **CONFLICT},
)
def post_cs8(
    patient_id: RecordId,
    body: Cs8AnswersIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
) -> ValidatedDocumentPublic:
    done = validate_certificate(
        session, patient_id, "CS8", body.answers(), actor=actor, options=_options(settings)
    )
    session.commit()
    response.headers["Location"] = f"/api/documents/{done.document.id}"
    return _validated(session, done)


@router.post(
    "/patients/{patient_id}/child/certificates/{certificate}",
    response_model=ValidatedDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider le certificat CS9 / CS24 : DMP et envoi MSSanté à la PMI",
    responses={**NOT_FOUND, **CONFLICT},
)
def post_certificate(
    patient_id: RecordId,
    certificate: Certificate,
    body: AnswersIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
) -> ValidatedDocumentPublic:
    done = validate_certificate(
        session, patient_id, certificate, body.answers(), actor=actor, options=_options(settings)
    )
    session.commit()
    response.headers["Location"] = f"/api/documents/{done.document.id}"
    return _validated(session, done)


@router.get(
    "/patients/{patient_id}/child/measurements",
    response_model=list[MeasuresPublic],
    summary="Mesures de l'enfant (poids, taille, périmètre crânien, IMC, z-scores OMS)",
    responses=NOT_FOUND,
)
def get_measurements(
    patient_id: RecordId, session: SessionDep, actor: ActorDep
) -> list[MeasuresPublic]:
    rows = list_measures(session, patient_id, actor=actor)
    patient = session.get(Patient, patient_id)
    session.commit()
    return [MeasuresPublic.of(m, patient) for m in rows]


@router.post(
    "/patients/{patient_id}/child/measurements",
    response_model=MeasuresPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer les mesures d'une visite",
    responses=NOT_FOUND,
)
def post_measurements(
    patient_id: RecordId, body: MeasuresIn, session: SessionDep, actor: ActorDep
) -> MeasuresPublic:
    stored = record_measures(
        session,
        patient_id,
        Measures(
            measured_on=body.measured_on,
            weight_g=body.weight_g,
            height_cm=body.height_cm,
            head_circumference_cm=body.head_circumference_cm,
        ),
        actor=actor,
    )
    patient = session.get(Patient, patient_id)
    session.commit()
    return MeasuresPublic.of(stored, patient)


@router.delete(
    "/patients/{patient_id}/child/measurements/{measurement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Supprimer des mesures saisies par erreur (tant qu'elles n'ont pas été transmises)",
    responses=NOT_FOUND,
)
def remove_measurements(
    patient_id: RecordId, measurement_id: RecordId, session: SessionDep, actor: ActorDep
) -> Response:
    delete_measures(session, patient_id, measurement_id, actor=actor)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/patients/{patient_id}/child/measurements/{measurement_id}/document",
    response_model=ValidatedDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider le document « Mesures de l'enfant » (CSE-MDE) : enregistré, DMP",
    responses={**NOT_FOUND, **CONFLICT},
)
def post_mde(
    patient_id: RecordId,
    measurement_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
) -> ValidatedDocumentPublic:
    done = validate_mde(
        session, patient_id, measurement_id, actor=actor, options=_options(settings)
    )
    session.commit()
    response.headers["Location"] = f"/api/documents/{done.document.id}"
    return _validated(session, done)


@router.get(
    "/patients/{patient_id}/child/growth/{indicator}.svg",
    summary="Courbe de croissance (SVG) : références OMS P3–P97 et mesures de l'enfant",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **NOT_FOUND},
)
def growth_chart(
    patient_id: RecordId,
    indicator: Annotated[str, Path(description="weight, height, head ou bmi")],
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    svg = patient_growth_chart(session, patient_id, parse_indicator(indicator), actor=actor)
    session.commit()
    return Response(content=svg, media_type="image/svg+xml")
