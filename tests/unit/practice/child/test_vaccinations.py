"""The child record reads the vaccination record: stored vaccinations prefill and certify."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from esante.practice.child import (
    ExamEntry,
    Measures,
    exam_form,
    record_exam,
    record_measures,
    validate_certificate,
)
from esante.store.vaccination_models import Vaccination

from .conftest import NOW, TODAY, Family
from .test_certificates import ANSWERED


def _given(session: Session, family: Family) -> None:
    session.add_all(
        [
            Vaccination(
                patient_id=family.patient_id,
                administered_on=date(2026, 5, 4),
                vaccine_name="INFANRIX HEXA",
                cis="66529335",
                atc="J07CA09",
                valences="D T Ca P Hib HepB",
                dose_rank=1,
                route_code="20035000",
                route_label="Voie intramusculaire",
            ),
            Vaccination(  # neither CIS nor ATC: not a CDA immunization
                patient_id=family.patient_id,
                administered_on=date(2026, 5, 4),
                vaccine_name="Vaccin inconnu",
            ),
            Vaccination(  # after the exam day: not in its form
                patient_id=family.patient_id,
                administered_on=date(2026, 12, 20),
                vaccine_name="PRIORIX",
                atc="J07BD52",
            ),
        ]
    )
    session.commit()


def test_stored_vaccinations_prefill_the_form_and_the_cs9(session: Session, family: Family) -> None:
    _given(session, family)
    form = exam_form(session, family.patient_id, "m9", actor=family.doctor, today=TODAY)
    assert form.vaccinations == ("INFANRIX HEXA, dose 1, le 04/05/2026",)
    stored = record_measures(
        session,
        family.patient_id,
        Measures(TODAY, 8600, Decimal("70.5")),
        actor=family.doctor,
        now=NOW,
    )
    record_exam(
        session,
        family.patient_id,
        "m9",
        ExamEntry(TODAY, {}, measurement_id=stored.id),
        actor=family.doctor,
        now=NOW,
    )
    done = validate_certificate(
        session,
        family.patient_id,
        "CS9",
        replace(ANSWERED, domestic_accident=False, neurodevelopment_orientation=False),
        actor=family.doctor,
        now=NOW,
    )
    assert b"66529335" not in done.document.content  # by antigen, not by product
    assert b"J07CA01" in done.document.content  # D T P as the CSE antigen
    assert b"J07AG" in done.document.content
    assert b"J07BD52" not in done.document.content
