"""TD3.2 retrieval and TD3.3a-d attribute changes, with their refusals."""

from __future__ import annotations

import pytest

from esante.sandbox.dmp import (
    CodedValue,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DmpService,
    DocumentRecord,
    PatientIns,
)
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus
from tests.unit.sandbox.dmp.factories import (
    DR_A,
    DR_B,
    NURSE,
    OTHER_PATIENT,
    SECRETARY,
    new_document,
    submission,
)

BDG = AccessMode.BRIS_DE_GLACE


def refusal(call: object) -> DmpRefusal:
    with pytest.raises(DmpRefusal) as caught:
        call()  # type: ignore[operator]
    return caught.value


@pytest.fixture
def by_dr_a(service: DmpService, dmp: PatientIns) -> DocumentRecord:
    document = new_document("1.2.8.1", content=b"%PDF-1.7 CR de DR_A")
    return service.submit(DR_A, submission(document)).documents[0]


def test_retrieve_gives_the_bytes_and_the_metadata(
    service: DmpService, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    got = service.retrieve(DR_B, dmp, "1.2.8.1", repository_unique_id="1.2.250.1.213.4.1.1.1.2")
    assert got.content == b"%PDF-1.7 CR de DR_A"
    assert got.record.entry_uuid == by_dr_a.entry_uuid


def test_retrieve_refusals(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    assert (
        refusal(lambda: service.retrieve(DR_A, dmp, "9.9.9")).code is DmpErrorCode.UNKNOWN_DOCUMENT
    )
    other_repo = refusal(
        lambda: service.retrieve(DR_A, dmp, "1.2.8.1", repository_unique_id="1.2.3")
    )
    assert other_repo.code is DmpErrorCode.UNKNOWN_REPOSITORY
    # a document of another patient is unknown for this patient
    admin.create_dmp(OTHER_PATIENT)
    admin.set_authorization(OTHER_PATIENT, DR_A.id_nat_ps)
    assert refusal(lambda: service.retrieve(DR_A, OTHER_PATIENT, "1.2.8.1")).code is (
        DmpErrorCode.UNKNOWN_DOCUMENT
    )
    admin.block(dmp, DR_B.id_nat_ps)
    assert refusal(lambda: service.retrieve(DR_B, dmp, "1.2.8.1")).code is (
        DmpErrorCode.PROFESSIONAL_BLOCKED
    )
    admin.close_dmp(dmp)
    assert refusal(lambda: service.retrieve(DR_A, dmp, "1.2.8.1")).code is DmpErrorCode.DMP_CLOSED


def test_masked_document_hidden_from_others_in_normal_mode_visible_in_bris_de_glace(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    masked = service.mask(DR_A, dmp, by_dr_a.entry_uuid)
    assert masked.masked
    assert masked.version == 2
    assert masked.entry_uuid != by_dr_a.entry_uuid  # ITI-57: a new version of the entry
    assert masked.logical_id == by_dr_a.entry_uuid
    assert service.retrieve(DR_A, dmp, "1.2.8.1").record.masked  # the author still reads it
    assert refusal(lambda: service.retrieve(DR_B, dmp, "1.2.8.1")).code is (
        DmpErrorCode.DOCUMENT_MASKED
    )
    # bris de glace: readable once the patient allowed masked documents in emergencies
    assert refusal(lambda: service.retrieve(DR_B, dmp, "1.2.8.1", access_mode=BDG)).code is (
        DmpErrorCode.DOCUMENT_MASKED
    )
    admin.set_oppositions(dmp, masked_access_in_emergency=True)
    assert service.retrieve(DR_B, dmp, "1.2.8.1", access_mode=BDG).content


def test_mask_and_unmask_rights(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    # any authorized professional may mask a document (it protects the patient)...
    masked = service.mask(NURSE, dmp, by_dr_a.entry_uuid)
    # ...but only its author (or the médecin traitant DMP) may unmask it
    assert refusal(lambda: service.mask(DR_B, dmp, masked.logical_id, masked=False)).code is (
        DmpErrorCode.NOT_DOCUMENT_AUTHOR
    )
    admin.declare_treating_physician(dmp, DR_B.id_nat_ps)
    unmasked = service.mask(DR_B, dmp, masked.entry_uuid, masked=False)
    assert not unmasked.masked
    assert unmasked.version == 3
    # no change, no new version
    assert service.mask(DR_A, dmp, unmasked.entry_uuid, masked=False).version == 3
    # masking is not open in bris de glace
    assert refusal(lambda: service.mask(DR_A, dmp, unmasked.entry_uuid, access_mode=BDG)).code is (
        DmpErrorCode.ACCESS_NOT_ALLOWED
    )


def test_patient_visibility(service: DmpService, dmp: PatientIns) -> None:
    hidden = new_document(
        "1.2.8.2", invisible_to_patient=True, invisible_to_legal_representatives=True
    )
    [record] = service.submit(DR_A, submission(hidden)).documents
    visible = service.set_patient_visibility(NURSE, dmp, record.entry_uuid)
    assert not visible.invisible_to_patient
    assert visible.invisible_to_legal_representatives
    reps = service.set_patient_visibility(DR_B, dmp, visible.entry_uuid, legal_representatives=True)
    assert not reps.invisible_to_legal_representatives
    # hiding again after submission: the author only (esante's rule)
    again = lambda: service.set_patient_visibility(DR_B, dmp, reps.entry_uuid, visible=False)  # noqa: E731
    assert refusal(again).code is DmpErrorCode.NOT_DOCUMENT_AUTHOR
    assert service.set_patient_visibility(
        DR_A, dmp, reps.entry_uuid, visible=False
    ).invisible_to_patient


def test_td33_on_another_authors_document_is_refused(
    service: DmpService, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    for call in (
        lambda: service.delete(DR_B, dmp, by_dr_a.entry_uuid),
        lambda: service.archive(DR_B, dmp, by_dr_a.entry_uuid),
        lambda: service.delete(NURSE, dmp, by_dr_a.entry_uuid),
    ):
        assert refusal(call).code is DmpErrorCode.NOT_DOCUMENT_AUTHOR
    # the structure's secretary may delete it (CPE: the structure's documents)
    assert service.delete(SECRETARY, dmp, by_dr_a.entry_uuid).status is AvailabilityStatus.DELETED


def test_archive_unarchive_delete_transitions(
    service: DmpService, dmp: PatientIns, by_dr_a: DocumentRecord
) -> None:
    uuid = by_dr_a.entry_uuid
    archived = service.archive(DR_A, dmp, uuid)
    assert archived.status is AvailabilityStatus.ARCHIVED
    assert archived.entry_uuid == uuid  # a status change keeps the entry
    assert refusal(lambda: service.archive(DR_A, dmp, uuid)).code is (
        DmpErrorCode.METADATA_UPDATE_ERROR
    )
    wrong_origin = lambda: service.change_status(  # noqa: E731
        DR_A,
        dmp,
        uuid,
        AvailabilityStatus.DELETED,
        original_status=AvailabilityStatus.APPROVED,
    )
    assert refusal(wrong_origin).code is DmpErrorCode.METADATA_UPDATE_ERROR
    assert service.archive(DR_A, dmp, uuid, archived=False).status is AvailabilityStatus.APPROVED
    deleted = service.change_status(
        DR_A, dmp, uuid, AvailabilityStatus.DELETED, original_status=AvailabilityStatus.APPROVED
    )
    assert deleted.status is AvailabilityStatus.DELETED
    assert refusal(lambda: service.archive(DR_A, dmp, uuid, archived=False)).code is (
        DmpErrorCode.METADATA_UPDATE_ERROR
    )
    assert refusal(lambda: service.mask(DR_A, dmp, uuid)).code is DmpErrorCode.METADATA_UPDATE_ERROR
    assert refusal(lambda: service.delete(DR_A, dmp, "urn:uuid:nothing")).code is (
        DmpErrorCode.UNKNOWN_DOCUMENT
    )


def test_documents_of_the_patient_only_for_the_treating_physician(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns
) -> None:
    deposited = admin.add_patient_document(
        dmp,
        new_document(
            "1.2.8.3",
            class_code="90",
            type_code="DOCPAT03",
            authors=(),
            format_code=CodedValue("urn:ihe:iti:xds-sd:pdf:2008"),
        ),
    )
    assert deposited.patient_document
    assert refusal(lambda: service.delete(DR_B, dmp, deposited.entry_uuid)).code is (
        DmpErrorCode.PATIENT_DOCUMENT_RESERVED
    )
    admin.declare_treating_physician(dmp, DR_A.id_nat_ps)
    assert service.archive(DR_A, dmp, deposited.entry_uuid).status is AvailabilityStatus.ARCHIVED
    assert service.delete(DR_A, dmp, deposited.entry_uuid).status is AvailabilityStatus.DELETED
