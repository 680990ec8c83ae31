"""The four DMP metadata updates (TD3.3a-d) as ITI-57 Update Document Set requests.

How each is expressed in XDS (IHE ITI-57, ITI TF-3 §4.2.2.x; DMP examples TD3.3c/TD3.3d;
PDSm4DMP transaction pages TD3.3a-d):

* TD3.3a mask / unmask to professionals and TD3.3b visibility to the patient or the
  legal representatives change the *confidentialityCode* of the entry, so they are an
  **entry metadata update**: a new version of the DocumentEntry (new id, ``lid`` = the
  logical id of the entry, confidentiality codes with or without ``MASQUE_PS``,
  ``INVISIBLE_PATIENT``, ``INVISIBLE_REPRESENTANTS_LEGAUX``) and a HasMember association
  from the submission set carrying ``SubmissionSetStatus=Original`` and
  ``PreviousVersion`` = the version being replaced.
* TD3.3c delete and TD3.3d archive / unarchive change the *availabilityStatus*, so they
  are an **UpdateAvailabilityStatus** association from the submission set to the
  entryUUID with ``OriginalStatus`` and ``NewStatus`` (``...:Archived``,
  ``...:Deleted``, ``...:Approved``), exactly as the official DMP messages.

Each builder takes the submission set to send (the caller chooses its ids, author and
time) and returns an :class:`~esante.xds.requests.UpdateDocumentSet`.
"""

from __future__ import annotations

from dataclasses import replace

from esante.xds.errors import XdsValidationError
from esante.xds.metadata import Association, DocumentEntry, SubmissionSet, has_member
from esante.xds.requests import UpdateDocumentSet
from esante.xds.validate.messages import ValidationMessage, failure
from esante.xds.vocabulary import AssociationType, AvailabilityStatus


def update_entry(
    current: DocumentEntry,
    updated: DocumentEntry,
    *,
    submission_set: SubmissionSet,
    new_entry_id: str = "DocumentEntry01",
    association_id: str = "Association01",
) -> UpdateDocumentSet:
    """A new version ``updated`` of the registered entry ``current`` (ITI-57 metadata update).

    ``current`` must come from a query (it carries the version being replaced).
    Raises :class:`XdsValidationError` (XDSMetadataVersionError) when it has no version.
    """
    if not current.version:
        raise XdsValidationError.from_failures(
            [
                failure(
                    ValidationMessage.UPDATE_MISSING_PREVIOUS_VERSION,
                    f"DocumentEntry[{current.entry_uuid}]",
                )
            ]
        )
    new_version = replace(
        updated,
        entry_uuid=new_entry_id,
        logical_id=current.logical_id or current.entry_uuid,
        version=None,
        availability_status=None,
    )
    membership = has_member(
        association_id, submission_set.entry_uuid, new_entry_id, previous_version=current.version
    )
    return UpdateDocumentSet(submission_set, (new_version,), (membership,))


def mask_to_professionals(
    current: DocumentEntry, *, masked: bool, submission_set: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3a: mask (``masked=True``) or unmask the document to healthcare professionals."""
    updated = current.with_visibility(masked_to_professionals=masked)
    return update_entry(current, updated, submission_set=submission_set)


def set_patient_visibility(
    current: DocumentEntry, *, visible: bool, submission_set: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3b: make the document visible (or not) to the patient."""
    updated = current.with_visibility(invisible_to_patient=not visible)
    return update_entry(current, updated, submission_set=submission_set)


def set_legal_representatives_visibility(
    current: DocumentEntry, *, visible: bool, submission_set: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3b: make the document visible (or not) to the patient's legal representatives."""
    updated = current.with_visibility(invisible_to_legal_representatives=not visible)
    return update_entry(current, updated, submission_set=submission_set)


def change_status(
    entry_uuid: str,
    *,
    original: AvailabilityStatus,
    new: AvailabilityStatus,
    submission_set: SubmissionSet,
    association_id: str = "Association01",
) -> UpdateDocumentSet:
    """An UpdateAvailabilityStatus of the entry ``entry_uuid`` from ``original`` to ``new``."""
    association = Association(
        association_id,
        AssociationType.UPDATE_AVAILABILITY_STATUS,
        submission_set.entry_uuid,
        entry_uuid,
        original_status=original,
        new_status=new,
    )
    return UpdateDocumentSet(submission_set, (), (association,))


def delete_document(
    entry_uuid: str,
    *,
    submission_set: SubmissionSet,
    original: AvailabilityStatus = AvailabilityStatus.APPROVED,
) -> UpdateDocumentSet:
    """TD3.3c: delete the document (status ``original`` → Deleted; the DMP keeps no copy
    visible, only the author may do this)."""
    return change_status(
        entry_uuid,
        original=original,
        new=AvailabilityStatus.DELETED,
        submission_set=submission_set,
    )


def archive_document(
    entry_uuid: str, *, archived: bool = True, submission_set: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3d: archive (Approved → Archived) or unarchive (Archived → Approved)."""
    original, new = (
        (AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED)
        if archived
        else (AvailabilityStatus.ARCHIVED, AvailabilityStatus.APPROVED)
    )
    return change_status(entry_uuid, original=original, new=new, submission_set=submission_set)
