"""TD2.1: registration, the registry's refusals, replacement (RPLC)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from esante.sandbox.dmp import (
    AuthorInfo,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DmpService,
    PatientIns,
    SandboxDatabaseError,
    make_engine,
    session_factory,
    upgrade,
)
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus
from tests.unit.sandbox.dmp.factories import (
    DR_A,
    DR_B,
    ESTABLISHMENT,
    NURSE,
    OTHER_PATIENT,
    PATIENT,
    SECRETARY,
    STRUCTURE_A,
    Clock,
    new_document,
    submission,
)


def refused(call: object) -> DmpErrorCode:
    """The code of the refusal ``call`` raises (a zero-argument lambda)."""
    with pytest.raises(DmpRefusal) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_submission_registers_documents_and_their_metadata(
    service: DmpService, dmp: PatientIns, clock: Clock
) -> None:
    document = new_document("1.2.3.4.1", content=b"%PDF-1.7 compte rendu", entry_uuid="Doc1")
    receipt = service.submit(DR_A, submission(document, entry_uuid="SS1"))
    [record] = receipt.documents
    assert record.unique_id == "1.2.3.4.1"
    assert record.entry_uuid.startswith("urn:uuid:")  # symbolic ids are replaced
    assert record.logical_id == record.entry_uuid
    assert record.version == 1
    assert record.status is AvailabilityStatus.APPROVED
    assert record.submission_time == clock.now
    assert record.hash == hashlib.sha1(b"%PDF-1.7 compte rendu", usedforsecurity=False).hexdigest()
    assert record.size == len(b"%PDF-1.7 compte rendu")
    assert record.repository_unique_id == "1.2.250.1.213.4.1.1.1.2"
    assert record.author_ids == {DR_A.id_nat_ps}
    assert record.submitter_id == DR_A.id_nat_ps
    assert record.structure_ids == {STRUCTURE_A}
    assert record.submission_set_entry_uuid == receipt.submission_set_entry_uuid
    assert receipt.deprecated == ()


def test_a_given_urn_uuid_is_kept_and_the_hash_may_be_left_to_the_registry(
    service: DmpService, dmp: PatientIns
) -> None:
    given = "urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e"
    document = new_document(entry_uuid=given, hash=None, size=None)
    [record] = service.submit(DR_A, submission(document)).documents
    assert record.entry_uuid == given
    assert len(record.hash) == 40


def test_the_author_may_be_someone_else_than_the_submitter(
    service: DmpService, dmp: PatientIns
) -> None:
    [record] = service.submit(ESTABLISHMENT, submission(new_document(author=DR_B))).documents
    assert record.author_ids == {DR_B.id_nat_ps}
    assert record.submitter_id == ESTABLISHMENT.id_nat_ps


def test_a_cpe_feeds_through_td22(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    service.submit(SECRETARY, submission(new_document()))
    assert admin.access_history(dmp)[0].transaction == "TD2.2"


def test_unknown_patient_and_closed_dmp(service: DmpService, admin: DmpAdmin) -> None:
    assert refused(lambda: service.submit(DR_A, submission())) is DmpErrorCode.UNKNOWN_PATIENT
    admin.create_dmp(PATIENT)
    admin.close_dmp(PATIENT)
    assert refused(lambda: service.submit(DR_A, submission())) is DmpErrorCode.DMP_CLOSED


def test_duplicate_unique_id_is_refused_and_nothing_is_registered(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns
) -> None:
    service.submit(DR_A, submission(new_document("1.2.3.4.9")))
    again = submission(new_document("1.2.3.4.10"), new_document("1.2.3.4.9", entry_uuid="D2"))
    assert refused(lambda: service.submit(DR_A, again)) is DmpErrorCode.DUPLICATE_UNIQUE_ID
    assert admin.document(dmp, "1.2.3.4.10") is None  # the whole submission was refused
    twice = submission(new_document("1.2.3.4.11"), new_document("1.2.3.4.11", entry_uuid="D2"))
    assert refused(lambda: service.submit(DR_A, twice)) is DmpErrorCode.DUPLICATE_UNIQUE_ID


def test_the_same_submission_set_is_not_registered_twice(
    service: DmpService, dmp: PatientIns
) -> None:
    service.submit(DR_A, submission(new_document("1.2.3.5.1"), unique_id="1.2.3.99"))
    retry = submission(new_document("1.2.3.5.2"), unique_id="1.2.3.99")
    assert refused(lambda: service.submit(DR_A, retry)) is DmpErrorCode.DUPLICATE_UNIQUE_ID


def test_hash_size_and_content_are_checked(service: DmpService, dmp: PatientIns) -> None:
    bad_hash = new_document(hash="0" * 40)
    assert refused(lambda: service.submit(DR_A, submission(bad_hash))) is (
        DmpErrorCode.NON_IDENTICAL_HASH
    )
    bad_size = new_document(size=3)
    assert refused(lambda: service.submit(DR_A, submission(bad_size))) is (
        DmpErrorCode.NON_IDENTICAL_SIZE
    )
    empty = new_document(content=b"", hash=None, size=None)
    assert refused(lambda: service.submit(DR_A, submission(empty))) is (
        DmpErrorCode.MISSING_DOCUMENT
    )
    upper = new_document(
        hash=hashlib.sha1(b"<ClinicalDocument/>", usedforsecurity=False).hexdigest().upper()
    )
    service.submit(DR_A, submission(upper))


def test_a_document_of_another_patient_is_refused(service: DmpService, dmp: PatientIns) -> None:
    stray = new_document(patient=OTHER_PATIENT)
    assert refused(lambda: service.submit(DR_A, submission(stray))) is (
        DmpErrorCode.PATIENT_ID_DOES_NOT_MATCH
    )


def test_opposition_and_rights(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    admin.set_oppositions(dmp, feeding=True)
    assert refused(lambda: service.submit(DR_A, submission())) is DmpErrorCode.OPPOSITION_FEEDING
    admin.set_oppositions(dmp, feeding=False)
    # a blocked professional may still feed (blocking concerns access to the record)
    admin.block(dmp, NURSE.id_nat_ps)
    service.submit(NURSE, submission(new_document(author=NURSE)))
    # feeding in bris de glace is allowed by the matrix
    service.submit(
        DR_B, submission(new_document(author=DR_B)), access_mode=AccessMode.BRIS_DE_GLACE
    )


def test_replacement_deprecates_the_parent(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns
) -> None:
    [v1] = service.submit(DR_A, submission(new_document("1.2.3.6.1"))).documents
    receipt = service.submit(DR_A, submission(new_document("1.2.3.6.2", replaces=v1.entry_uuid)))
    assert receipt.deprecated == (v1.entry_uuid,)
    old = admin.document(dmp, "1.2.3.6.1")
    assert old is not None
    assert old.status is AvailabilityStatus.DEPRECATED
    current = service.find_documents(DR_A, dmp)
    assert [d.unique_id for d in current] == ["1.2.3.6.2"]
    # a deprecated version cannot be replaced again
    stale = submission(new_document("1.2.3.6.3", replaces=v1.entry_uuid))
    assert refused(lambda: service.submit(DR_A, stale)) is DmpErrorCode.REGISTRY_METADATA_ERROR


def test_replacement_rules(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    [original] = service.submit(DR_A, submission(new_document("1.2.3.7.1"))).documents
    # by a professional of another structure who is not an author
    by_other = submission(new_document(author=DR_B, replaces=original.entry_uuid))
    assert refused(lambda: service.submit(DR_B, by_other)) is DmpErrorCode.NOT_DOCUMENT_AUTHOR
    # by the submitting structure (a secretary of the author's structure)
    colleague = submission(new_document("1.2.3.7.2", replaces=original.entry_uuid))
    service.submit(SECRETARY, colleague)
    # unknown target, and target of another patient
    unknown = submission(new_document(replaces="urn:uuid:00000000-0000-0000-0000-000000000000"))
    assert refused(lambda: service.submit(DR_A, unknown)) is DmpErrorCode.REGISTRY_METADATA_ERROR
    admin.create_dmp(OTHER_PATIENT)
    [elsewhere] = service.submit(DR_A, submission(patient=OTHER_PATIENT)).documents
    crossed = submission(new_document(replaces=elsewhere.entry_uuid))
    assert refused(lambda: service.submit(DR_A, crossed)) is (
        DmpErrorCode.PATIENT_ID_DOES_NOT_MATCH
    )


def test_the_document_without_professional_author_is_recorded(
    service: DmpService, dmp: PatientIns
) -> None:
    device = new_document(authors=(AuthorInfo(family_name="Holter", role="DISPOSITIF"),))
    [record] = service.submit(DR_A, submission(device)).documents
    assert record.author_ids == frozenset()
    assert record.authors[0].role == "DISPOSITIF"


def test_a_duplicate_registered_meanwhile_is_still_a_duplicate(
    service: DmpService, dmp: PatientIns, dmp_engine: Engine
) -> None:
    service.submit(DR_A, submission(new_document("1.2.3.8.1")))
    # another server process registered the uniqueId between the check and the insert
    with session_factory(dmp_engine)() as other:
        racer = DmpService(other)
        patient = racer._open_patient(dmp)
        with pytest.raises(DmpRefusal) as caught:
            racer._register(DR_A, patient, submission(new_document("1.2.3.8.1")))
        assert caught.value.code is DmpErrorCode.DUPLICATE_UNIQUE_ID


def test_a_broken_database_is_a_sandbox_database_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'dmp.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE dmp_access_log")
    with session_factory(engine)() as session:
        with pytest.raises(SandboxDatabaseError) as caught:
            DmpService(session).test_existence(DR_A, PATIENT)
        assert "dmp_access_log" in (caught.value.detail or "")
    engine.dispose()
