"""The child record is patient data: every read and write traced, refusals traced too."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from esante.audit.query import latest_entries
from esante.practice.access import AccessDeniedError
from esante.practice.child import Measures, patient_calendar, record_measures
from esante.practice.child.curves import patient_growth_chart

from .conftest import NOW, TODAY, Family

QUALIFIED_INS = "226037512345669"


def test_reads_and_writes_are_traced_with_the_actor_and_the_patient(
    session: Session, family: Family
) -> None:
    patient_calendar(session, family.patient_id, actor=family.doctor, today=TODAY)
    record_measures(
        session, family.patient_id, Measures(TODAY, 8600, Decimal("70.5")), actor=family.doctor
    )
    patient_growth_chart(session, family.patient_id, "weight", actor=family.doctor)
    session.commit()
    entries = latest_entries(session, limit=10)
    assert [e.action for e in reversed(entries)] == [
        "patients:read",
        "patients:write",
        "patients:read",
    ]
    for entry in entries:
        assert entry.actor_id == family.doctor.actor_id
        assert entry.outcome == "success"
        assert (entry.patient_ins or "").startswith(QUALIFIED_INS)


def test_a_refusal_is_traced_and_nothing_is_written(session: Session, family: Family) -> None:
    outsider = replace(family.doctor, role="apikey", scopes=frozenset({"documents:read"}))
    with pytest.raises(AccessDeniedError):
        record_measures(session, family.patient_id, Measures(TODAY, 8600), actor=outsider, now=NOW)
    session.rollback()
    refused = latest_entries(session, limit=1)
    assert refused[0].outcome == "refused"
    assert refused[0].action == "patients:write"
