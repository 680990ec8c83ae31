"""The structure a trace record names, as the request's credential found it (SQLite and
PostgreSQL): an API key's or a signed-in session's idNat_Struct is read once with the
credential, and only for the transaction that read it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from esante.practice import trace
from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.practice.apikeys import authenticate_api_key, create_api_key
from esante.store import Structure, session_factory
from esante.web.auth.sessions import Timeouts, actor_of, find_session, open_session


def _key(session: Session) -> tuple[int, str]:
    structure = Structure(name="Cabinet du Parc", id_nat_struct="31750000001")
    session.add(structure)
    session.flush()
    key = create_api_key(
        session, structure_id=structure.id, scopes=["patients:read"], label="Agenda"
    ).key
    session.commit()
    return structure.id, key


def _renumber(engine: Engine, structure_id: int, id_nat_struct: str) -> None:
    with session_factory(engine)() as other:
        other.execute(
            update(Structure)
            .where(Structure.id == structure_id)
            .values(id_nat_struct=id_nat_struct)
        )
        other.commit()


def test_the_keys_structure_is_traced(session: Session) -> None:
    _, key = _key(session)
    actor = authenticate_api_key(session, key)
    [entry] = trace.record(session, actor, "patients:search", [])
    session.commit()
    assert entry.structure_id == "31750000001"
    assert entry.actor_id == actor.actor_id


def test_the_structure_is_read_afresh_after_the_transaction(
    session: Session, engine: Engine
) -> None:
    structure_id, key = _key(session)
    actor = authenticate_api_key(session, key)
    session.commit()
    _renumber(engine, structure_id, "31750000002")
    [entry] = trace.record(session, actor, "patients:search", [])
    session.commit()
    assert entry.structure_id == "31750000002"


def test_a_signed_in_sessions_structure_is_traced(session: Session, engine: Engine) -> None:
    structure_id, _ = _key(session)
    timeouts = Timeouts(idle=timedelta(hours=2), absolute=timedelta(hours=12))
    doctor = Actor(
        kind="local", actor_id="m1", name="Dr A", role=ROLE_MEDECIN, structure_id=structure_id
    )
    token, _ = open_session(session, doctor, timeouts)
    with session_factory(engine)() as request:
        row = find_session(request, token, timeouts)
        assert row is not None
        [entry] = trace.record(request, actor_of(row), "patients:search", [])
        request.commit()
    assert entry.structure_id == "31750000001"
    _renumber(engine, structure_id, "31750000004")
    with session_factory(engine)() as request:
        row = find_session(request, token, timeouts)
        assert row is not None
        [entry] = trace.record(request, actor_of(row), "patients:search", [])
        request.commit()
    assert entry.structure_id == "31750000004"
