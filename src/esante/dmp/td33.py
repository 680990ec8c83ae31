"""TD3.3a-d — change a document in the DMP (ITI-57 Update Document Set).

The four operations and how XDS expresses them are in :mod:`esante.xds.updates`:
TD3.3a mask / unmask to professionals and TD3.3b visibility to the patient or the
legal representatives publish a new version of the entry (new confidentiality codes);
TD3.3c delete and TD3.3d archive / unarchive change its availability status (the
official ``TD3.3c_Supprimer_un_document_requete.xml`` and ``TD3.3d_Archiver…``). Each
needs the *current* entry, as TD3.1 returned it (entryUUID, version, status), and a
submission set whose author is the acting professional, like the official messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from esante.dmp.errors import DmpRequestError
from esante.dmp.transactions import TD33A, TD33B, TD33C, TD33D
from esante.xds import (
    Author,
    AvailabilityStatus,
    Code,
    DocumentEntry,
    Identifier,
    SubmissionSet,
    UpdateDocumentSet,
    archive_document,
    delete_document,
    format_dtm,
    mask_to_professionals,
    set_legal_representatives_visibility,
    set_patient_visibility,
)

MASK: Final = TD33A
VISIBILITY: Final = TD33B
DELETE: Final = TD33C
ARCHIVE: Final = TD33D
STATUS_LABELS: Final[dict[AvailabilityStatus, str]] = {
    AvailabilityStatus.SUBMITTED: "en cours de dépôt",
    AvailabilityStatus.APPROVED: "actif",
    AvailabilityStatus.DEPRECATED: "remplacé par une nouvelle version",
    AvailabilityStatus.ARCHIVED: "archivé",
    AvailabilityStatus.DELETED: "supprimé",
}


def submission_set(
    *,
    author: Author,
    source_id: str,
    patient_id: Identifier,
    content_type_code: Code,
    now: datetime,
    unique_id: str,
) -> SubmissionSet:
    """The submission set of an update, sent by ``author``."""
    return SubmissionSet(
        entry_uuid="SubmissionSet01",
        unique_id=unique_id,
        source_id=source_id,
        submission_time=format_dtm(now),
        patient_id=patient_id,
        authors=(author,),
        content_type_code=content_type_code,
    )


def _registered(entry: DocumentEntry) -> None:
    if not entry.entry_uuid.startswith("urn:uuid:"):
        raise DmpRequestError(
            "Ce document n'est pas (encore) enregistré dans le DMP : recherchez-le d'abord.",
            detail=f"entryUUID {entry.entry_uuid!r} is not a registry id (urn:uuid:...)",
            field="entry",
        )


def mask(entry: DocumentEntry, *, masked: bool, submission: SubmissionSet) -> UpdateDocumentSet:
    """TD3.3a: mask (or unmask) ``entry`` to professionals."""
    _registered(entry)
    return mask_to_professionals(entry, masked=masked, submission_set=submission)


def patient_visibility(
    entry: DocumentEntry, *, visible: bool, submission: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3b: make ``entry`` visible (or not) to the patient."""
    _registered(entry)
    return set_patient_visibility(entry, visible=visible, submission_set=submission)


def legal_representatives_visibility(
    entry: DocumentEntry, *, visible: bool, submission: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3b: make ``entry`` visible (or not) to the patient's legal representatives."""
    _registered(entry)
    return set_legal_representatives_visibility(entry, visible=visible, submission_set=submission)


def delete(entry: DocumentEntry, *, submission: SubmissionSet) -> UpdateDocumentSet:
    """TD3.3c: delete ``entry`` (from its current status, Approved or Archived)."""
    _registered(entry)
    current = entry.availability_status or AvailabilityStatus.APPROVED
    if current == AvailabilityStatus.DELETED:
        raise DmpRequestError(
            "Ce document est déjà supprimé du DMP.",
            detail=f"{entry.entry_uuid} has status Deleted",
            field="entry",
        )
    return delete_document(entry.entry_uuid, submission_set=submission, original=current)


def archive(
    entry: DocumentEntry, *, archived: bool, submission: SubmissionSet
) -> UpdateDocumentSet:
    """TD3.3d: archive (or unarchive) ``entry``; refuse a change to the current status."""
    _registered(entry)
    current = entry.availability_status or AvailabilityStatus.APPROVED
    expected = AvailabilityStatus.APPROVED if archived else AvailabilityStatus.ARCHIVED
    if current != expected:
        action = "archivé" if archived else "désarchivé"
        raise DmpRequestError(
            f"Ce document ne peut pas être {action} : il est "
            f"{STATUS_LABELS.get(current, str(current))}.",
            detail=f"{entry.entry_uuid}: status {current}, expected {expected}",
            field="entry",
        )
    return archive_document(entry.entry_uuid, archived=archived, submission_set=submission)
