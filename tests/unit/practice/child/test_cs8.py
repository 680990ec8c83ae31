"""The CS8: prefilled from the 8-day exam and the birth measures, fed to the DMP, not the PMI."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from esante.practice.actors import Actor
from esante.practice.child import (
    CertificateAnswers,
    Cs8Answers,
    ExamEntry,
    Measures,
    certificate_form,
    record_exam,
    record_measures,
    validate_certificate,
)
from esante.practice.child.cs8 import QUESTIONS
from esante.practice.errors import PracticeValidationError

from .conftest import NOW, TODAY, make_family

BORN = TODAY - timedelta(days=5)
ANSWERED = Cs8Answers(
    mother_birth_date=date(1995, 1, 1),
    mother_activity="PAT-044",
    alcohol_glasses_per_week=0,
    tobacco_cigarettes_per_day=0,
    other_addiction=False,
    children_at_home_before=0,
    tuberculosis_risk=False,
    gravidity=1,
    parity=1,
    first_consultation="57630001",
    preeclampsia=False,
    gestational_diabetes=False,
    trisomy_screening=True,
    ultrasound_count=3,
    morphology_ultrasound=True,
    early_prenatal_interview=True,
    hbs="406118005",
    fetuses=1,
    gestational_age_weeks=39,
    labour_start="84457005",
    analgesia="18946005",
    delivery="700000006",
)


def _newborn(session: Session) -> tuple[int, Actor]:
    family = make_family(session, birth_date=BORN, sex="M")
    record_measures(
        session,
        family.patient_id,
        Measures(BORN, 3350, Decimal("50.5"), Decimal("34.5")),
        actor=family.doctor,
        now=NOW,
    )
    record_exam(
        session,
        family.patient_id,
        "j8",
        ExamEntry(
            TODAY,
            {
                "Alimentation (allaitement maternel, préparation)": "Allaitement maternel exclusif",
                "Dépistage de la surdité permanente néonatale": "Oui, à recontrôler à droite",
            },
        ),
        actor=family.doctor,
        now=NOW,
    )
    session.commit()
    return family.patient_id, family.doctor


def test_the_cs8_is_prefilled_from_the_exam_and_the_birth_measures(session: Session) -> None:
    patient_id, doctor = _newborn(session)
    form = certificate_form(session, patient_id, "CS8", actor=doctor, today=TODAY)
    assert not form.sent_to_pmi
    assert isinstance(form.answers, Cs8Answers)
    assert form.answers.feeding == "MED-1256"
    assert (form.answers.hearing_screening_done, form.answers.hearing_result) == (True, "MED-179")
    assert form.answers.gravidity is None  # the maternity's fact: not guessed
    assert form.measures is not None
    assert form.measures.measured_on == BORN


def test_validating_the_cs8_feeds_the_dmp_and_sends_nothing_to_the_pmi(session: Session) -> None:
    patient_id, doctor = _newborn(session)
    form = certificate_form(session, patient_id, "CS8", actor=doctor, today=TODAY)
    assert isinstance(form.answers, Cs8Answers)
    answers = replace(
        ANSWERED,
        feeding=form.answers.feeding,
        hearing_screening_done=form.answers.hearing_screening_done,
        hearing_result=form.answers.hearing_result,
    )
    done = validate_certificate(session, patient_id, "CS8", answers, actor=doctor, now=NOW)
    assert [o.kind for o in done.orders] == ["dmp_submit"]
    assert b"1.2.250.1.213.1.1.1.5.1" in done.document.content
    assert b"MED-179" in done.document.content
    assert b'code="MTH"' in done.document.content


@pytest.mark.parametrize("field", ["gravidity", "hbs", "delivery", "mother_birth_date"])
def test_an_unanswered_cs8_question_is_named(session: Session, field: str) -> None:
    patient_id, doctor = _newborn(session)
    answers = replace(ANSWERED, feeding="MED-1256", hearing_screening_done=False)
    with pytest.raises(PracticeValidationError) as info:
        validate_certificate(
            session,
            patient_id,
            "CS8",
            replace(answers, **{field: None}),  # type: ignore[arg-type]
            actor=doctor,
            now=NOW,
        )
    assert info.value.field == f"answers.{field}"
    assert QUESTIONS[field] in info.value.message


def test_a_code_outside_the_value_set_and_wrong_answers_are_refused(session: Session) -> None:
    patient_id, doctor = _newborn(session)
    answers = replace(ANSWERED, feeding="lait", hearing_screening_done=False)
    with pytest.raises(PracticeValidationError) as info:
        validate_certificate(session, patient_id, "CS8", answers, actor=doctor, now=NOW)
    assert info.value.field == "answers.feeding"
    with pytest.raises(PracticeValidationError) as wrong:
        validate_certificate(
            session, patient_id, "CS8", CertificateAnswers(), actor=doctor, now=NOW
        )
    assert wrong.value.field == "answers"
