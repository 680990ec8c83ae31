"""A received CDA document as a row of the local record, with its provenance.

One model for every way a document enters the record from outside (issue 13 item 4):
imported from the DMP (:mod:`esante.practice.dmp_import`) or received by MSSanté
(:mod:`esante.practice.inbox`). The row keeps the document as received (bytes and
hash), its CDA header fields, and where it came from: ``provenance`` (``dmp`` /
``mssante``), ``provenance_detail`` (the DMP entryUUID, the Message-ID and sender),
``received_at``, the author as the source names them (``source_author``) and who
imported it (``imported_by``) — so that the provenance can be shown wherever the
document appears (SC.CDA/INT.08, INT.17).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.read import ReceivedDocument
from esante.store.models import Document, Patient, Practitioner

__all__ = [
    "PROVENANCE_LABELS",
    "VSM_TEMPLATE",
    "author_name",
    "is_structured_vsm",
    "local_author_id",
    "provenance_of",
    "received_row",
]

VSM_TEMPLATE: Final = "1.2.250.1.213.1.1.1.13"
"""templateId of the volet de synthèse médicale: a structured one feeds the record's
problems, history, allergies and treatments (:mod:`esante.practice.record_lists`)."""

PARIS: Final = ZoneInfo("Europe/Paris")
PROVENANCE_LABELS: Final = {
    "produced": "produit dans ce cabinet",
    "dmp": "importé du DMP",
    "mssante": "reçu par MSSanté",
}


def local_author_id(session: Session, cda: ReceivedDocument) -> int | None:
    """The local practitioner who wrote the document, when the author's RPPS is one."""
    for author in cda.authors:
        ident = author.professional.id
        if ident.root != v.OID_ID_NAT_PS or not ident.extension:
            continue
        rpps = ident.extension[1:] if len(ident.extension) == 12 else ident.extension
        found = session.scalar(select(Practitioner.id).where(Practitioner.rpps == rpps))
        if found is not None:
            return found
    return None


def author_name(cda: ReceivedDocument) -> str | None:
    """The first author's name as the document prints it ("Dr Sophie LEFÈVRE"), if any."""
    if not cda.authors:
        return None
    name = cda.authors[0].professional.name
    if name is None:
        return None
    return name.display[:200] or None


def received_row(
    session: Session,
    cda: ReceivedDocument,
    content: bytes,
    patient: Patient,
    *,
    provenance: str,
    detail: str,
    at: datetime,
    class_code: str | None,
    imported_by: str | None = None,
    dated: datetime | None = None,
) -> Document:
    """The :class:`Document` row of a received CDA (not added to the session).

    ``at`` is when it entered the record; ``dated`` the date to use when the CDA has no
    ``effectiveTime`` (the message's date; ``at`` by default)."""
    replaces_id = None
    if cda.replaces is not None:
        replaces_id = session.scalar(
            select(Document.id).where(Document.unique_id == str(cda.replaces))
        )
    service = cda.service_event
    return Document(
        patient_id=patient.id,
        author_id=local_author_id(session, cda),
        unique_id=str(cda.document_id),
        set_id=str(cda.set_id or cda.document_id),
        version_number=cda.version or 1,
        replaces_id=replaces_id,
        type_code=cda.type_code.code,
        type_code_system=cda.type_code.code_system,
        class_code=class_code,
        format_code=cda.format_code,
        level="N1" if cda.level == "N1" else "N3",
        title=(cda.title or cda.type_label)[:300],
        confidentiality_code=cda.confidentiality.code if cda.confidentiality else "N",
        effective_time=cda.effective_time or dated or at,
        service_start=getattr(service, "start", None),
        service_stop=getattr(service, "stop", None),
        mime_type="text/xml",
        content=content,
        content_sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        provenance=provenance,
        provenance_detail=detail[:300],
        received_at=at,
        created_at=at,
        source_author=author_name(cda),
        imported_by=imported_by,
    )


def provenance_of(document: Document) -> str:
    """Where a document of the record came from, in French, for every screen that shows
    it: "importé du DMP le 06/12/2026 à 10:42 par 810000000042 (auteur : Dr …)"
    (SC.CDA/INT.08: origin DMP / MSSanté shown)."""
    base = PROVENANCE_LABELS.get(document.provenance, document.provenance)
    if document.provenance == "produced":
        return base
    parts = [base]
    if document.received_at is not None:
        parts.append(document.received_at.astimezone(PARIS).strftime("le %d/%m/%Y à %H:%M"))
    if document.imported_by:
        parts.append(f"par {document.imported_by}")
    text = " ".join(parts)
    if document.source_author:
        text += f" (auteur : {document.source_author})"
    return text


def is_structured_vsm(cda: ReceivedDocument) -> bool:
    """A VSM in N3, whose structured lists can be filed into the record."""
    return cda.level == "N3" and any(t.root == VSM_TEMPLATE for t in cda.template_ids)
