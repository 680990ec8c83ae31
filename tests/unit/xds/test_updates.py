"""The DMP TD3.3a-d operations as ITI-57 requests."""

from __future__ import annotations

from esante.xds import (
    AssociationType,
    AvailabilityStatus,
    Code,
    SubmissionSetStatus,
    archive_document,
    delete_document,
    iti57,
    mask_to_professionals,
    set_legal_representatives_visibility,
    set_patient_visibility,
)
from tests.unit.xds import samples
from tests.unit.xds.dmp_messages import body

NORMAL = Code("N", "2.16.840.1.113883.5.25", "Normal")


def test_mask_and_unmask_create_a_new_entry_version() -> None:
    current = samples.registered_entry()
    request = mask_to_professionals(current, masked=True, submission_set=samples.submission_set())
    (new,) = request.document_entries
    assert new.masked_to_professionals
    assert new.invisible_to_patient  # untouched
    assert new.entry_uuid == "DocumentEntry01"
    assert new.logical_id == current.entry_uuid
    assert (new.version, new.availability_status) == (None, None)
    assert (new.unique_id, new.hash, new.repository_unique_id) == (
        current.unique_id,
        current.hash,
        current.repository_unique_id,
    )
    (membership,) = request.associations
    assert membership.association_type is AssociationType.HAS_MEMBER
    assert (membership.source, membership.target) == ("SubmissionSet01", "DocumentEntry01")
    assert membership.submission_set_status is SubmissionSetStatus.ORIGINAL
    assert membership.previous_version == "1"

    masked = samples.registered_entry(confidentiality_codes=(NORMAL,)).with_visibility(
        masked_to_professionals=True
    )
    request = mask_to_professionals(masked, masked=False, submission_set=samples.submission_set())
    assert request.document_entries[0].confidentiality_codes == (NORMAL,)


def test_patient_and_legal_representatives_visibility() -> None:
    current = samples.registered_entry()
    assert current.invisible_to_patient
    visible = set_patient_visibility(current, visible=True, submission_set=samples.submission_set())
    assert not visible.document_entries[0].invisible_to_patient
    hidden = set_legal_representatives_visibility(
        current, visible=False, submission_set=samples.submission_set()
    )
    codes = [c.code for c in hidden.document_entries[0].confidentiality_codes]
    assert codes == ["N", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"]
    assert iti57.validate_request(hidden) == []


def test_delete_and_archive_match_the_official_messages() -> None:
    target = "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e"
    cases = [
        (
            "TD3.3c_Supprimer_un_document_requete.xml",
            lambda submission_set: delete_document(
                target, original=AvailabilityStatus.ARCHIVED, submission_set=submission_set
            ),
        ),
        (
            "TD3.3d_Archiver_un_document_requete.xml",
            lambda submission_set: archive_document(target, submission_set=submission_set),
        ),
    ]
    for name, build in cases:
        official = iti57.decode_request(body(name))
        ours = build(official.submission_set)
        (expected,) = official.associations
        (built,) = ours.associations
        assert (built.association_type, built.source, built.target) == (
            expected.association_type,
            expected.source,
            expected.target,
        )
        assert (built.original_status, built.new_status) == (
            expected.original_status,
            expected.new_status,
        )


def test_unarchive() -> None:
    request = archive_document(
        "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e",
        archived=False,
        submission_set=samples.submission_set(),
    )
    (change,) = request.associations
    assert (change.original_status, change.new_status) == (
        AvailabilityStatus.ARCHIVED,
        AvailabilityStatus.APPROVED,
    )
    assert iti57.validate_request(request) == []
