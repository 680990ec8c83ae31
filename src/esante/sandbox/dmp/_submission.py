"""TD2.1 registration: the registry's checks on a submission and the rows it writes.

Checks (IHE ITI-41 and the DMP rules): every document has content; declared hash (SHA-1)
and size match the bytes; each document concerns the submission's patient; uniqueIds are
new (documents and submission set); a replacement (RPLC) targets the current version of
a document of the same patient, submitted by the replacer or their structure.

The replacement rule is esante's reading: the DMP transaction pages do not say who may
replace a document, and letting anyone deprecate a colleague's document would bypass the
"own documents" rule of TD3.3; the original's authors and its structure may replace it.
The document author may differ from the submitter (a secretary or an establishment
system submits for a physician): both are recorded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from esante.sandbox.dmp._rows import author_json, author_row
from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.models import (
    STATUS_APPROVED,
    DmpDocument,
    DmpDocumentContent,
    DmpPatient,
    DmpSubmissionSet,
)
from esante.sandbox.dmp.records import CodedValue, NewDocument, NewSubmission
from esante.sandbox.dmp.rights import Actor


def checked_digest(document: NewDocument) -> tuple[str, int]:
    """The SHA-1 (hex) and size of the document, after checking the declared ones."""
    where = f"document {document.unique_id}"
    if not document.content:
        raise DmpRefusal(
            DmpErrorCode.MISSING_DOCUMENT, detail=f"{where}: no content", field=document.entry_uuid
        )
    digest = hashlib.sha1(document.content, usedforsecurity=False).hexdigest()
    size = len(document.content)
    if document.hash is not None and document.hash.strip().lower() != digest:
        raise DmpRefusal(
            DmpErrorCode.NON_IDENTICAL_HASH,
            detail=f"{where}: declared hash {document.hash} != computed {digest}",
            field="hash",
        )
    if document.size is not None and document.size != size:
        raise DmpRefusal(
            DmpErrorCode.NON_IDENTICAL_SIZE,
            detail=f"{where}: declared size {document.size} != {size} bytes",
            field="size",
        )
    return digest, size


def check_unique_ids(session: Session, submission: NewSubmission) -> None:
    """Refuse uniqueIds already registered or repeated in the submission."""
    ids = [d.unique_id for d in submission.documents]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise DmpRefusal(
            DmpErrorCode.DUPLICATE_UNIQUE_ID,
            detail=f"uniqueId repeated in the submission: {sorted(repeated)}",
            field="uniqueId",
        )
    known = session.scalars(select(DmpDocument.unique_id).where(DmpDocument.unique_id.in_(ids)))
    existing = sorted(known)
    if existing:
        raise DmpRefusal(
            DmpErrorCode.DUPLICATE_UNIQUE_ID,
            detail=f"uniqueId already registered: {existing}",
            field="uniqueId",
        )
    set_known = session.scalar(
        select(DmpSubmissionSet.id).where(DmpSubmissionSet.unique_id == submission.unique_id)
    )
    if set_known is not None:
        raise DmpRefusal(
            DmpErrorCode.DUPLICATE_UNIQUE_ID,
            message="Ce lot de soumission a déjà été enregistré par le DMP.",
            detail=f"submission set uniqueId {submission.unique_id} already registered",
            field="SubmissionSet.uniqueId",
        )


def check_patient(submission: NewSubmission, document: NewDocument) -> None:
    """Refuse a document whose patient is not the submission's (XDSPatientIdDoesNotMatch)."""
    if document.patient is not None and document.patient.value != submission.patient.value:
        raise DmpRefusal(
            DmpErrorCode.PATIENT_ID_DOES_NOT_MATCH,
            detail=f"document {document.unique_id} is for {document.patient.value}, "
            f"the submission set for {submission.patient.value}",
            field="patientId",
        )


def registry_uuid(session: Session, given: str | None, new_uuid: str) -> str:
    """The entryUUID the registry keeps: ``given`` when it is a fresh ``urn:uuid:``."""
    if given and given.startswith("urn:uuid:"):
        try:
            uuid.UUID(given[len("urn:uuid:") :])
        except ValueError:
            raise DmpRefusal(
                DmpErrorCode.REGISTRY_METADATA_ERROR,
                message="Identifiant d'entrée (entryUUID) mal formé.",
                detail=f"{given!r} is not a urn:uuid",
                field="entryUUID",
            ) from None
        taken = session.scalar(
            select(DmpDocument.id).where(
                or_(DmpDocument.entry_uuid == given, DmpDocument.logical_id == given)
            )
        ) or session.scalar(select(DmpSubmissionSet.id).where(DmpSubmissionSet.entry_uuid == given))
        if taken is not None:
            raise DmpRefusal(
                DmpErrorCode.REGISTRY_METADATA_ERROR,
                message="Cet identifiant d'entrée (entryUUID) est déjà utilisé dans le DMP.",
                detail=f"entryUUID {given} already registered",
                field="entryUUID",
            )
        return given
    return new_uuid


def replacement_target(
    session: Session, patient: DmpPatient, actor: Actor, document: NewDocument
) -> DmpDocument:
    """The document ``document`` replaces, after the RPLC checks."""
    target_id = document.replaces or ""
    target = session.scalars(
        select(DmpDocument).where(
            or_(DmpDocument.entry_uuid == target_id, DmpDocument.logical_id == target_id)
        )
    ).first()
    if target is None:
        raise DmpRefusal(
            DmpErrorCode.REGISTRY_METADATA_ERROR,
            message="Le document à remplacer est inconnu du DMP.",
            detail=f"RPLC target {target_id} not found",
            field="RPLC",
        )
    if target.patient_id != patient.id:
        raise DmpRefusal(
            DmpErrorCode.PATIENT_ID_DOES_NOT_MATCH,
            message="Le document à remplacer ne concerne pas le même patient.",
            detail=f"RPLC target {target_id} belongs to another patient",
            field="RPLC",
        )
    if target.status != STATUS_APPROVED:
        raise DmpRefusal(
            DmpErrorCode.REGISTRY_METADATA_ERROR,
            message="Seule la version en vigueur d'un document peut être remplacée.",
            detail=f"RPLC target {target_id} has status {target.status}",
            field="RPLC",
        )
    authors = {a["id_nat_ps"] for a in target.author_list if a.get("id_nat_ps")}
    structures = {a["structure_id"] for a in target.author_list if a.get("structure_id")}
    if target.submitter_structure_id:
        structures.add(target.submitter_structure_id)
    if actor.id_nat_ps not in authors and actor.structure_id not in structures:
        raise DmpRefusal(
            DmpErrorCode.NOT_DOCUMENT_AUTHOR,
            message="Seuls l'auteur du document ou sa structure peuvent le remplacer.",
            detail=f"{actor.id_nat_ps} is neither an author of {target_id} nor of its structure",
            field="RPLC",
        )
    return target


def _code(value: CodedValue | None) -> tuple[str | None, str | None, str | None]:
    if value is None:
        return None, None, None
    return value.code, value.scheme, value.display


def document_row(
    *,
    document: NewDocument,
    entry_uuid: str,
    patient: DmpPatient,
    submission_set: DmpSubmissionSet,
    actor: Actor,
    digest: tuple[str, int],
    repository_unique_id: str,
    now: datetime,
    patient_document: bool = False,
) -> DmpDocument:
    """The document row, with its authors and its content, of a registered document."""
    confidentiality = _code(document.confidentiality_code)
    facility = _code(document.healthcare_facility_type)
    setting = _code(document.practice_setting)
    row = DmpDocument(
        entry_uuid=entry_uuid,
        logical_id=entry_uuid,
        version=1,
        unique_id=document.unique_id,
        patient_id=patient.id,
        submission_set=submission_set,
        submission_set_uuid=submission_set.entry_uuid,
        status=STATUS_APPROVED,
        class_code=document.class_code.code,
        class_scheme=document.class_code.scheme,
        class_display=document.class_code.display,
        type_code=document.type_code.code,
        type_scheme=document.type_code.scheme,
        type_display=document.type_code.display,
        format_code=document.format_code.code,
        format_scheme=document.format_code.scheme,
        format_display=document.format_code.display,
        mime_type=document.mime_type,
        title=document.title,
        comments=document.comments,
        language_code=document.language_code,
        creation_time=document.creation_time,
        service_start_time=document.service_start_time,
        service_stop_time=document.service_stop_time,
        submission_time=now,
        confidentiality_code=confidentiality[0],
        confidentiality_scheme=confidentiality[1],
        confidentiality_display=confidentiality[2],
        masked=document.masked,
        invisible_to_patient=document.invisible_to_patient,
        invisible_to_legal_representatives=document.invisible_to_legal_representatives,
        facility_type_code=facility[0],
        facility_type_scheme=facility[1],
        facility_type_display=facility[2],
        practice_setting_code=setting[0],
        practice_setting_scheme=setting[1],
        practice_setting_display=setting[2],
        event_codes=_event_codes(document.event_codes),
        hash=digest[0],
        size=digest[1],
        repository_unique_id=repository_unique_id,
        patient_document=patient_document,
        submitter_id=actor.id_nat_ps,
        submitter_structure_id=actor.structure_id,
        wire_metadata=document.wire_metadata,
        updated_at=now,
        author_list=[author_json(a) for a in document.authors],
        authors=[author_row(i, a) for i, a in enumerate(document.authors)],
        content=DmpDocumentContent(content=document.content),
    )
    return row


def _event_codes(codes: Iterable[CodedValue]) -> list[dict[str, str]]:
    return [{"code": c.code, "scheme": c.scheme, "display": c.display} for c in codes]
