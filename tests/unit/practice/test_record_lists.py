"""The record's structured lists fed by an official VSM N3 (issue 13 item 4), on SQLite
and PostgreSQL: counts derived from what :func:`read_vsm` finds in the ANS examples,
filing twice adds nothing, a local entry of the same concept stays local, provenance
in French, authorisation and trace of reads."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante.cda.read import VsmData, read_document, read_vsm
from esante.practice import record_lists
from esante.practice.access import AccessDeniedError
from esante.practice.actors import ROLE_APIKEY, ROLE_SECRETAIRE, Actor
from esante.practice.errors import PracticeValidationError
from esante.practice.record_lists import (
    KIND_LABELS,
    KINDS,
    add_item,
    file_vsm,
    label_key,
    provenance_label,
    record_items,
)
from esante.store import (
    AuditRecord,
    ConflictError,
    NotFoundError,
    Patient,
    Practitioner,
    Structure,
    session_factory,
)
from esante.store.models import RecordItem
from tests.conftest import shared_path
from tests.unit.practice.acting import acting

EXAMPLES = ["VSM_2023.01.xml", "VSM_1.4_2022.01.xml"]
CIM10 = "2.16.840.1.113883.6.3"


def _vsm(name: str) -> VsmData:
    return read_vsm(read_document(shared_path("cisis-kit", "ExemplesCDA", name)))


def _expected(vsm: VsmData) -> dict[str, int]:
    """Entries per list as the VSM states them (a problem stated absent is no problem)."""
    return {
        "problem": sum(not p.absent for p in vsm.problems),
        "history": sum(not p.absent for p in vsm.history),
        "procedure": sum(p.done for p in vsm.procedures),
        "allergy": len(vsm.allergies),
        "treatment": len(vsm.treatments),
    }


def _world(session: Session) -> tuple[Patient, Practitioner]:
    structure = Structure(name="Cabinet des Acacias", id_nat_struct="1690781811")
    doctor = Practitioner(
        rpps="10000000009",
        family_name="Carré",
        given_name="Hervé",
        profession_code="10",
        structure=structure,
    )
    patient = Patient(
        local_id="IPP-V1",
        birth_family_name="Martin",
        birth_given_names="Louis",
        first_given_name="Louis",
        sex="M",
        birth_date=date(1950, 2, 3),
    )
    session.add_all([structure, doctor, patient])
    session.commit()
    return patient, doctor


def _items(session: Session, patient: Patient) -> list[RecordItem]:
    return list(session.scalars(select(RecordItem).where(RecordItem.patient_id == patient.id)))


def _head(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditRecord.sequence))) or 0)


def _since(session: Session, after: int) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.sequence > after)
    return list(session.scalars(query.order_by(AuditRecord.sequence)))


@pytest.mark.parametrize("example", EXAMPLES)
def test_an_official_vsm_fills_the_lists_with_provenance(session: Session, example: str) -> None:
    patient, doctor = _world(session)
    vsm = _vsm(example)
    filed = file_vsm(
        session, patient.id, vsm, source="dmp", document_id=None, recorded_by=doctor.id_nat_ps
    )
    session.commit()
    expected = _expected(vsm)
    assert dict(filed.added) == expected
    assert dict(filed.present) == dict.fromkeys(KINDS, 0)
    assert filed.total_added == sum(expected.values()) > 0
    items = _items(session, patient)
    assert {k: sum(i.kind == k for i in items) for k in KINDS} == expected
    keys = {(i.kind, i.code_system, i.code) for i in items}
    assert ("problem", CIM10, "I20.0") in keys  # angine de poitrine instable
    assert ("treatment", "1.2.250.1.213.2.3.1", "63564053") in keys  # PLAVIX 75 mg (CIS)
    assert vsm.provenance.author is not None
    for item in items:
        assert item.source == "dmp"
        assert item.source_document_unique_id == str(vsm.provenance.document_id)
        assert item.source_author == vsm.provenance.author.name.display
        assert item.source_date == vsm.provenance.authored_at
        assert item.recorded_by == doctor.id_nat_ps
    [plavix] = [i for i in items if i.code == "63564053"]
    assert plavix.label == "PLAVIX 75 mg, comprimé pelliculé"
    assert plavix.detail is not None
    assert "voie orale" in plavix.detail


@pytest.mark.parametrize("example", EXAMPLES)
def test_filing_the_same_vsm_twice_adds_nothing(session: Session, example: str) -> None:
    patient, _ = _world(session)
    vsm = _vsm(example)
    first = file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    session.commit()
    again = file_vsm(session, patient.id, vsm, source="mssante", document_id=None, recorded_by=None)
    session.commit()
    assert again.total_added == 0
    assert dict(again.present) == dict(first.added)
    assert len(_items(session, patient)) == first.total_added
    assert {i.source for i in _items(session, patient)} == {"dmp"}  # the first import stays


def test_a_concept_entered_locally_is_not_duplicated_and_stays_local(session: Session) -> None:
    patient, doctor = _world(session)
    actor = acting(doctor)
    local = add_item(
        session, actor, patient.id, "problem", "Angor instable", code="I20.0", code_system=CIM10
    )
    session.commit()
    vsm = _vsm("VSM_2023.01.xml")
    filed = file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    session.commit()
    assert filed.present["problem"] == 1
    assert filed.added["problem"] == _expected(vsm)["problem"] - 1
    [kept] = [i for i in _items(session, patient) if i.code == "I20.0"]
    assert kept.id == local.id
    assert (kept.source, kept.label, kept.source_document_unique_id) == (
        "local",
        "Angor instable",
        None,
    )
    assert kept.recorded_by == doctor.id_nat_ps
    assert provenance_label(kept) is None


def test_a_concurrent_import_that_filed_first_counts_as_present(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique key settles a race: the entries were filed (and committed) by another
    transaction after this one looked — each insert fails in its own savepoint, and what
    the caller's transaction already holds survives."""
    patient, _ = _world(session)
    vsm = _vsm("VSM_2023.01.xml")
    first = file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    session.commit()
    monkeypatch.setattr(record_lists, "_existing_keys", lambda *_: set())
    other = Patient(
        local_id="IPP-V2",
        birth_family_name="Durand",
        birth_given_names="Jeanne",
        first_given_name="Jeanne",
        sex="F",
        birth_date=date(1960, 5, 6),
    )
    session.add(other)  # pending work of the caller's transaction
    late = file_vsm(session, patient.id, vsm, source="mssante", document_id=None, recorded_by=None)
    session.commit()
    assert late.total_added == 0
    assert dict(late.present) == dict(first.added)
    assert session.scalar(select(Patient.id).where(Patient.local_id == "IPP-V2")) is not None
    assert len(_items(session, patient)) == first.total_added


def test_two_imports_at_once_on_postgresql(session: Session, engine: Engine) -> None:
    """Two transactions file the same VSM; the second waits on the unique index, then
    counts everything as present instead of failing (PostgreSQL: SQLite serialises
    writers on the database lock instead)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row-level concurrency: PostgreSQL only")
    patient, _ = _world(session)
    vsm = _vsm("VSM_2023.01.xml")
    first = file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    results: list[object] = []

    def second() -> None:
        with session_factory(engine)() as other:
            try:
                results.append(
                    file_vsm(
                        other, patient.id, vsm, source="dmp", document_id=None, recorded_by=None
                    )
                )
                other.commit()
            except Exception as exc:  # reported below, not swallowed
                results.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    with session_factory(engine)() as watcher:
        while True:  # until the second transaction waits for this one's lock
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
            watcher.rollback()
            if waiting or not thread.is_alive():
                break
            time.sleep(0.01)
    session.commit()
    thread.join()
    [late] = results
    assert isinstance(late, record_lists.FiledItems), late
    assert late.total_added == 0
    assert dict(late.present) == dict(first.added)
    assert len(_items(session, patient)) == first.total_added


def test_provenance_is_said_in_french_with_the_paris_date_of_the_import(
    session: Session,
) -> None:
    patient, _ = _world(session)
    vsm = _vsm("VSM_2023.01.xml")
    assert vsm.provenance.author is not None
    author = vsm.provenance.author.name.display
    # 23:30 UTC on 6 December is already 7 December in Paris
    with time_machine.travel(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), tick=False):
        file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    session.commit()
    item = _items(session, patient)[0]
    assert provenance_label(item) == f"importé du DMP le 07/12/2026 ({author})"
    item.source = "mssante"
    assert provenance_label(item) == f"reçu par MSSanté le 07/12/2026 ({author})"
    item.source_author = None
    assert provenance_label(item) == "reçu par MSSanté le 07/12/2026"


def test_the_lists_are_read_by_list_and_the_read_is_traced(session: Session) -> None:
    patient, doctor = _world(session)
    actor = acting(doctor)
    vsm = _vsm("VSM_2023.01.xml")
    file_vsm(session, patient.id, vsm, source="dmp", document_id=None, recorded_by=None)
    session.commit()
    before = _head(session)
    items = record_items(session, actor, patient.id)
    allergies = record_items(session, actor, patient.id, "allergy")
    session.commit()
    ranks = [KINDS.index(i.kind) for i in items]
    assert ranks == sorted(ranks)
    assert len(items) == sum(_expected(vsm).values())
    assert [a.id for a in allergies] == [i.id for i in items if i.kind == "allergy"]
    every, only = _since(session, before)
    for traced in (every, only):
        assert (traced.channel, traced.action, traced.outcome) == (
            "dossier",
            "patients:read",
            "success",
        )
        assert (traced.actor_id, traced.structure_id) == (doctor.id_nat_ps, "1690781811")
    assert every.detail is not None
    assert "listes : toutes" in every.detail
    assert only.detail is not None
    assert KIND_LABELS["allergy"] in only.detail
    with pytest.raises(PracticeValidationError) as bad:
        record_items(session, actor, patient.id, "vaccins")
    assert bad.value.field == "kind"
    with pytest.raises(NotFoundError):
        record_items(session, actor, 9999)


def test_who_may_read_and_add(session: Session) -> None:
    """Clinical content follows the documents' rights (``documents:read``/``write``):
    the secretariat, who manages the patient's documents, reads the lists; a key scoped
    to identities only does not, and its refusal is traced."""
    patient, doctor = _world(session)
    add_item(session, acting(doctor), patient.id, "allergy", "Pénicilline")
    session.commit()
    secretary = Actor(
        kind="local",
        actor_id="u-1",
        name="Accueil",
        role=ROLE_SECRETAIRE,
        structure_id=doctor.structure_id,
        origin="test",
    )
    assert [i.label for i in record_items(session, secretary, patient.id)] == ["Pénicilline"]
    session.commit()
    agenda = Actor(
        kind="apikey",
        actor_id="apikey:esk_ab12",
        name="Agenda en ligne",
        role=ROLE_APIKEY,
        structure_id=doctor.structure_id,
        scopes=frozenset({"patients:read", "patients:write"}),
        origin="198.51.100.7",
    )
    before = _head(session)
    with pytest.raises(AccessDeniedError):
        record_items(session, agenda, patient.id)
    session.rollback()
    with pytest.raises(AccessDeniedError):
        add_item(session, agenda, patient.id, "allergy", "Latex")
    session.rollback()
    refused = _since(session, before)
    assert [(t.action, t.outcome) for t in refused] == [
        ("patients:read", "refused"),
        ("patients:update", "refused"),
    ]
    reader = Actor(
        kind="apikey",
        actor_id="apikey:esk_cd34",
        name="Logiciel de spécialité",
        role=ROLE_APIKEY,
        structure_id=doctor.structure_id,
        scopes=frozenset({"documents:read"}),
    )
    assert len(record_items(session, reader, patient.id)) == 1


def test_an_entry_added_by_hand_is_checked_and_traced(session: Session) -> None:
    patient, doctor = _world(session)
    actor = acting(doctor)
    before = _head(session)
    item = add_item(
        session,
        actor,
        patient.id,
        "history",
        "  Pyélonéphrite   aiguë ",
        started_on=date(2018, 4, 22),
        ended_on=date(2018, 4, 30),
        active=False,
    )
    session.commit()
    assert (item.label, item.code_system, item.code) == (
        "Pyélonéphrite aiguë",
        "",
        "pyelonephrite aigue",
    )
    [traced] = _since(session, before)
    assert (traced.action, traced.outcome) == ("patients:update", "success")
    assert traced.detail is not None
    assert KIND_LABELS["history"] in traced.detail
    with pytest.raises(ConflictError) as twice:
        add_item(session, actor, patient.id, "history", "PYELONEPHRITE AIGUE.")
    assert twice.value.field == "label"
    session.rollback()
    add_item(session, actor, patient.id, "problem", "Pyélonéphrite aiguë")  # another list
    add_item(session, actor, patient.id, "problem", "HTA", code="I10", code_system=CIM10)
    with pytest.raises(ConflictError) as coded:
        add_item(session, actor, patient.id, "problem", "Hypertension", "I10", CIM10)
    assert coded.value.field == "code"
    session.rollback()
    assert len(_items(session, patient)) == 1  # the rollback dropped the uncommitted two


@pytest.mark.parametrize(
    ("kind", "label", "extra", "field"),
    [
        ("vaccin", "Grippe", {}, "kind"),
        ("allergy", "   ", {}, "label"),
        ("allergy", "…", {}, "label"),
        ("allergy", "x" * 301, {}, "label"),
        ("allergy", "Latex", {"code": "ABC"}, "code_system"),
        ("allergy", "Latex", {"code_system": CIM10}, "code"),
        ("allergy", "Latex", {"code": "A" * 121, "code_system": CIM10}, "code"),
        ("allergy", "Latex", {"detail": "d" * 301}, "detail"),
        (
            "treatment",
            "Amoxicilline",
            {"started_on": date(2024, 5, 2), "ended_on": date(2024, 5, 1)},
            "ended_on",
        ),
    ],
)
def test_bad_input_is_refused_in_french_naming_the_field(
    session: Session, kind: str, label: str, extra: dict[str, object], field: str
) -> None:
    patient, doctor = _world(session)
    with pytest.raises(PracticeValidationError) as refused:
        add_item(session, acting(doctor), patient.id, kind, label, **extra)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert refused.value.message[0].isupper()
    assert _items(session, patient) == []


def test_label_keys_ignore_accents_case_punctuation_and_spacing() -> None:
    assert label_key("  Allergie au  LATEX ! ") == label_key("allergie au latex")
    assert label_key("Pyélonéphrite") == "pyelonephrite"
    assert label_key("HTA") != label_key("HTAP")


def test_kind_labels_name_every_list() -> None:
    assert list(KIND_LABELS) == list(KINDS)


def test_a_vsm_for_an_unknown_patient_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        file_vsm(
            session,
            4242,
            _vsm("VSM_2023.01.xml"),
            source="dmp",
            document_id=None,
            recorded_by=None,
        )


def test_an_integrity_error_that_is_no_duplicate_is_not_swallowed(session: Session) -> None:
    """Only the unique key means "already present": an unknown document is the caller's
    error, raised, not counted as entries the record holds."""
    patient, _ = _world(session)
    with pytest.raises(IntegrityError):
        file_vsm(
            session,
            patient.id,
            _vsm("VSM_2023.01.xml"),
            source="dmp",
            document_id=987654,
            recorded_by=None,
        )
    session.rollback()
    assert _items(session, patient) == []
