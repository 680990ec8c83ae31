"""The DMP's business rules, transaction by transaction, over the sandbox database.

:class:`DmpService` answers what a professional's software asks the DMP: TD0.2 test of
existence, TD0.3 authorization, TD1.6 authorizations list, TD2.1 submission, TD3.1
search (FindDocuments, GetDocuments by uniqueId/entryUUID), TD3.2 retrieval, TD3.3a-d
attribute changes. It is pure business: no XML, no HTTP — the SOAP layer parses the
request (VIHF → :class:`~esante.sandbox.dmp.rights.Actor` and access mode; ebRIM →
records) and renders the answer or the :class:`~esante.sandbox.dmp.errors.DmpRefusal`.

One call is one database transaction, committed by the service: the changes and the
access-log row on success; on a refusal, the changes are rolled back and the refusal is
logged and committed before the :class:`DmpRefusal` propagates. Database failures raise
:class:`~esante.sandbox.dmp.errors.SandboxDatabaseError`.

Patients are identified by their INS matricule; the OID must be an INS one (NIR, NIA,
NIR test or demo) but need not be the one the DMP was created with (the test platforms
mix the NIR and NIR-test OIDs for the same matricule).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from esante.sandbox.dmp import _authorizations, _submission
from esante.sandbox.dmp._attributes import AttributeChanges
from esante.sandbox.dmp._consultation import Consultation
from esante.sandbox.dmp._core import REPOSITORY_UNIQUE_ID, new_entry_uuid
from esante.sandbox.dmp._rows import STATUS_TO_ROW, document_record
from esante.sandbox.dmp.codes import DMP_OK, AuthorizationContext, DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import Action, Condition
from esante.sandbox.dmp.models import (
    SUBJECT_PS,
    SUBJECT_STRUCTURE,
    DmpAssociation,
    DmpDocument,
    DmpPatient,
    DmpSubmissionSet,
)
from esante.sandbox.dmp.records import (
    AuthorizationAction,
    AuthorizationListMode,
    AuthorizationRecord,
    AuthorizationUpdate,
    ExistenceStatus,
    NewSubmission,
    PatientIns,
    SubmissionReceipt,
)
from esante.sandbox.dmp.rights import Actor, Card, Decision
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AssociationType, AvailabilityStatus

__all__ = ["REPOSITORY_UNIQUE_ID", "DmpService", "new_entry_uuid"]


class DmpService(Consultation, AttributeChanges):
    """The DMP transactions, for one database session (see the module docstring).

    ``clock`` and ``new_uuid`` are injectable for tests; ``repository_unique_id`` is the
    repository this sandbox pretends to be. TD3.1/TD3.2 come from
    :class:`~esante.sandbox.dmp._consultation.Consultation`, TD3.3 from
    :class:`~esante.sandbox.dmp._attributes.AttributeChanges`.
    """

    # --- TD0.2 / TD0.3 / TD1.6 ---------------------------------------------------------

    def test_existence(
        self, actor: Actor, patient: PatientIns, *, access_mode: AccessMode = AccessMode.NORMAL
    ) -> ExistenceStatus:
        """TD0.2: whether the patient has a DMP, its state, the asker's authorization.

        An unknown patient is an answer (``exists=False``), not an error. Raises
        :class:`DmpRefusal` for a patient id that is not an INS or a profile with no
        access in ``access_mode``.
        """
        with self._call(actor, Action.TEST_EXISTENCE, access_mode, patient) as call:
            row = self._find_patient(patient)
            facts = self._facts(row, actor) if row is not None else None
            self._decide(call, facts)
            if row is None or facts is None:
                return ExistenceStatus(patient=patient, exists=False)
            return ExistenceStatus(
                patient=patient,
                exists=True,
                open=row.closed_at is None,
                closed_at=row.closed_at,
                closure_reason=row.closure_reason,
                closure_text=row.closure_text,
                authorization=facts.authorization,
                treating_physician=row.treating_physician_id == actor.id_nat_ps,
                attached_to_mes=row.attached_to_mes,
                family_name=row.family_name,
                given_name=row.given_name,
                birth_date=row.birth_date,
                sex=row.sex,
                name_prefix=row.name_prefix,
                email=row.email,
                mobile_phone=row.mobile_phone,
                internet_account_open=bool(row.internet_account_open),
            )

    def set_authorization(
        self,
        actor: Actor,
        patient: PatientIns,
        action: AuthorizationAction,
        *,
        treating_physician: bool = False,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> AuthorizationUpdate:
        """TD0.3: declare oneself authorized, remove one's authorization, or stop being
        the médecin traitant DMP (``SUPPRESSION`` with role ``MEDECIN_TRAITANT``).

        A CPE (or AIR non-professional) authorizes its structure (matrix footnote 1).
        Raises :class:`DmpRefusal`: unknown patient, closed DMP, refused by the matrix,
        blocked professional, ``AJOUT`` of the médecin traitant role (the patient names
        their médecin traitant DMP).
        """
        if action is AuthorizationAction.ADD:
            matrix_action = Action.AUTHORIZE_SELF
        elif treating_physician:
            matrix_action = Action.REMOVE_SELF_AS_TREATING_PHYSICIAN
        else:
            matrix_action = Action.REVOKE_OWN_AUTHORIZATION
        with self._call(actor, matrix_action, access_mode, patient) as call:
            row = self._open_patient(patient)
            if action is AuthorizationAction.ADD and treating_physician:
                raise DmpRefusal(
                    DmpErrorCode.ACCESS_NOT_ALLOWED,
                    message="Le médecin traitant DMP est désigné par le patient, pas par le "
                    "professionnel.",
                    detail="setAuthorization AJOUT with role MEDECIN_TRAITANT",
                    field="role",
                )
            decision = self._decide(call, self._facts(row, actor))
            now = self.clock()
            if matrix_action is Action.REMOVE_SELF_AS_TREATING_PHYSICIAN:
                row.treating_physician_id = None
                row.treating_physician_since = None
                context = AuthorizationContext.TREATING_PHYSICIAN_REMOVED
            else:
                context = self._update_authorization(row, actor, action, decision, now)
            self.session.flush()
            return AuthorizationUpdate(
                status=DMP_OK,
                context=context,
                authorization=_authorizations.actor_status(self.session, row.id, actor, now),
                treating_physician=row.treating_physician_id == actor.id_nat_ps,
            )

    def list_authorizations(
        self,
        actor: Actor,
        patient: PatientIns,
        mode: AuthorizationListMode = AuthorizationListMode.ALL,
        *,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> tuple[AuthorizationRecord, ...]:
        """TD1.6: the professionals authorized and/or blocked on the patient's DMP."""
        with self._call(actor, Action.LIST_AUTHORIZATIONS, access_mode, patient) as call:
            row = self._open_patient(patient)
            self._decide(call, self._facts(row, actor))
            return _authorizations.listing(self.session, row.id, mode)

    # --- TD2.1 -------------------------------------------------------------------------

    def submit(
        self,
        actor: Actor,
        submission: NewSubmission,
        *,
        access_mode: AccessMode = AccessMode.NORMAL,
    ) -> SubmissionReceipt:
        """TD2.1 (TD2.2 for a CPE): register a submission set and its documents.

        A document replacing another (``replaces``) deprecates it. Raises
        :class:`DmpRefusal`: unknown patient, closed DMP, opposition to feeding, refused
        by the matrix, missing content, hash or size mismatch, uniqueId already known,
        document of another patient, invalid replacement (see ``_submission``).
        """
        action = Action.SUBMIT
        if actor.effective_card is Card.CPE:
            action = Action.SUBMIT_BY_MEDICAL_SECRETARY
        with self._call(actor, action, access_mode, submission.patient) as call:
            if len(submission.documents) == 1:
                call.document_unique_id = submission.documents[0].unique_id
            patient = self._open_patient(submission.patient)
            self._decide(call, self._facts(patient, actor))
            if patient.opposed_to_feeding:
                raise DmpRefusal(DmpErrorCode.OPPOSITION_FEEDING, detail="patient opposed")
            if not submission.documents:
                raise DmpRefusal(
                    DmpErrorCode.REGISTRY_METADATA_ERROR,
                    message="Le lot de soumission ne contient aucun document.",
                    detail="submission set without DocumentEntry",
                )
            _submission.check_unique_ids(self.session, submission)
            return self._register(actor, patient, submission)

    def _register(
        self,
        actor: Actor,
        patient: DmpPatient,
        submission: NewSubmission,
        *,
        patient_document: bool = False,
    ) -> SubmissionReceipt:
        """Register ``submission`` (checked by the caller for rights and uniqueIds).

        A uniqueId or entryUUID registered concurrently meanwhile (a unique index
        violation) is refused as ``XDSDuplicateUniqueIdInRegistry``.
        """
        try:
            return self._insert(actor, patient, submission, patient_document)
        except IntegrityError as exc:
            raise DmpRefusal(
                DmpErrorCode.DUPLICATE_UNIQUE_ID, detail=f"registry conflict: {exc.orig}"
            ) from exc

    # --- internals ---------------------------------------------------------------------

    def _update_authorization(
        self,
        row: DmpPatient,
        actor: Actor,
        action: AuthorizationAction,
        decision: Decision,
        now: datetime,
    ) -> AuthorizationContext:
        if Condition.STRUCTURE_AUTHORIZATION in decision.conditions:
            if not actor.structure_id:
                raise DmpRefusal(
                    DmpErrorCode.INVALID_REQUEST,
                    message="Identifiant de la structure absent : l'autorisation ne peut pas "
                    "lui être donnée.",
                    detail="structure authorization without Identifiant_Structure",
                    field="Identifiant_Structure",
                )
            kind, subject = SUBJECT_STRUCTURE, actor.structure_id
        else:
            kind, subject = SUBJECT_PS, actor.id_nat_ps
        if action is AuthorizationAction.REMOVE:
            existing = _authorizations.find(self.session, row.id, kind, subject)
            if existing is None or not existing.authorized:
                return AuthorizationContext.ABSENT
            existing.authorized = False
            existing.updated_at = now
            return AuthorizationContext.REMOVED
        auth = _authorizations.find_or_add(self.session, row.id, kind, subject, now)
        _authorizations.describe(auth, actor)
        if auth.authorized and (auth.expires_at is None or auth.expires_at > now):
            return AuthorizationContext.ALREADY_PRESENT
        auth.authorized = True
        auth.granted_at = now
        auth.expires_at = None
        auth.updated_at = now
        return AuthorizationContext.ADDED

    def _insert(
        self,
        actor: Actor,
        patient: DmpPatient,
        submission: NewSubmission,
        patient_document: bool,
    ) -> SubmissionReceipt:
        now = self.clock()
        set_uuid = _submission.registry_uuid(self.session, submission.entry_uuid, self.new_uuid())
        content_type = submission.content_type_code
        submission_set = DmpSubmissionSet(
            entry_uuid=set_uuid,
            unique_id=submission.unique_id,
            patient_id=patient.id,
            source_id=submission.source_id,
            submission_time=now,
            declared_submission_time=submission.submission_time,
            submitter_id=actor.id_nat_ps,
            submitter_structure_id=actor.structure_id,
            authentication_mode=actor.authentication_mode.value,
            content_type_code=content_type.code if content_type else None,
            content_type_scheme=content_type.scheme if content_type else None,
            title=submission.title,
            signature=submission.signature,
            wire_metadata=submission.wire_metadata,
        )
        self.session.add(submission_set)
        rows: list[DmpDocument] = []
        deprecated: list[str] = []
        for document in submission.documents:
            _submission.check_patient(submission, document)
            digest = _submission.checked_digest(document)
            target = None
            if document.replaces:
                target = _submission.replacement_target(self.session, patient, actor, document)
            entry_uuid = _submission.registry_uuid(
                self.session, document.entry_uuid, self.new_uuid()
            )
            row = _submission.document_row(
                document=document,
                entry_uuid=entry_uuid,
                patient=patient,
                submission_set=submission_set,
                actor=actor,
                digest=digest,
                repository_unique_id=self.repository_unique_id,
                now=now,
                patient_document=patient_document,
            )
            self.session.add(row)
            self._associate(AssociationType.HAS_MEMBER, set_uuid, entry_uuid, patient, now)
            if target is not None:
                target.status = STATUS_TO_ROW[AvailabilityStatus.DEPRECATED]
                target.updated_at = now
                deprecated.append(target.entry_uuid)
                self._associate(
                    AssociationType.REPLACE, entry_uuid, target.entry_uuid, patient, now
                )
            rows.append(row)
        self.session.flush()
        return SubmissionReceipt(
            submission_set_entry_uuid=set_uuid,
            documents=tuple(document_record(r, patient) for r in rows),
            deprecated=tuple(deprecated),
        )

    def _associate(
        self,
        kind: AssociationType,
        source: str,
        target: str,
        patient: DmpPatient,
        now: datetime,
    ) -> None:
        self.session.add(
            DmpAssociation(
                entry_uuid=self.new_uuid(),
                association_type=kind.value,
                source_uuid=source,
                target_uuid=target,
                patient_id=patient.id,
                created_at=now,
            )
        )
