"""CS9 / CS24 prefilled from the exam, refused until answered, validated to DMP + PMI."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from esante.catalogue import pmi_address
from esante.practice.child import (
    CertificateAnswers,
    ExamEntry,
    Measures,
    certificate_form,
    record_exam,
    record_measures,
    validate_certificate,
)
from esante.practice.child.records import SendOptions
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, NotFoundError

from .conftest import NOW, TODAY, Family, make_family

CDA = {"cda": "urn:hl7-org:v3"}
ANSWERED = CertificateAnswers(
    mother_birth_date=date(1994, 5, 2),
    mother_activity="PAT-044",
    father_activity="PAT-040",
    childcare=True,
    childcare_mode="PAT-051",
    children_at_home=1,
    exclusive_breastfeeding_weeks=16,
)


def _exam(session: Session, family: Family, exam_id: str, answers: dict[str, str]) -> None:
    stored = record_measures(
        session,
        family.patient_id,
        Measures(TODAY, 8600, Decimal("70.5"), Decimal("43.5")),
        actor=family.doctor,
        now=NOW,
    )
    record_exam(
        session,
        family.patient_id,
        exam_id,
        ExamEntry(TODAY, answers, conclusion="Examen normal.", measurement_id=stored.id),
        actor=family.doctor,
        now=NOW,
    )


def test_the_cs9_is_prefilled_from_the_9_month_exam(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _exam(
        session,
        family,
        "m9",
        {
            "Accidents domestiques": "Aucun accident",
            "Repérage des troubles du neurodéveloppement": "Pas de signe d'alerte",
        },
    )
    form = certificate_form(session, family.patient_id, "cs9", actor=family.doctor, today=TODAY)
    assert isinstance(form.answers, CertificateAnswers)
    assert form.certificate == "CS9"
    assert form.sent_to_pmi
    assert form.measures is not None
    assert form.measures.height_cm == Decimal("70.5")
    assert form.vaccinations
    assert form.answers.domestic_accident is False
    assert form.answers.neurodevelopment_orientation is False
    assert form.answers.childcare is None  # asked to the parents, not guessed


def test_an_unanswered_question_is_named(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _exam(session, family, "m9", {"Accidents domestiques": "Aucun accident"})
    form = certificate_form(session, family.patient_id, "CS9", actor=family.doctor, today=TODAY)
    assert isinstance(form.answers, CertificateAnswers)
    answers = replace(ANSWERED, domestic_accident=form.answers.domestic_accident)
    for field in ("mother_birth_date", "childcare", "neurodevelopment_orientation"):
        with pytest.raises(PracticeValidationError) as info:
            validate_certificate(
                session,
                family.patient_id,
                "CS9",
                replace(answers, **{field: None}),  # type: ignore[arg-type]
                actor=family.doctor,
                now=NOW,
            )
        assert info.value.field == f"answers.{field}"
    with pytest.raises(PracticeValidationError) as info:
        validate_certificate(
            session,
            family.patient_id,
            "CS9",
            replace(answers, neurodevelopment_orientation=False, childcare_mode="crèche"),
            actor=family.doctor,
            now=NOW,
        )
    assert info.value.field == "answers.childcare_mode"


def test_validating_the_cs9_queues_the_dmp_and_the_pmi_with_no_user_action(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _exam(session, family, "m9", {"Accidents domestiques": "Aucun accident"})
    answers = replace(ANSWERED, domestic_accident=False, neurodevelopment_orientation=False)
    done = validate_certificate(
        session, family.patient_id, "CS9", answers, actor=family.doctor, now=NOW
    )
    session.commit()
    assert done.document.type_code == "CERT_DECL"
    assert sorted((o.kind, o.recipient) for o in done.orders) == [
        ("dmp_submit", None),
        ("mss_send", pmi_address()),
    ]
    root = etree.fromstring(done.document.content)
    templates = root.xpath("/cda:ClinicalDocument/cda:templateId/@root", namespaces=CDA)
    assert "1.2.250.1.213.1.1.1.5.2" in templates
    mother = root.xpath(
        "//cda:relatedSubject[cda:code/@code='MTH']/cda:subject/cda:birthTime/@value",
        namespaces=CDA,
    )
    assert mother
    assert mother[0].startswith("19940502")
    with pytest.raises(ConflictError):
        validate_certificate(
            session, family.patient_id, "CS9", answers, actor=family.doctor, now=NOW
        )


def test_a_test_platform_replaces_the_pmi_address(
    session: Session, family: Family, schedule_vaccinations: None
) -> None:
    _exam(session, family, "m9", {})
    answers = replace(ANSWERED, domestic_accident=True, neurodevelopment_orientation=True)
    done = validate_certificate(
        session,
        family.patient_id,
        "CS9",
        answers,
        actor=family.doctor,
        now=NOW,
        options=SendOptions(pmi_address="pmi-test@plateforme.mssante.fr"),
    )
    assert [o.recipient for o in done.orders if o.kind == "mss_send"] == [
        "pmi-test@plateforme.mssante.fr"
    ]
    assert b"ORG-197" in done.document.content  # oriented to a coordination platform


def test_the_cs24_goes_to_the_pmi_too(session: Session, schedule_vaccinations: None) -> None:
    family = make_family(session, birth_date=date(2024, 11, 22), sex="M")
    _exam(session, family, "m24-25", {"Exposition aux écrans": "Jamais"})
    form = certificate_form(session, family.patient_id, "CS24", actor=family.doctor, today=TODAY)
    assert isinstance(form.answers, CertificateAnswers)
    assert form.answers.screen_exposure == "GEN-311"
    answers = replace(
        ANSWERED,
        domestic_accident=False,
        neurodevelopment_orientation=False,
        prematurity_under_33_weeks=False,
        screen_exposure=form.answers.screen_exposure,
        walking_acquired=True,
        walking_age_months=13,
    )
    done = validate_certificate(
        session, family.patient_id, "CS24", answers, actor=family.doctor, now=NOW
    )
    assert sorted(o.kind for o in done.orders) == ["dmp_submit", "mss_send"]
    assert b"1.2.250.1.213.1.1.1.5.3" in done.document.content
    assert b"MED-1275" in done.document.content


def test_a_certificate_needs_its_exam(session: Session, family: Family) -> None:
    with pytest.raises(NotFoundError) as info:
        certificate_form(session, family.patient_id, "CS9", actor=family.doctor, today=TODAY)
    assert info.value.field == "exam"
    with pytest.raises(PracticeValidationError) as bad:
        certificate_form(session, family.patient_id, "CS12", actor=family.doctor, today=TODAY)
    assert bad.value.field == "certificate"
