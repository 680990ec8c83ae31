"""Measurements per visit: BMI, the checks naming the field, storage, the CSE-MDE."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.access import AccessDeniedError
from esante.practice.child import (
    Measures,
    bmi,
    delete_measures,
    list_measures,
    record_measures,
    validate_mde,
)
from esante.practice.errors import PracticeValidationError
from esante.store import Document, SendOrder
from esante.store.child_models import ChildMeasurement

from .conftest import NOW, TODAY, Family


@pytest.mark.parametrize(
    ("weight_g", "height_cm", "expected"),
    [(8600, "70.5", "17.3"), (3300, "50.0", "13.2"), (21000, "115.0", "15.9")],
)
def test_bmi_is_weight_over_height_squared(weight_g: int, height_cm: str, expected: str) -> None:
    height = Decimal(height_cm)
    exact = Decimal(weight_g) / 1000 / (height / 100) ** 2
    assert bmi(weight_g, height) == Decimal(expected)
    assert abs(bmi(weight_g, height) - exact) <= Decimal("0.05")
    assert Measures(TODAY, weight_g, height).bmi == Decimal(expected)
    assert Measures(TODAY, weight_g).bmi is None


def test_measures_are_stored_exactly_and_listed_oldest_first(
    session: Session, family: Family
) -> None:
    later = record_measures(
        session,
        family.patient_id,
        Measures(TODAY, 8600, Decimal("70.5"), Decimal("43.5")),
        actor=family.doctor,
        now=NOW,
    )
    earlier = record_measures(
        session, family.patient_id, Measures(date(2026, 3, 4), 3300), actor=family.doctor, now=NOW
    )
    session.commit()
    listed = list_measures(session, family.patient_id, actor=family.doctor)
    assert [m.id for m in listed] == [earlier.id, later.id]
    assert listed[1].height_cm == Decimal("70.5")
    assert listed[1].head_circumference_cm == Decimal("43.5")
    assert listed[1].bmi == Decimal("17.3")
    row = session.scalar(select(ChildMeasurement).where(ChildMeasurement.id == later.id))
    assert row is not None
    assert (row.height_mm, row.head_circumference_mm) == (705, 435)


@pytest.mark.parametrize(
    ("measures", "field"),
    [
        (Measures(TODAY), "weight_g"),
        (Measures(TODAY, weight_g=120), "weight_g"),
        (Measures(TODAY, height_cm=Decimal("7.05")), "height_cm"),
        (Measures(TODAY, head_circumference_cm=Decimal("435")), "head_circumference_cm"),
        (Measures(date(2026, 3, 1), 3300), "measured_on"),
        (Measures(date(2026, 12, 7), 8600), "measured_on"),
    ],
)
def test_slips_are_refused_naming_the_field(
    session: Session, family: Family, measures: Measures, field: str
) -> None:
    with pytest.raises(PracticeValidationError) as info:
        record_measures(session, family.patient_id, measures, actor=family.doctor, now=NOW)
    assert info.value.field == field
    assert info.value.message  # French, for the clinician


def test_the_mde_is_validated_for_the_dmp_and_then_the_visit_is_kept(
    session: Session, family: Family
) -> None:
    stored = record_measures(
        session,
        family.patient_id,
        Measures(TODAY, 8600, Decimal("70.5"), Decimal("43.5")),
        actor=family.doctor,
        now=NOW,
    )
    done = validate_mde(session, family.patient_id, stored.id or 0, actor=family.doctor, now=NOW)
    session.commit()
    assert done.document.type_code == "29274-8"
    assert done.document.level == "N3"
    assert [o.kind for o in done.orders] == ["dmp_submit"]
    assert b"8302-2" in done.document.content
    assert b"70.5" in done.document.content
    with pytest.raises(PracticeValidationError) as info:
        delete_measures(session, family.patient_id, stored.id or 0, actor=family.doctor)
    assert info.value.field == "measurement_id"
    assert session.scalar(select(Document.id)) == done.document.id
    assert session.scalar(select(SendOrder.kind)) == "dmp_submit"


def test_a_visit_typed_in_error_is_removed(session: Session, family: Family) -> None:
    stored = record_measures(
        session, family.patient_id, Measures(TODAY, 86000), actor=family.doctor, now=NOW
    )
    delete_measures(session, family.patient_id, stored.id or 0, actor=family.doctor)
    session.commit()
    assert list_measures(session, family.patient_id, actor=family.doctor) == ()


def test_only_a_signed_in_professional_writes_the_mde(session: Session, family: Family) -> None:
    stored = record_measures(
        session, family.patient_id, Measures(TODAY, 8600), actor=family.secretary, now=NOW
    )
    with pytest.raises(PracticeValidationError) as info:
        validate_mde(session, family.patient_id, stored.id or 0, actor=family.secretary, now=NOW)
    assert info.value.field == "author"


def test_an_actor_without_rights_is_refused(session: Session, family: Family) -> None:
    from dataclasses import replace

    outsider = replace(family.doctor, structure_id=None)
    with pytest.raises(AccessDeniedError):
        list_measures(session, family.patient_id, actor=outsider)
