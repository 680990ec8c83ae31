"""TD3.3a-d: the attribute changes of a document (ITI-57 metadata and status updates)."""

from __future__ import annotations

from esante.sandbox.dmp import _submission
from esante.sandbox.dmp._core import ServiceCore
from esante.sandbox.dmp._rows import ROW_TO_STATUS, STATUS_TO_ROW, document_record
from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import Action
from esante.sandbox.dmp.records import DocumentRecord, PatientIns
from esante.sandbox.dmp.rights import Actor
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus

_STATUS_CHANGES: dict[tuple[AvailabilityStatus, AvailabilityStatus], Action] = {
    (AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED): Action.ARCHIVE,
    (AvailabilityStatus.ARCHIVED, AvailabilityStatus.APPROVED): Action.UNARCHIVE,
    (AvailabilityStatus.APPROVED, AvailabilityStatus.DELETED): Action.DELETE,
    (AvailabilityStatus.ARCHIVED, AvailabilityStatus.DELETED): Action.DELETE,
}
_HIDE = "hide"


class AttributeChanges(ServiceCore):
    """The TD3.3 transactions of :class:`~esante.sandbox.dmp.DmpService`."""

    def update_visibility(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        *,
        masked: bool | None = None,
        invisible_to_patient: bool | None = None,
        invisible_to_legal_representatives: bool | None = None,
        new_entry_uuid: str | None = None,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3a (mask / unmask to professionals) and TD3.3b (visibility to the patient or
        the legal representatives), as an ITI-57 metadata update: the entry gets a new
        version (``new_entry_uuid`` when it is a fresh ``urn:uuid:``, else one the
        registry makes); ``None`` leaves a flag unchanged.

        Making a document invisible again after submission is not a row of the matrix;
        esante allows it to the document's authors only.
        """
        first = Action.MAKE_VISIBLE_TO_PATIENT
        if masked is not None:
            first = Action.MASK if masked else Action.UNMASK
        with self._call(actor, first, access_mode, patient) as call:
            row = self._open_patient(patient)
            document = self._document(row, entry_uuid)
            call.document_unique_id = document.unique_id
            if ROW_TO_STATUS[document.status] not in (
                AvailabilityStatus.APPROVED,
                AvailabilityStatus.ARCHIVED,
            ):
                raise DmpRefusal(
                    DmpErrorCode.METADATA_UPDATE_ERROR,
                    detail=f"document {document.unique_id} has status {document.status}",
                )
            record = document_record(document, row)
            facts = self._facts(row, actor)
            steps: list[Action | str] = []
            if masked is not None and masked != document.masked:
                steps.append(Action.MASK if masked else Action.UNMASK)
            for wanted, current in (
                (invisible_to_patient, document.invisible_to_patient),
                (invisible_to_legal_representatives, document.invisible_to_legal_representatives),
            ):
                if wanted is not None and wanted != current:
                    steps.append(_HIDE if wanted else Action.MAKE_VISIBLE_TO_PATIENT)
            for step in steps:
                call.action = Action.MAKE_VISIBLE_TO_PATIENT if step == _HIDE else Action(step)
                self._decide(call, facts, record.facts())
                if step == _HIDE and actor.id_nat_ps not in record.author_ids:
                    raise DmpRefusal(
                        DmpErrorCode.NOT_DOCUMENT_AUTHOR,
                        message="Seul l'auteur du document peut le rendre invisible au patient.",
                        detail="hiding a document from the patient after submission",
                    )
            if not steps:
                return record
            if masked is not None:
                document.masked = masked
            if invisible_to_patient is not None:
                document.invisible_to_patient = invisible_to_patient
            if invisible_to_legal_representatives is not None:
                document.invisible_to_legal_representatives = invisible_to_legal_representatives
            document.entry_uuid = _submission.registry_uuid(
                self.session, new_entry_uuid, self.new_uuid()
            )
            document.version += 1
            document.updated_at = self.clock()
            self.session.flush()
            return document_record(document, row)

    def mask(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        *,
        masked: bool = True,
        new_entry_uuid: str | None = None,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3a: mask (or unmask, ``masked=False``) the document to professionals."""
        return self.update_visibility(
            actor,
            patient,
            entry_uuid,
            masked=masked,
            new_entry_uuid=new_entry_uuid,
            access_mode=access_mode,
        )

    def set_patient_visibility(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        *,
        visible: bool = True,
        legal_representatives: bool = False,
        new_entry_uuid: str | None = None,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3b: make the document visible (or not) to the patient, or to the legal
        representatives when ``legal_representatives``."""
        flag = not visible
        return self.update_visibility(
            actor,
            patient,
            entry_uuid,
            invisible_to_patient=None if legal_representatives else flag,
            invisible_to_legal_representatives=flag if legal_representatives else None,
            new_entry_uuid=new_entry_uuid,
            access_mode=access_mode,
        )

    def change_status(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        new_status: AvailabilityStatus,
        *,
        original_status: AvailabilityStatus | None = None,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3c/d as an ITI-57 UpdateAvailabilityStatus: archive (Approved → Archived),
        unarchive (Archived → Approved), delete (Approved or Archived → Deleted).

        ``original_status``, when given, must be the current one. Raises
        :class:`DmpRefusal` (``XDSMetadataUpdateError``) for any other transition.
        """
        guess = {
            AvailabilityStatus.ARCHIVED: Action.ARCHIVE,
            AvailabilityStatus.APPROVED: Action.UNARCHIVE,
        }.get(new_status, Action.DELETE)
        with self._call(actor, guess, access_mode, patient) as call:
            row = self._open_patient(patient)
            document = self._document(row, entry_uuid)
            call.document_unique_id = document.unique_id
            current = ROW_TO_STATUS[document.status]
            if original_status is not None and original_status != current:
                raise DmpRefusal(
                    DmpErrorCode.METADATA_UPDATE_ERROR,
                    detail=f"OriginalStatus {original_status} but the document is {current}",
                    field="OriginalStatus",
                )
            action = _STATUS_CHANGES.get((current, new_status))
            if action is None:
                raise DmpRefusal(
                    DmpErrorCode.METADATA_UPDATE_ERROR,
                    detail=f"no transition {current} -> {new_status}",
                    field="NewStatus",
                )
            call.action = action
            record = document_record(document, row)
            self._decide(call, self._facts(row, actor), record.facts())
            document.status = STATUS_TO_ROW[new_status]
            document.updated_at = self.clock()
            self.session.flush()
            return document_record(document, row)

    def archive(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        *,
        archived: bool = True,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3d: archive (or unarchive, ``archived=False``) the document."""
        new = AvailabilityStatus.ARCHIVED if archived else AvailabilityStatus.APPROVED
        return self.change_status(actor, patient, entry_uuid, new, access_mode=access_mode)

    def delete(
        self,
        actor: Actor,
        patient: PatientIns,
        entry_uuid: str,
        *,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> DocumentRecord:
        """TD3.3c: delete the document (the DMP keeps it, with status Deleted)."""
        return self.change_status(
            actor, patient, entry_uuid, AvailabilityStatus.DELETED, access_mode=access_mode
        )
