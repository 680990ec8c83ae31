"""An exam's form prefilled from the record, recording it, its CR d'examen (N1) for the DMP."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build.child_exam import child_exam
from esante.cda.examples.vaccination import infant_history
from esante.practice.child import (
    ExamEntry,
    Measures,
    certificate_prompt,
    exam_form,
    patient_calendar,
    record_exam,
    record_measures,
    validate_exam_report,
)
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, SendOrder

from .conftest import NOW, TODAY, Family

CDA = {"cda": "urn:hl7-org:v3"}


def _measures(session: Session, family: Family) -> int:
    record_measures(
        session, family.patient_id, Measures(date(2026, 3, 4), 3300), actor=family.doctor, now=NOW
    )
    stored = record_measures(
        session,
        family.patient_id,
        Measures(TODAY, 8600, Decimal("70.5"), Decimal("43.5")),
        actor=family.doctor,
        now=NOW,
    )
    assert stored.id is not None
    return stored.id


def test_the_form_is_prefilled_from_the_record(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _measures(session, family)
    record_exam(
        session,
        family.patient_id,
        "m6",
        ExamEntry(date(2026, 9, 10), {}, conclusion="Examen du 6e mois normal."),
        actor=family.doctor,
        now=NOW,
    )
    form = exam_form(session, family.patient_id, "m9", actor=family.doctor, today=TODAY)
    assert form.exam == child_exam("m9")
    assert form.child_name == "JADE MARTIN"
    assert form.age == "9 mois"
    assert [(p.relationship, p.name) for p in form.parents] == [
        ("Mère", "Juliette Martin"),
        ("Père", "Loïc Martin"),
    ]
    assert form.measures is not None
    assert form.measures.weight_g == 8600
    assert {r.indicator for r in form.growth} == {"weight", "height", "head", "bmi"}
    assert all(r.z is not None for r in form.growth)
    expected = infant_history(family.birth_date, TODAY)
    assert len(form.vaccinations) == len(expected)
    assert [(p.exam_id, p.conclusion) for p in form.previous_exams] == [
        ("m6", "Examen du 6e mois normal.")
    ]
    assert [q.theme for q in form.questions] == list(child_exam("m9").themes)
    assert form.certificate is not None
    assert form.certificate.certificate == "CS9"
    assert not form.recorded


def test_a_form_prefills_vaccinations_and_regained_weight_but_never_a_finding(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _measures(session, family)
    form = exam_form(session, family.patient_id, "m2", actor=family.doctor, today=TODAY)
    answers = {q.theme: q.answer for q in form.questions}
    assert answers["Vaccinations du 2e mois"].startswith("Vaccinations reçues : ")
    assert answers["Sourire réponse"] == ""
    s2 = exam_form(session, family.patient_id, "s2", actor=family.doctor, today=TODAY)
    regained = {q.theme: q.answer for q in s2.questions}["Reprise du poids de naissance"]
    assert "8600 g" in regained
    assert "3300 g" in regained
    assert "+5300 g" in regained


@pytest.mark.parametrize(
    ("exam_id", "certificate", "to_pmi"),
    [("j8", "CS8", False), ("m9", "CS9", True), ("m24-25", "CS24", True), ("m12", None, False)],
)
def test_the_8_day_9_and_24_month_exams_prompt_their_certificate(
    exam_id: str, certificate: str | None, to_pmi: bool
) -> None:
    prompt = certificate_prompt(exam_id)
    if certificate is None:
        assert prompt is None
        return
    assert prompt is not None
    assert prompt.certificate == certificate
    assert prompt.sent_to_pmi is to_pmi
    assert certificate in prompt.message
    assert ("certificatsdesante@plateformecse.mssante.fr" in prompt.message) is to_pmi


def test_recording_the_exam_prompts_and_marks_it_done(session: Session, family: Family) -> None:
    measurement_id = _measures(session, family)
    recorded = record_exam(
        session,
        family.patient_id,
        "m9",
        ExamEntry(
            TODAY,
            {"Babillage": "Oui, babille", "Accidents domestiques": "Aucun accident"},
            [("Sommeil", "Nuits complètes")],
            "Examen normal.",
            measurement_id,
        ),
        actor=family.doctor,
        now=NOW,
    )
    session.commit()
    assert recorded.certificate is not None
    assert recorded.certificate.certificate == "CS9"
    calendar = patient_calendar(session, family.patient_id, actor=family.doctor, today=TODAY)
    m9 = next(e for e in calendar.exams if e.exam.id == "m9")
    assert (m9.state, m9.done_on) == ("done", TODAY)
    form = exam_form(session, family.patient_id, "m9", actor=family.doctor, today=TODAY)
    assert form.recorded
    assert {q.theme: q.answer for q in form.questions}["Babillage"] == "Oui, babille"
    assert form.extra_fields == (("Sommeil", "Nuits complètes"),)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (ExamEntry(TODAY, {"Marche": "oui"}), "answers.Marche"),
        (ExamEntry(TODAY - timedelta(days=40), {}), "examined_on"),
        (ExamEntry(TODAY, {}, [("", "x")]), "extra_fields[0].label"),
        (ExamEntry(TODAY, {"Babillage": "x" * 2001}), "answers.Babillage"),
    ],
)
def test_an_exam_is_refused_naming_the_field(
    session: Session, family: Family, entry: ExamEntry, field: str
) -> None:
    with pytest.raises(PracticeValidationError) as info:
        record_exam(session, family.patient_id, "m9", entry, actor=family.doctor, now=NOW)
    assert info.value.field == field


def test_the_report_is_an_n1_fed_to_the_dmp_and_then_frozen(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    measurement_id = _measures(session, family)
    entry = ExamEntry(
        TODAY,
        {"Babillage": "Oui, babille"},
        [("Sommeil", "Nuits complètes")],
        "Examen normal.",
        measurement_id,
    )
    record_exam(session, family.patient_id, "m9", entry, actor=family.doctor, now=NOW)
    done = validate_exam_report(session, family.patient_id, "m9", actor=family.doctor, now=NOW)
    session.commit()
    assert done.document.type_code == "59283-2"
    assert done.document.level == "N1"
    assert "Examen du 9e mois" in done.document.title
    assert [o.kind for o in done.orders] == ["dmp_submit"]
    root = etree.fromstring(done.document.content)
    pdf = base64.b64decode(root.findtext(".//cda:nonXMLBody/cda:text", namespaces=CDA) or "")
    assert pdf.startswith(b"%PDF-")
    with pytest.raises(ConflictError):
        record_exam(session, family.patient_id, "m9", entry, actor=family.doctor, now=NOW)
    with pytest.raises(ConflictError):
        validate_exam_report(session, family.patient_id, "m9", actor=family.doctor, now=NOW)
    assert len(session.scalars(select(SendOrder)).all()) == 1


def test_an_exam_not_entered_has_no_report(session: Session, family: Family) -> None:
    from esante.store import NotFoundError

    with pytest.raises(NotFoundError) as info:
        validate_exam_report(session, family.patient_id, "m9", actor=family.doctor, now=NOW)
    assert info.value.field == "exam"


def test_a_secretary_enters_but_does_not_sign(session: Session, family: Family) -> None:
    record_exam(
        session, family.patient_id, "m9", ExamEntry(TODAY, {}), actor=family.secretary, now=NOW
    )
    with pytest.raises(PracticeValidationError) as info:
        validate_exam_report(session, family.patient_id, "m9", actor=family.secretary, now=NOW)
    assert info.value.field == "author"
