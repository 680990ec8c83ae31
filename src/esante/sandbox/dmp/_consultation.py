"""TD3.1 (FindDocuments, GetDocuments) and TD3.2 (retrieval) over the sandbox registry."""

from __future__ import annotations

from sqlalchemy import or_, select

from esante.sandbox.dmp._core import ServiceCore
from esante.sandbox.dmp._rows import document_record
from esante.sandbox.dmp._search import find_documents_query
from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import Action
from esante.sandbox.dmp.models import DmpDocument, DmpDocumentContent
from esante.sandbox.dmp.records import DocumentQuery, DocumentRecord, PatientIns, RetrievedDocument
from esante.sandbox.dmp.rights import Actor
from esante.trust.vocabulary import AccessMode


class Consultation(ServiceCore):
    """The consultation transactions of :class:`~esante.sandbox.dmp.DmpService`."""

    def find_documents(
        self,
        actor: Actor,
        patient: PatientIns,
        query: DocumentQuery | None = None,
        *,
        access_mode: AccessMode = AccessMode.NORMAL,
        wire_metadata: bool = True,
    ) -> tuple[DocumentRecord, ...]:
        """TD3.1 FindDocuments: the patient's documents matching ``query`` that the actor
        may see (newest creation first).

        ``wire_metadata=False`` leaves the entries as received out of the records (the
        bulk of a row): for a caller that fetches them only when it needs them.

        The rights matrix filters the result: a masked document only for its authors, the
        médecin traitant DMP, or in bris de glace / centre 15 when the patient allowed it;
        an actor always sees the metadata of documents they authored.
        """
        q = query or DocumentQuery()
        with self._call(actor, Action.SEARCH_METADATA, access_mode, patient) as call:
            row = self._open_patient(patient)
            facts = self._facts(row, actor)
            self._decide(call, facts)
            found = self.session.execute(
                find_documents_query(row.id, q, wire_metadata=wire_metadata)
            ).all()
            records = [document_record(d, row) for d in found]
            if q.event_codes:
                wanted = set(q.event_codes)
                records = [r for r in records if wanted & {e.code for e in r.event_codes}]
            return self._visible_only(actor, access_mode, records, facts)

    def get_documents(
        self,
        actor: Actor,
        patient: PatientIns,
        *,
        unique_ids: tuple[str, ...] = (),
        entry_uuids: tuple[str, ...] = (),
        metadata: bool = True,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> tuple[DocumentRecord, ...]:
        """TD3.1 GetDocuments by uniqueId or entryUUID (any status), for the patient.

        ``metadata=False`` is the reference lookup (TD3.1b, ObjectRef answer) every
        profile may make, on any document of the patient; ``metadata=True`` needs the
        metadata search right and keeps only the documents the actor may see.
        """
        action = Action.SEARCH_METADATA if metadata else Action.SEARCH_REFERENCE
        with self._call(actor, action, access_mode, patient) as call:
            if len(unique_ids) == 1:
                call.document_unique_id = unique_ids[0]
            row = self._open_patient(patient)
            facts = self._facts(row, actor)
            self._decide(call, facts)
            documents = self.session.scalars(
                select(DmpDocument)
                .where(
                    DmpDocument.patient_id == row.id,
                    or_(
                        DmpDocument.unique_id.in_(unique_ids),
                        DmpDocument.entry_uuid.in_(entry_uuids),
                        DmpDocument.logical_id.in_(entry_uuids),
                    ),
                )
                .order_by(DmpDocument.id)
            ).all()
            records = [document_record(d, row) for d in documents]
            if not metadata:
                return tuple(records)
            return self._visible_only(actor, access_mode, records, facts)

    def get_by_unique_id(
        self,
        actor: Actor,
        patient: PatientIns,
        unique_id: str,
        *,
        metadata: bool = False,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord | None:
        """TD3.1b: the patient's document with this uniqueId (``None`` when unknown).

        The idempotency check of a feeding retry: "does the DMP already hold it?"
        """
        found = self.get_documents(
            actor,
            patient,
            unique_ids=(unique_id,),
            metadata=metadata,
            access_mode=access_mode,
        )
        return found[0] if found else None

    def retrieve(
        self,
        actor: Actor,
        patient: PatientIns,
        unique_id: str,
        *,
        repository_unique_id: str | None = None,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> RetrievedDocument:
        """TD3.2: the document's bytes and metadata, under the TD3.2 rows of the matrix.

        Raises :class:`DmpRefusal`: unknown patient or document (a document of another
        patient is unknown too), other repository, refused by the matrix (masked,
        author-only...), missing authorization, blocked, opposition.
        """
        with self._call(actor, Action.RETRIEVE, access_mode, patient) as call:
            call.document_unique_id = unique_id
            row = self._open_patient(patient)
            if repository_unique_id and repository_unique_id != self.repository_unique_id:
                raise DmpRefusal(
                    DmpErrorCode.UNKNOWN_REPOSITORY,
                    detail=f"repository {repository_unique_id} is not {self.repository_unique_id}",
                    field="RepositoryUniqueId",
                )
            document = self.session.scalars(
                select(DmpDocument).where(
                    DmpDocument.patient_id == row.id, DmpDocument.unique_id == unique_id
                )
            ).one_or_none()
            if document is None:
                raise DmpRefusal(
                    DmpErrorCode.UNKNOWN_DOCUMENT,
                    detail=f"uniqueId={unique_id}",
                    field="DocumentUniqueId",
                )
            record = document_record(document, row)
            self._decide(call, self._facts(row, actor), record.facts())
            content = self.session.get(DmpDocumentContent, document.id)
            return RetrievedDocument(record, content.content if content else b"")
