"""What the patient page reads from the DMP sandbox database beyond :class:`DmpAdmin`.

The patient reads their own record: no professional's rights apply and nothing is
written to the access log (which lists the professionals' calls). :class:`DmpAdmin` gives
the patient, one document by uniqueId and the access history; the list of the patient's
documents and a document's bytes are read here, from the sandbox tables, by uniqueId
only, so that the records themselves keep coming from :meth:`DmpAdmin.document`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.sandbox.dmp import DmpAdmin, DocumentRecord, PatientIns
from esante.sandbox.dmp.models import DmpDocument, DmpDocumentContent, DmpPatient


def patient_documents(admin: DmpAdmin, patient: PatientIns) -> tuple[DocumentRecord, ...]:
    """Every document of the patient, whatever its state, newest creation first."""
    unique_ids = admin.session.scalars(
        select(DmpDocument.unique_id)
        .join(DmpPatient, DmpDocument.patient_id == DmpPatient.id)
        .where(DmpPatient.ins == patient.value)
        .order_by(DmpDocument.creation_time.desc(), DmpDocument.id.desc())
    ).all()
    records = (admin.document(patient, unique_id) for unique_id in unique_ids)
    return tuple(r for r in records if r is not None)


def document_content(session: Session, patient: PatientIns, unique_id: str) -> bytes | None:
    """The bytes of the patient's document ``unique_id`` (``None`` when there are none)."""
    return session.scalars(
        select(DmpDocumentContent.content)
        .join(DmpDocument, DmpDocumentContent.document_id == DmpDocument.id)
        .join(DmpPatient, DmpDocument.patient_id == DmpPatient.id)
        .where(DmpPatient.ins == patient.value, DmpDocument.unique_id == unique_id)
    ).one_or_none()
