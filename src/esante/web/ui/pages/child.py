"""The child health record at the console (issue 15): the exam calendar, the measures and
the growth curves, the exam forms with the certificate prompt, the certificates.

* ``GET /patients/{id}/enfant`` — the 20 compulsory exams (done / due / overdue / to come,
  dates in French), the measures (weight g, height cm, head circumference cm; BMI
  computed) with the form adding a visit, and the growth curves: the SVG of
  :func:`esante.practice.child.curves.patient_growth_chart` served by esante itself
  (``/patients/{id}/enfant/courbes/<mesure>.svg``), each with a French text alternative
  giving the child's last value, z-score and percentile (WCAG 1.1.1).
* ``GET/POST /patients/{id}/enfant/examens/<exam>`` — the exam's form prefilled from the
  record (LGC.CSE.04: the official exam's questions and the clinician's extra fields);
  once recorded, the 8-day / 9-month / 24-month exam says which certificate is due and
  opens it prefilled (LGC.CSE.09); the CR d'examen (N1) is validated from here and
  printed for the parents.
* ``GET/POST /patients/{id}/enfant/certificats/<cs8|cs9|cs24>`` — the certificate
  prefilled from its exam; the page says before the click what « Valider » sends (the
  Ségur catalogue's row: DMP, and the PMI platform by MSSanté for CS9 / CS24, LGC.CSE.12).

The handlers only read the form, call :mod:`esante.practice.child` (which authorises,
traces and applies the rules) and render; a refused form comes back with the French
error naming the field and everything typed kept.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from esante.catalogue import CatalogueError, pmi_address, rules_for
from esante.cda.build._xml import PARIS
from esante.cda.build.child_exam import TYPE_CODE_VALUE, child_exam
from esante.errors import EsanteError
from esante.practice.child import (
    CertificateAnswers,
    Cs8Answers,
    ExamEntry,
    Measures,
    certificate_form,
    exam_form,
    list_measures,
    patient_calendar,
    record_exam,
    record_measures,
    validate_certificate,
    validate_exam_report,
)
from esante.practice.child.cs8 import (
    ANALGESIA,
    DELIVERY,
    FEEDING,
    FIRST_CONSULTATION,
    HBS,
    HEARING,
    LABOUR_START,
)
from esante.practice.child.cs8 import QUESTIONS as CS8_LABELS
from esante.practice.child.curves import patient_growth_chart
from esante.practice.child.exams import exam_report_pdf
from esante.practice.child.followup import ACTIVITIES, CHILDCARE_MODES, SCREEN_EXPOSURE
from esante.practice.child.forms import GrowthReading, growth_readings
from esante.practice.child.growth import Indicator
from esante.practice.child.records import SendOptions
from esante.practice.conformance import kit_validator
from esante.practice.patients import read_patient
from esante.store import Patient, utcnow
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.forms import FormError, form_fields, optional, parse_day
from esante.web.ui.pages.queue import error_page
from esante.web.ui.templating import render

router = APIRouter()

CURVES: Final[dict[str, tuple[Indicator, str]]] = {
    "poids": ("weight", "Poids"),
    "taille": ("height", "Taille"),
    "perimetre-cranien": ("head", "Périmètre crânien"),
    "imc": ("bmi", "Indice de masse corporelle"),
}
"""The curves' French path segments, their indicator and title."""
CERTIFICATES: Final = {"cs8": "CS8", "cs9": "CS9", "cs24": "CS24"}
EXTRA_BLANKS: Final = 2
"""Empty "champ complémentaire" rows offered under the ones already entered."""
VALIDATED: Final = 1


@dataclasses.dataclass(frozen=True)
class Question:
    """One question of a certificate form: the answer's attribute, label, kind, choices."""

    name: str
    label: str
    kind: str  # "date", "int", "bool", "code"
    choices: dict[str, str] = dataclasses.field(default_factory=dict)
    help: str | None = None


def _codes(table: dict[str, Any]) -> dict[str, str]:
    return {code: str(concept.display) for code, concept in table.items()}


FOLLOW_UP: Final = (
    Question("mother_birth_date", "Date de naissance de la mère", "date"),
    Question("mother_activity", "Activité professionnelle de la mère", "code", _codes(ACTIVITIES)),
    Question("father_activity", "Activité professionnelle du père", "code", _codes(ACTIVITIES)),
    Question("childcare", "Faites-vous actuellement garder votre enfant ?", "bool"),
    Question("childcare_mode", "Mode de garde", "code", _codes(CHILDCARE_MODES)),
    Question("children_at_home", "Nombre d'enfants vivant au foyer", "int"),
    Question(
        "exclusive_breastfeeding_weeks",
        "Durée de l'allaitement maternel exclusif (semaines)",
        "int",
    ),
    Question("domestic_accident", "Accident domestique depuis le dernier certificat", "bool"),
    Question(
        "neurodevelopment_orientation",
        "Repérage des troubles du neurodéveloppement : orientation vers une plateforme",
        "bool",
    ),
    Question("vitamin_d", "Supplémentation en vitamine D", "bool"),
    Question("screen_exposure", "Exposition aux écrans", "code", _codes(SCREEN_EXPOSURE)),
    Question("prematurity_under_33_weeks", "Prématurité inférieure à 33 semaines", "bool"),
    Question("walking_acquired", "Marche acquise", "bool"),
    Question("walking_age_months", "Âge d'acquisition de la marche (mois)", "int"),
)
"""The CS9 / CS24 questions (:class:`CertificateAnswers`), codes of the CSE value sets."""
CS9_ONLY_SKIPPED: Final = frozenset(
    {"screen_exposure", "prematurity_under_33_weeks", "walking_acquired", "walking_age_months"}
)
"""Questions of the CS24 only (not asked on the CS9)."""
_CS8: Final = (
    Question("mother_birth_date", "Date de naissance de la mère", "date"),
    Question("mother_activity", "Activité professionnelle de la mère", "code", _codes(ACTIVITIES)),
    Question("alcohol_glasses_per_week", "Consommation d'alcool (verres par semaine)", "int"),
    Question("tobacco_cigarettes_per_day", "Consommation de tabac (cigarettes par jour)", "int"),
    Question("other_addiction", "Autre addiction", "bool"),
    Question("children_at_home_before", "Enfants vivant au foyer avant la naissance", "int"),
    Question("feeding", "Type d'alimentation de l'enfant", "code", _codes(FEEDING)),
    Question("tuberculosis_risk", "Risque de tuberculose", "bool"),
    Question("gravidity", "Gestité", "int"),
    Question("parity", "Parité", "int"),
    Question(
        "first_consultation", "Première consultation prénatale", "code", _codes(FIRST_CONSULTATION)
    ),
    Question("preeclampsia", "Prééclampsie", "bool"),
    Question("gestational_diabetes", "Diabète gestationnel", "bool"),
    Question("trisomy_screening", "Dépistage de la trisomie 21", "bool"),
    Question("ultrasound_count", "Nombre d'échographies", "int"),
    Question("morphology_ultrasound", "Échographie morphologique", "bool"),
    Question("early_prenatal_interview", "Entretien prénatal précoce", "bool"),
    Question("hbs", "Recherche de l'antigène HBs", "code", _codes(HBS)),
    Question("fetuses", "Nombre de fœtus", "int"),
    Question("gestational_age_weeks", "Âge gestationnel (semaines d'aménorrhée)", "int"),
    Question("labour_start", "Début du travail", "code", _codes(LABOUR_START)),
    Question("analgesia", "Analgésie", "code", _codes(ANALGESIA)),
    Question("delivery", "Mode d'accouchement", "code", _codes(DELIVERY)),
    Question("hearing_screening_done", "Dépistage de la surdité réalisé", "bool"),
    Question("hearing_result", "Résultat du dépistage de la surdité", "code", _codes(HEARING)),
    Question("specialised_acts", "Actes spécialisés pendant la grossesse", "bool"),
)
CS8: Final = tuple(dataclasses.replace(q, label=CS8_LABELS.get(q.name, q.label)) for q in _CS8)
"""The CS8 questions (:class:`Cs8Answers`), labelled as the library names them."""


def _today() -> date:
    """The practice's day (Europe/Paris)."""
    return utcnow().astimezone(PARIS).date()


def _options(settings: SettingsDep) -> SendOptions:
    """« Valider » as the service is configured (the same options as the REST routes)."""
    return SendOptions(
        kit=kit_validator(settings),
        default_deferral=timedelta(seconds=settings.deferral_seconds),
        feed_auth=settings.feed_auth,
        pmi_address=settings.pmi_address,
    )


def send_rules(
    console: Console, type_code: str, model: str | None, pmi: str | None
) -> tuple[str, ...]:
    """What « Valider » will send, in French, from the Ségur catalogue's row for this
    professional and document (said on the page before the click)."""
    try:
        rule = rules_for(console.actor.role, type_code, model=model)
    except CatalogueError as exc:
        return (f"Aucun envoi automatique : {exc.message}",)
    lines = []
    if rule.feed_dmp:
        lines.append("Alimentation du DMP de l'enfant (Mon espace santé), sans autre action.")
    for address in rule.mss_fixed_recipients:
        if pmi and address == pmi_address():
            address = pmi
        lines.append(
            f"Envoi par messagerie sécurisée MSSanté à la plateforme des certificats de santé "
            f"de la PMI ({address}), sans autre action."
        )
    if rule.mss_to_treating_doctor_or_referrer:
        lines.append("Copie par MSSanté au médecin traitant ou au médecin adresseur.")
    return tuple(lines) or ("Le catalogue Ségur ne prévoit aucun envoi pour ce document.",)


def _name(patient: Patient) -> str:
    given = patient.used_given_name or patient.first_given_name or patient.birth_given_names
    return f"{patient.used_family_name or patient.birth_family_name} {given}"


def _latest_readings(patient: Patient, rows: tuple[Measures, ...]) -> dict[str, GrowthReading]:
    """Per indicator, the reading of the latest visit that measured it."""
    latest: dict[str, GrowthReading] = {}
    for measures in rows:
        for reading in growth_readings(patient, measures):
            latest[reading.indicator] = reading
    return latest


def _curve_alt(title: str, reading: GrowthReading | None, on: date | None) -> str:
    """The curve's text alternative: what a sighted reader takes from it."""
    if reading is None or on is None:
        return f"Courbe de {title.lower()} (références OMS P3 à P97) : aucune mesure saisie."
    return (
        f"Courbe de {title.lower()} (références OMS, bandes P3 à P97) ; dernière mesure le "
        f"{on:%d/%m/%Y} : {reading.text}."
    )


def _child_page(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    status: int = 200,
    saved: bool = False,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    calendar = patient_calendar(session, patient_id, actor=console.actor, today=_today())
    rows = list_measures(session, patient_id, actor=console.actor)
    session.commit()
    latest = _latest_readings(patient, rows)
    last_day: dict[str, date] = {}
    for measures in rows:
        for reading in growth_readings(patient, measures):
            last_day[reading.indicator] = measures.measured_on
    curves = [
        {
            "slug": slug,
            "title": title,
            "alt": _curve_alt(title, latest.get(indicator), last_day.get(indicator)),
        }
        for slug, (indicator, title) in CURVES.items()
    ]
    table = [
        {"measures": m, "readings": {r.indicator: r for r in growth_readings(patient, m)}}
        for m in reversed(rows)
    ]
    return render(
        request,
        console,
        "child/page.html",
        status=status,
        title=f"Carnet de santé — {_name(patient)}",
        patient=patient,
        name=_name(patient),
        calendar=calendar,
        table=table,
        curves=curves,
        values=values or {"measured_on": _today().isoformat()},
        error=error,
        saved=saved,
    )


@router.get("/patients/{patient_id}/enfant")
def child_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    mesures: int = 0,
) -> Response:
    """The child's calendar of exams, measures and growth curves."""
    try:
        return _child_page(request, session, console, patient_id, saved=mesures == VALIDATED)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


def _integer(fields: dict[str, str], name: str, label: str) -> int | None:
    text = optional(fields, name)
    if text is None:
        return None
    try:
        return int(text.replace(" ", ""))
    except ValueError:
        raise FormError(
            f"{label} invalide : saisissez un nombre entier.",
            detail=f"{name}: {text[:20]!r}",
            field=name,
        ) from None


def _decimal(fields: dict[str, str], name: str, label: str) -> Decimal | None:
    text = optional(fields, name)
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise FormError(
            f"{label} invalide : saisissez un nombre (par exemple 70,5).",
            detail=f"{name}: {text[:20]!r}",
            field=name,
        )
    return value.quantize(Decimal("0.1"))


@router.post("/patients/{patient_id}/enfant/mesures")
async def add_measures(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Record one visit's measures; back to the page with the error when refused."""
    fields = await form_fields(request)
    try:
        day = parse_day(fields.get("measured_on", ""), "measured_on", "Date de la mesure")
        if day is None:
            raise FormError("Date de la mesure obligatoire.", field="measured_on")
        record_measures(
            session,
            patient_id,
            Measures(
                measured_on=day,
                weight_g=_integer(fields, "weight_g", "Poids"),
                height_cm=_decimal(fields, "height_cm", "Taille"),
                head_circumference_cm=_decimal(
                    fields, "head_circumference_cm", "Périmètre crânien"
                ),
            ),
            actor=console.actor,
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _child_page(
                request, session, console, patient_id, values=fields, error=exc, status=422
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    return RedirectResponse(f"/patients/{patient_id}/enfant?mesures=1#mesures", status_code=303)


@router.get("/patients/{patient_id}/enfant/courbes/{curve}.svg")
def curve_svg(
    patient_id: int, curve: str, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """One growth curve of the child (WHO bands and the child's points), as SVG."""
    if curve not in CURVES:
        return Response("Courbe inconnue.", status_code=404, media_type="text/plain")
    try:
        svg = patient_growth_chart(session, patient_id, CURVES[curve][0], actor=console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    return Response(svg, media_type="image/svg+xml")


def _exam_page(
    request: Request,
    session: SessionDep,
    console: Console,
    settings: SettingsDep,
    patient_id: int,
    exam_id: str,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    status: int = 200,
    saved: bool = False,
) -> Response:
    form = exam_form(session, patient_id, exam_id, actor=console.actor, today=_today())
    rows = list_measures(session, patient_id, actor=console.actor)
    session.commit()
    if values is None:
        values = {
            "examined_on": form.examined_on.isoformat(),
            "conclusion": form.conclusion,
            "measurement_id": str(form.measures.id) if form.measures and form.measures.id else "",
        }
        for index, question in enumerate(form.questions):
            values[f"q{index}"] = question.answer
        for index, (label, value) in enumerate(form.extra_fields):
            values[f"extra_label{index}"] = label
            values[f"extra_value{index}"] = value
    extra_rows = len(form.extra_fields) + EXTRA_BLANKS
    while f"extra_label{extra_rows}" in values:
        extra_rows += 1
    return render(
        request,
        console,
        "child/exam.html",
        status=status,
        title=f"{form.exam.title} — {form.child_name}",
        form=form,
        values=values,
        extra_rows=extra_rows,
        measures=rows,
        error=error,
        error_field=_error_field(error, form.questions),
        saved=saved,
        rules=send_rules(console, TYPE_CODE_VALUE, None, settings.pmi_address),
    )


def _error_field(error: EsanteError | None, questions: Any) -> str | None:
    """The form field the library's error names (``answers.<theme>``, ``extra_fields[i]…``)."""
    if error is None or error.field is None:
        return None
    field = error.field
    if field.startswith("answers."):
        theme = field.removeprefix("answers.")
        for index, question in enumerate(questions):
            if question.theme == theme:
                return f"q{index}"
    if field.startswith("extra_fields["):
        row, _, part = field.removeprefix("extra_fields[").partition("].")
        return f"extra_{part}{row}"
    return field


@router.get("/patients/{patient_id}/enfant/examens/{exam_id}")
def exam_page(
    patient_id: int,
    exam_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
    enregistre: int = 0,
) -> Response:
    """The exam's form, prefilled from the record; once recorded, the certificate prompt,
    the report's validation and its print."""
    try:
        return _exam_page(
            request, session, console, settings, patient_id, exam_id, saved=enregistre == 1
        )
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


def _entry(fields: dict[str, str], exam_id: str) -> ExamEntry:
    exam = child_exam(exam_id)
    day = parse_day(fields.get("examined_on", ""), "examined_on", "Date de l'examen")
    if day is None:
        raise FormError("Date de l'examen obligatoire.", field="examined_on")
    answers = {theme: fields.get(f"q{index}", "") for index, theme in enumerate(exam.themes)}
    extra = []
    index = 0
    while f"extra_label{index}" in fields or f"extra_value{index}" in fields:
        label = fields.get(f"extra_label{index}", "")
        value = fields.get(f"extra_value{index}", "")
        if label or value:
            if not label:
                raise FormError(
                    "Un champ complémentaire doit avoir un intitulé.",
                    detail=f"extra field {index} without label",
                    field=f"extra_label{index}",
                )
            extra.append((label, value))
        index += 1
    measurement = _integer(fields, "measurement_id", "Mesures rattachées")
    return ExamEntry(
        examined_on=day,
        answers=answers,
        extra_fields=extra,
        conclusion=optional(fields, "conclusion"),
        measurement_id=measurement,
    )


@router.post("/patients/{patient_id}/enfant/examens/{exam_id}")
async def save_exam(
    patient_id: int,
    exam_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """Record (or correct) the exam; then its page, with the certificate prompt if due."""
    fields = await form_fields(request)
    try:
        recorded = record_exam(
            session, patient_id, exam_id, _entry(fields, exam_id), actor=console.actor
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _exam_page(
                request,
                session,
                console,
                settings,
                patient_id,
                exam_id,
                values=fields,
                error=exc,
                status=422 if exc.field not in (None, "exam") else status_for(exc),
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    return RedirectResponse(
        f"/patients/{patient_id}/enfant/examens/{recorded.exam_id}?enregistre=1#invite",
        status_code=303,
    )


@router.post("/patients/{patient_id}/enfant/examens/{exam_id}/compte-rendu")
def validate_report(
    patient_id: int,
    exam_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """« Valider » the exam's CR d'examen (N1): stored, the catalogue's sends queued;
    then the document's page (its orders, the print)."""
    try:
        done = validate_exam_report(
            session, patient_id, exam_id, actor=console.actor, options=_options(settings)
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    return RedirectResponse(f"/documents/{done.document.id}?valide=1", status_code=303)


@router.get("/patients/{patient_id}/enfant/examens/{exam_id}/compte-rendu.pdf")
def report_pdf(
    patient_id: int, exam_id: str, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The exam's report to print for the parents (PDF/A: the validated one, else a
    preview of the exam as recorded)."""
    try:
        pdf = exam_report_pdf(session, patient_id, exam_id, actor=console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="examen-{exam_id}.pdf"'},
    )


def _questions(which: str) -> tuple[Question, ...]:
    if which == "CS8":
        return CS8
    if which == "CS9":
        return tuple(q for q in FOLLOW_UP if q.name not in CS9_ONLY_SKIPPED)
    return FOLLOW_UP


def _answer_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _certificate_page(
    request: Request,
    session: SessionDep,
    console: Console,
    settings: SettingsDep,
    patient_id: int,
    which: str,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    form = certificate_form(session, patient_id, which, actor=console.actor, today=_today())
    session.commit()
    questions = _questions(form.certificate)
    if values is None:
        values = {q.name: _answer_text(getattr(form.answers, q.name)) for q in questions}
    field = error.field if error is not None and error.field else None
    return render(
        request,
        console,
        "child/certificate.html",
        status=status,
        title=f"{form.title} — {which}",
        form=form,
        questions=questions,
        values=values,
        error=error,
        error_field=field.removeprefix("answers.") if field else None,
        slug=which.lower(),
        rules=send_rules(console, "CERT_DECL", f"CSE-{form.certificate}", settings.pmi_address),
    )


def _which(slug: str) -> str:
    which = CERTIFICATES.get(slug.lower())
    if which is None:
        raise FormError(
            f"Certificat de santé inconnu : « {slug} » (cs8, cs9 ou cs24).",
            detail=f"certificate {slug!r}",
            field="certificate",
        )
    return which


@router.get("/patients/{patient_id}/enfant/certificats/{slug}")
def certificate_page(
    patient_id: int,
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """The certificate prefilled from its exam, and what « Valider » will send."""
    try:
        return _certificate_page(request, session, console, settings, patient_id, _which(slug))
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


def _parse_answer(question: Question, fields: dict[str, str]) -> object:
    text = optional(fields, question.name)
    if question.kind == "date":
        return parse_day(text or "", question.name, question.label)
    if question.kind == "int":
        return _integer(fields, question.name, question.label)
    if question.kind == "bool":
        if text is None:
            return None
        if text in ("oui", "non"):
            return text == "oui"
        raise FormError(
            f"{question.label} : répondez oui ou non.",
            detail=f"{question.name}: {text[:20]!r}",
            field=question.name,
        )
    if text is not None and text not in question.choices:
        raise FormError(
            f"{question.label} : choisissez une valeur de la liste.",
            detail=f"{question.name}: {text[:20]!r}",
            field=question.name,
        )
    return text


def _answers(which: str, fields: dict[str, str]) -> CertificateAnswers | Cs8Answers:
    parsed = {q.name: _parse_answer(q, fields) for q in _questions(which)}
    if which == "CS8":
        parsed["specialised_acts"] = bool(parsed["specialised_acts"])
        return Cs8Answers(**parsed)  # type: ignore[arg-type]
    if parsed["vitamin_d"] is None:
        parsed["vitamin_d"] = False
    return CertificateAnswers(**parsed)  # type: ignore[arg-type]


@router.post("/patients/{patient_id}/enfant/certificats/{slug}")
async def validate_certificate_form(
    patient_id: int,
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """« Valider » the certificate: stored, the DMP feed and (CS9 / CS24) the MSSanté send
    to the PMI queued in one click; then the document's page with its orders."""
    fields = await form_fields(request)
    try:
        which = _which(slug)
    except EsanteError as exc:
        return error_page(request, console, exc)
    try:
        done = validate_certificate(
            session,
            patient_id,
            which,
            _answers(which, fields),
            actor=console.actor,
            options=_options(settings),
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _certificate_page(
                request,
                session,
                console,
                settings,
                patient_id,
                which,
                values=fields,
                error=exc,
                status=status_for(exc) if exc.field in (None, "exam", "certificate") else 422,
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    return RedirectResponse(f"/documents/{done.document.id}?valide=1", status_code=303)
