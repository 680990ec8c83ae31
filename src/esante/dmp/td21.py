"""TD2.1 — submit a CDA document to the DMP (ITI-41), as a new document or a replacement.

The submission follows the official example ``TD2.1_Alimentation_requete.xml``: one
submission set (author = the acting professional), the CDA's DocumentEntry (mapped from
the CDA header by :mod:`esante.xds.cda_header`), and a second document, the XAdES
signature of the submission (IHE DSG), with its own DocumentEntry and associations::

    SubmissionSet01 ─HasMember→ Document01      (the CDA)
    SubmissionSet01 ─HasMember→ Signature01     (the XAdES signature document)
    Signature01     ─signs→     SubmissionSet01
    Document01      ─RPLC→      <entryUUID>     (only when replacing a document)

The signature entry carries the fixed codes of the example: class ``Digital Signature``
(``urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1``), type ``E1762`` Full Document (ASTM), format
``http://www.w3.org/2000/09/xmldsig#``, event code ``1.2.840.10065.1.12.1.14`` (Source),
language ``art``, hidden from professionals and patient (``MASQUE_PS``,
``INVISIBLE_PATIENT``), the facility and practice codes of the document. Both documents
travel as MTOM attachments. The request is checked with the XDS ITI-41 validator before
anything is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from esante.dmp.results import SubmitResult, Visibility
from esante.dmp.transactions import TD21
from esante.dmp.vihf import Signer
from esante.trust import ManifestEntry, sign_submission
from esante.xds import (
    Association,
    AssociationType,
    Author,
    Code,
    DocumentEntry,
    ProvideAndRegisterDocumentSet,
    RegistryError,
    SubmissionSet,
    SubmissionSetStatus,
    document_entry_from_cda,
    format_dtm,
    has_member,
    provide_and_register_from_cda,
    visibility_code,
)
from esante.xds import Document as XdsDocument
from esante.xds.vocabulary import (
    CONFIDENTIALITY_OID,
    INVISIBLE_TO_PATIENT,
    MASKED_TO_PROFESSIONALS,
    SIGNATURE_CLASS_CODE,
    SIGNATURE_FORMAT_CODE,
    SIGNATURE_TYPE_CODE,
)

TRANSACTION: Final = TD21
DOCUMENT_ENTRY_ID: Final = "Document01"
SIGNATURE_ENTRY_ID: Final = "Signature01"
SIGNATURE_MIME_TYPE: Final = "text/xml"
SIGNATURE_CLASS: Final = Code(SIGNATURE_CLASS_CODE, "URN", "Digital Signature")
SIGNATURE_TYPE: Final = Code(SIGNATURE_TYPE_CODE, "ASTM", "Full Document")
SIGNATURE_FORMAT: Final = Code(SIGNATURE_FORMAT_CODE, "URN", "Default Signature Style")
SIGNATURE_PURPOSE: Final = Code("1.2.840.10065.1.12.1.14", "1.2.840.10065.1.12", "Source")
NORMAL_CONFIDENTIALITY: Final = Code("N", CONFIDENTIALITY_OID, "Normal")


@dataclass(frozen=True, slots=True)
class Submission:
    """A TD2.1 request ready to encode, with the identifiers the caller keeps."""

    request: ProvideAndRegisterDocumentSet
    document_unique_id: str
    signature_unique_id: str
    submission_set_unique_id: str
    replaced_entry_uuid: str | None = None

    def result(self, warnings: tuple[RegistryError, ...] = ()) -> SubmitResult:
        """The :class:`SubmitResult` once the DMP accepted the submission."""
        return SubmitResult(
            document_unique_id=self.document_unique_id,
            submission_set_unique_id=self.submission_set_unique_id,
            signature_unique_id=self.signature_unique_id,
            replaced_entry_uuid=self.replaced_entry_uuid,
            warnings=warnings,
        )


def signature_entry(
    document: DocumentEntry,
    submission_set: SubmissionSet,
    *,
    unique_id: str,
    data: bytes,
    entry_id: str = SIGNATURE_ENTRY_ID,
) -> DocumentEntry:
    """The DocumentEntry of the XAdES signature document of ``submission_set``."""
    author = submission_set.authors[0] if submission_set.authors else None
    time = submission_set.submission_time
    return DocumentEntry(
        entry_uuid=entry_id,
        unique_id=unique_id,
        patient_id=document.patient_id,
        source_patient_id=document.patient_id,
        class_code=SIGNATURE_CLASS,
        type_code=SIGNATURE_TYPE,
        format_code=SIGNATURE_FORMAT,
        healthcare_facility_type_code=document.healthcare_facility_type_code,
        practice_setting_code=document.practice_setting_code,
        confidentiality_codes=(
            NORMAL_CONFIDENTIALITY,
            visibility_code(MASKED_TO_PROFESSIONALS),
            visibility_code(INVISIBLE_TO_PATIENT),
        ),
        event_codes=(SIGNATURE_PURPOSE,),
        authors=submission_set.authors,
        legal_authenticator=None if author is None else author.person,
        creation_time=time,
        service_start_time=time,
        service_stop_time=time,
        language_code="art",
        mime_type=SIGNATURE_MIME_TYPE,
        hash=hashlib.sha1(data).hexdigest(),  # noqa: S324 - the XDS hash is SHA-1
        size=len(data),
        title="Source",
    )


def build_submission(
    cda: bytes,
    *,
    author: Author,
    source_id: str,
    content_type_code: Code,
    signer: Signer,
    now: datetime,
    new_oid: Callable[[], str],
    replaced_entry_uuid: str | None = None,
    visibility: Sequence[Visibility] = (),
) -> Submission:
    """The ITI-41 request submitting ``cda`` with its XAdES signature document.

    Raises :class:`esante.xds.XdsMappingError` when the CDA header cannot be mapped (or
    disagrees with ``replaced_entry_uuid``) and :class:`esante.trust.TrustError` when
    signing fails.
    """
    entry = document_entry_from_cda(
        cda,
        entry_id=DOCUMENT_ENTRY_ID,
        extra_confidentiality_codes=[visibility_code(v.value) for v in visibility],
    )
    request = provide_and_register_from_cda(
        cda,
        submission_unique_id=new_oid(),
        source_id=source_id,
        submission_time=format_dtm(now),
        content_type_code=content_type_code,
        replaced_entry_uuid=replaced_entry_uuid,
        author=author,
        entry=entry,
    )
    assert entry.unique_id is not None  # document_entry_from_cda requires the CDA id
    signature = sign_submission(
        [ManifestEntry(entry.unique_id, cda)],
        key=signer.key,
        certificate=signer.certificate,
        now=now,
    )
    submission_set = request.submission_set
    signature_unique_id = new_oid()
    sig_entry = signature_entry(
        entry, submission_set, unique_id=signature_unique_id, data=signature
    )
    associations = (
        *request.associations,
        has_member("Association03", submission_set.entry_uuid, sig_entry.entry_uuid),
        Association(
            "Association04",
            AssociationType.SIGNS,
            sig_entry.entry_uuid,
            submission_set.entry_uuid,
            submission_set_status=SubmissionSetStatus.ORIGINAL,
        ),
    )
    request = replace(
        request,
        document_entries=(*request.document_entries, sig_entry),
        associations=associations,
        documents=(*request.documents, XdsDocument(sig_entry.entry_uuid, signature)),
    )
    assert submission_set.unique_id is not None
    return Submission(
        request=request,
        document_unique_id=entry.unique_id,
        signature_unique_id=signature_unique_id,
        submission_set_unique_id=submission_set.unique_id,
        replaced_entry_uuid=replaced_entry_uuid,
    )


def content_types(request: ProvideAndRegisterDocumentSet) -> dict[str, str]:
    """The MIME type of each document of ``request`` by document id (for MTOM parts)."""
    types = {
        e.entry_uuid: e.mime_type or "application/octet-stream" for e in request.document_entries
    }
    return {d.id: types.get(d.id, "application/octet-stream") for d in request.documents}
