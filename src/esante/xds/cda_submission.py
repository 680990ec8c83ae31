"""The ITI-41 submission of a CDA document (DMP TD2.1): submission set, associations.

CI-SIS "Transmission de documents CDA", table "Lot de soumission": the submission set
takes the patient of its document, the sending author (the professional or system
submitting), the clinical activity (contentTypeCode, JDV_J59 — no CDA source in the
table) and the submitting system's OID (sourceId). PDSm4DMP TD2.1 (replacement): the
new CDA names the replaced document in ``relatedDocument`` (its uniqueId) and the XDS
submission carries an RPLC association to the *entryUUID* of the replaced entry, which
only a registry query (TD3.1b) gives — so it is an argument here.
"""

from __future__ import annotations

from esante.xds.cda_header import document_entry_from_cda, replaced_document_id
from esante.xds.errors import XdsMappingError
from esante.xds.metadata import Association, Author, Code, DocumentEntry, SubmissionSet, has_member
from esante.xds.requests import Document, ProvideAndRegisterDocumentSet
from esante.xds.vocabulary import AssociationType


def submission_set_for(
    entry: DocumentEntry,
    *,
    unique_id: str,
    source_id: str,
    submission_time: str,
    content_type_code: Code,
    author: Author | None = None,
    title: str | None = None,
    entry_id: str = "SubmissionSet01",
) -> SubmissionSet:
    """The submission set sending ``entry``: its patient, the sending ``author`` (default:
    the document's first author), the clinical activity ``content_type_code`` (JDV_J59,
    no CDA source in the mapping table) and the submitting system ``source_id``."""
    chosen = author if author is not None else (entry.authors[0] if entry.authors else None)
    return SubmissionSet(
        entry_uuid=entry_id,
        unique_id=unique_id,
        source_id=source_id,
        submission_time=submission_time,
        patient_id=entry.patient_id,
        authors=() if chosen is None else (chosen,),
        content_type_code=content_type_code,
        title=title,
    )


def provide_and_register_from_cda(
    cda: bytes,
    *,
    submission_unique_id: str,
    source_id: str,
    submission_time: str,
    content_type_code: Code,
    replaced_entry_uuid: str | None = None,
    author: Author | None = None,
    entry: DocumentEntry | None = None,
) -> ProvideAndRegisterDocumentSet:
    """The ITI-41 request submitting one CDA document (DMP TD2.1).

    When the CDA replaces a document (``relatedDocument[@typeCode='RPLC']``),
    ``replaced_entry_uuid`` must be the entryUUID of the replaced entry (found with
    TD3.1b): an RPLC association is added. ``entry`` is the DocumentEntry to send when
    the caller built it with overrides (default: :func:`document_entry_from_cda` of
    ``cda`` with the defaults). Raises :class:`XdsMappingError` when the CDA and
    ``replaced_entry_uuid`` disagree (one says "replacement", the other not).
    """
    if entry is None:
        entry = document_entry_from_cda(cda)
    submission_set = submission_set_for(
        entry,
        unique_id=submission_unique_id,
        source_id=source_id,
        submission_time=submission_time,
        content_type_code=content_type_code,
        author=author,
    )
    associations: list[Association] = [
        has_member("Association01", submission_set.entry_uuid, entry.entry_uuid)
    ]
    replaced = replaced_document_id(cda)
    if replaced is not None and replaced_entry_uuid is None:
        raise XdsMappingError(
            "Ce document remplace un document du DMP : l'identifiant technique (entryUUID) "
            "du document remplacé est nécessaire.",
            detail=f"relatedDocument RPLC {replaced!r} but no replaced_entry_uuid given",
            field="relatedDocument",
        )
    if replaced_entry_uuid is not None:
        if replaced is None:
            raise XdsMappingError(
                "Le document CDA ne déclare pas le document qu'il remplace (relatedDocument).",
                detail="replaced_entry_uuid given but the CDA has no RPLC relatedDocument",
                field="relatedDocument",
            )
        associations.append(
            Association(
                "Association02", AssociationType.REPLACE, entry.entry_uuid, replaced_entry_uuid
            )
        )
    return ProvideAndRegisterDocumentSet(
        submission_set, (entry,), tuple(associations), (Document(entry.entry_uuid, cda),)
    )
