"""The bar's counters and last visits (practice.dmp_counters) and migration 0005, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from alembic import command
from sqlalchemy import inspect

from esante.dmp.results import DmpStatus
from esante.practice.dmp_counters import (
    DmpSnapshot,
    SnapshotCache,
    counters_of,
    last_visit,
    mark_visited,
    new_since_bound,
)
from esante.practice.errors import PracticeValidationError
from esante.store import make_engine, session_factory
from esante.store.migrate import alembic_config, current_revision, upgrade
from esante.store.models import Patient, Practitioner
from esante.xds import Code, DocumentEntry
from tests.unit.practice.acting import ACTOR, acting

SYNTH = Code("SYNTH", "1.2.250.1.213.1.1.4.12", "Synthèse")
CR = Code("11488-4", "2.16.840.1.113883.6.1", "Compte rendu de consultation")


def _entry(uid: str, created: str, type_code: Code) -> DocumentEntry:
    return DocumentEntry(
        entry_uuid=f"urn:uuid:{uid}", unique_id=uid, creation_time=created, type_code=type_code
    )


def test_counters_from_the_dmp_answers() -> None:
    documents = [
        _entry("1", "20250102093000", SYNTH),
        _entry("2", "20250305", CR),
        _entry("3", "20240101120000", SYNTH),
    ]
    status = DmpStatus(exists=True, internet_account_open=False)
    visit = datetime(2025, 1, 1, tzinfo=UTC)
    counters = counters_of(status, documents, 1, visit)
    assert (counters.total, counters.new) == (3, 1)
    assert counters.latest_document_at == datetime(2025, 3, 5, tzinfo=UTC)
    assert counters.vsm_updated_at == datetime(2025, 1, 2, 9, 30, tzinfo=UTC)
    assert counters.has_mes is False
    assert counters.new_label == "1 nouveau document"
    assert counters.total_label == "3 documents disponibles"
    # never visited: every document is new
    assert counters_of(status, documents, 0, None).new_label == "3 nouveaux documents"
    empty = counters_of(status, [], 0, visit)
    assert (empty.new_label, empty.latest_document_at, empty.vsm_updated_at) == (
        "0 nouveau document",
        None,
        None,
    )


def test_the_new_documents_bound_is_the_next_whole_second() -> None:
    at = datetime(2025, 1, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert new_since_bound(at) == datetime(2025, 1, 1, 10, 0, 1, tzinfo=UTC)
    whole = datetime(2025, 1, 1, 10, 0, 0, tzinfo=UTC)
    assert new_since_bound(whole) == whole


def test_cache_expires_and_is_invalidated_per_patient() -> None:
    now = [0.0]
    cache = SnapshotCache(ttl=60, clock=lambda: now[0])
    snapshot = DmpSnapshot(DmpStatus(exists=True), (), 0, None)
    cache.put(1, "a", snapshot)
    cache.put(2, "a", snapshot)
    assert cache.get(1, "a") is snapshot
    assert cache.get(1, "b") is None
    cache.invalidate(1)
    assert cache.get(1, "a") is None
    assert cache.get(2, "a") is snapshot
    now[0] = 60.0
    assert cache.get(2, "a") is None


def test_last_visit_per_professional_and_patient(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        doctor = Practitioner(
            rpps="10000000001", family_name="UN", given_name="Doc", profession_code="10"
        )
        other = Practitioner(
            rpps="10000000002", family_name="DEUX", given_name="Doc", profession_code="10"
        )
        patient = Patient(
            local_id="P1",
            birth_family_name="TEST",
            birth_given_names="Patient",
            first_given_name="Patient",
            sex="F",
            birth_date=datetime(1980, 1, 1).date(),
        )
        session.add_all([doctor, other, patient])
        session.flush()
        assert last_visit(session, doctor.id, patient.id) is None
        first = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
        with time_machine.travel(first, tick=False):
            mark_visited(session, acting(doctor), patient.id)
        assert last_visit(session, doctor.id, patient.id) == first
        mark_visited(session, acting(doctor), patient.id, now=first + timedelta(days=1))
        session.commit()
        assert last_visit(session, doctor.id, patient.id) == first + timedelta(days=1)
        assert last_visit(session, other.id, patient.id) is None
        with pytest.raises(PracticeValidationError):
            mark_visited(session, ACTOR, patient.id)  # no practitioner row
    engine.dispose()


def test_migration_0005_down_and_up(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert "dmp_visit" in inspect(engine).get_table_names()
        head = current_revision(engine)
        config = alembic_config(engine)
        command.downgrade(config, "0004")
        assert current_revision(engine) == "0004"
        assert "dmp_visit" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head
        assert "dmp_visit" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migration_0006_down_and_up(db_url: str) -> None:
    """The record lists, the break-glass accesses and the import columns come and go."""
    engine = make_engine(db_url)
    try:
        head = current_revision(engine)
        command.downgrade(alembic_config(engine), "0005")
        tables = inspect(engine).get_table_names()
        assert "record_item" not in tables
        assert "dmp_emergency_access" not in tables
        columns = {c["name"] for c in inspect(engine).get_columns("document")}
        assert not {"source_author", "imported_by"} & columns
        upgrade(engine)
        assert current_revision(engine) == head
        tables = inspect(engine).get_table_names()
        assert "record_item" in tables
        assert "dmp_emergency_access" in tables
        columns = {c["name"] for c in inspect(engine).get_columns("document")}
        assert {"source_author", "imported_by"} <= columns
    finally:
        engine.dispose()
