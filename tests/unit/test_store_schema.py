"""The schema: migrations build it on both backends and match the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante.store import (
    Base,
    Document,
    IdentityStatusChange,
    Patient,
    Practitioner,
    Structure,
    current_revision,
    head_revision,
)


def test_migrations_reach_head_and_match_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _patient(**kw: object) -> Patient:
    values: dict[str, object] = {
        "local_id": "IPP-1",
        "birth_family_name": "MARTIN",
        "birth_given_names": "Jeanne Marie",
        "first_given_name": "Jeanne",
        "sex": "F",
        "birth_date": date(1982, 5, 14),
        "ins_matricule": "282052A12345678",
        "ins_oid": "1.2.250.1.213.1.4.10",
    }
    values.update(kw)
    return Patient(**values)


def test_patient_with_history_round_trips(session: Session) -> None:
    s = Structure(name="Cabinet du Parc", finess="750000001", id_nat_struct="1750000001")
    doc = Practitioner(
        rpps="10000000001",
        family_name="DURAND",
        given_name="Paul",
        profession_code="10",
        specialty_code="SM54",
        structure=s,
    )
    p = _patient(medecin_traitant=doc)
    p.status_history.append(IdentityStatusChange(from_status=None, to_status="PROV"))
    session.add_all([s, doc, p])
    session.commit()
    session.expunge_all()
    got = session.scalars(select(Patient)).one()
    assert got.medecin_traitant is not None
    assert got.medecin_traitant.id_nat_ps == "810000000001"
    assert [c.to_status for c in got.status_history] == ["PROV"]
    assert got.created_at.tzinfo is not None


def test_same_ins_twice_is_refused(session: Session) -> None:
    session.add(_patient())
    session.commit()
    session.add(_patient(local_id="IPP-2"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_bad_identity_status_is_refused_by_the_database(session: Session) -> None:
    session.add(_patient(identity_status="VALID"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_document_version_chain(session: Session) -> None:
    p = _patient()
    session.add(p)
    session.flush()
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    v1 = Document(
        patient_id=p.id,
        unique_id="1.2.3.4.1",
        set_id="1.2.3.9",
        version_number=1,
        type_code="11488-4",
        type_code_system="2.16.840.1.113883.6.1",
        level="N1",
        title="Compte rendu de consultation",
        effective_time=when,
        content=b"<x/>",
        content_sha256="0" * 64,
        size=4,
    )
    session.add(v1)
    session.flush()
    v2 = Document(
        patient_id=p.id,
        unique_id="1.2.3.4.2",
        set_id="1.2.3.9",
        version_number=2,
        replaces_id=v1.id,
        type_code="11488-4",
        type_code_system="2.16.840.1.113883.6.1",
        level="N1",
        title="Compte rendu de consultation",
        effective_time=when,
        content=b"<y/>",
        content_sha256="1" * 64,
        size=4,
    )
    session.add(v2)
    session.commit()
    session.expunge_all()
    got = session.scalars(select(Document).where(Document.version_number == 2)).one()
    assert got.replaces is not None
    assert got.replaces.unique_id == "1.2.3.4.1"
    assert got.effective_time == when
    dup = Document(
        patient_id=p.id,
        unique_id="1.2.3.4.3",
        set_id="1.2.3.9",
        version_number=2,
        type_code="11488-4",
        type_code_system="2.16.840.1.113883.6.1",
        level="N1",
        title="x",
        effective_time=when,
        content=b"",
        content_sha256="2" * 64,
        size=0,
    )
    session.add(dup)
    with pytest.raises(IntegrityError):
        session.commit()
