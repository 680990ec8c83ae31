"""Sandbox controls: what happens to a DMP outside the professionals' transactions.

In the real world the patient (on Mon espace santé) or the Assurance Maladie creates and
closes a DMP, names the médecin traitant DMP, blocks a professional, authorizes one,
sets oppositions, and deposits documents of their own. The sandbox gives these to the
admin CLI, the demo and the tests through :class:`DmpAdmin`, plus the access history the
patient page shows and the trouble settings. Each method commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from esante.identity import IdentityError, check_ins
from esante.sandbox.dmp import _authorizations, _journal
from esante.sandbox.dmp._rows import document_record, patient_record
from esante.sandbox.dmp.codes import CLOSURE_ASKED_BY_PATIENT, DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal, SandboxDatabaseError
from esante.sandbox.dmp.models import (
    SUBJECT_PS,
    SUBJECT_STRUCTURE,
    DmpDocument,
    DmpPatient,
    utcnow,
)
from esante.sandbox.dmp.records import (
    AccessLogEntry,
    AuthorizationListMode,
    AuthorizationRecord,
    DocumentRecord,
    NewDocument,
    NewSubmission,
    PatientIns,
    PatientRecord,
)
from esante.sandbox.dmp.rights import Actor
from esante.sandbox.dmp.service import DmpService, new_entry_uuid
from esante.sandbox.dmp.troubles import TroubleSettings, load_troubles, save_troubles
from esante.trust.vocabulary import AuthenticationMode
from esante.xds.vocabulary import INS_OIDS

PATIENT_SOURCE_ID = "1.2.250.1.213.4.1.1.1"
"""sourceId of the submission sets the patient deposits (the DMP itself)."""


class DmpAdmin:
    """Patient-side and operator actions on the sandbox DMP (each commits)."""

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], datetime] = utcnow,
        new_uuid: Callable[[], str] = new_entry_uuid,
    ):
        self.session = session
        self.clock = clock
        self.new_uuid = new_uuid

    def create_dmp(
        self,
        patient: PatientIns,
        *,
        family_name: str | None = None,
        given_name: str | None = None,
        birth_date: date | None = None,
        sex: str | None = None,
        attached_to_mes: bool = True,
        name_prefix: str | None = None,
        email: str | None = None,
        mobile_phone: str | None = None,
        internet_account_open: bool = False,
    ) -> PatientRecord:
        """Open the patient's DMP (a closed one is reopened).

        ``name_prefix`` (civilité), ``email``, ``mobile_phone`` and
        ``internet_account_open`` are given back in the TD0.2 answer as the DMP does.

        Raises :class:`DmpRefusal`: invalid INS (``DMPInvalidRequest``, the message names
        the fault), DMP already open (``DMPAlreadyExists``).
        """
        try:
            checked = check_ins(patient.value, patient.oid)
        except IdentityError as exc:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message=f"INS invalide : {exc.message}",
                detail=exc.detail,
                field="INS",
            ) from exc
        row = self._find(PatientIns(checked.matricule, patient.oid))
        now = self.clock()
        if row is not None and row.closed_at is None:
            raise DmpRefusal(DmpErrorCode.DMP_ALREADY_EXISTS, detail=f"DMP of {patient.cx()}")
        if row is None:
            row = DmpPatient(
                ins=checked.matricule,
                ins_oid=patient.oid,
                created_at=now,
                opposed_to_feeding=False,
                opposed_to_bris_de_glace=False,
                opposed_to_centre_15=False,
                masked_access_in_emergency=False,
            )
            self.session.add(row)
        row.closed_at = None
        row.closure_reason = None
        row.closure_text = None
        row.family_name = family_name
        row.given_name = given_name
        row.birth_date = birth_date
        row.sex = sex
        row.attached_to_mes = attached_to_mes
        row.name_prefix = name_prefix
        row.email = email
        row.mobile_phone = mobile_phone
        row.internet_account_open = internet_account_open
        return self._commit(row)

    def close_dmp(
        self,
        patient: PatientIns,
        *,
        reason: str = CLOSURE_ASKED_BY_PATIENT,
        text: str | None = None,
    ) -> PatientRecord:
        """Close the DMP (its documents stay; every transaction but TD0.2 is refused)."""
        row = self._patient(patient)
        if row.closed_at is not None:
            raise DmpRefusal(DmpErrorCode.DMP_CLOSED, detail="already closed")
        row.closed_at = self.clock()
        row.closure_reason = reason
        row.closure_text = text
        return self._commit(row)

    def set_oppositions(
        self,
        patient: PatientIns,
        *,
        feeding: bool | None = None,
        bris_de_glace: bool | None = None,
        centre_15: bool | None = None,
        masked_access_in_emergency: bool | None = None,
    ) -> PatientRecord:
        """Set the patient's oppositions and consent (``None`` leaves one as is).

        ``bris_de_glace`` / ``centre_15``: opposition to access in that mode;
        ``feeding``: opposition to feeding (a sandbox scenario);
        ``masked_access_in_emergency``: the patient allows masked documents to be read in
        bris de glace / centre 15.
        """
        row = self._patient(patient)
        if feeding is not None:
            row.opposed_to_feeding = feeding
        if bris_de_glace is not None:
            row.opposed_to_bris_de_glace = bris_de_glace
        if centre_15 is not None:
            row.opposed_to_centre_15 = centre_15
        if masked_access_in_emergency is not None:
            row.masked_access_in_emergency = masked_access_in_emergency
        return self._commit(row)

    def set_attachment(self, patient: PatientIns, attached: bool) -> PatientRecord:
        """Attach (or detach) the DMP to Mon espace santé."""
        row = self._patient(patient)
        row.attached_to_mes = attached
        return self._commit(row)

    def declare_treating_physician(
        self, patient: PatientIns, id_nat_ps: str | None
    ) -> PatientRecord:
        """Name the médecin traitant DMP (``None`` removes it); they get an authorization.

        Raises :class:`DmpRefusal` (``DMPProfessionalBlocked``) for a professional the
        patient blocked.
        """
        row = self._patient(patient)
        now = self.clock()
        if id_nat_ps is None:
            row.treating_physician_id = None
            row.treating_physician_since = None
            return self._commit(row)
        auth = _authorizations.find_or_add(self.session, row.id, SUBJECT_PS, id_nat_ps, now)
        if auth.blocked:
            self.session.rollback()
            raise DmpRefusal(
                DmpErrorCode.PROFESSIONAL_BLOCKED,
                message="Ce professionnel est bloqué par le patient : il ne peut pas être son "
                "médecin traitant DMP.",
                detail=f"{id_nat_ps} blocked",
            )
        auth.authorized = True
        auth.granted_at = auth.granted_at or now
        auth.expires_at = None
        auth.updated_at = now
        row.treating_physician_id = id_nat_ps
        row.treating_physician_since = now
        return self._commit(row)

    def block(self, patient: PatientIns, id_nat_ps: str, *, blocked: bool = True) -> PatientRecord:
        """Block (or unblock) a professional; blocking the médecin traitant DMP ends that role."""
        row = self._patient(patient)
        now = self.clock()
        auth = _authorizations.find_or_add(self.session, row.id, SUBJECT_PS, id_nat_ps, now)
        auth.blocked = blocked
        auth.blocked_at = now if blocked else None
        auth.updated_at = now
        if blocked and row.treating_physician_id == id_nat_ps:
            row.treating_physician_id = None
            row.treating_physician_since = None
        return self._commit(row)

    def set_authorization(
        self,
        patient: PatientIns,
        subject_id: str,
        *,
        authorized: bool = True,
        expires_at: datetime | None = None,
        structure: bool = False,
    ) -> PatientRecord:
        """The patient authorizes (or no longer authorizes) a professional, or a structure
        when ``structure``; ``expires_at`` in the past simulates an expired authorization."""
        row = self._patient(patient)
        now = self.clock()
        kind = SUBJECT_STRUCTURE if structure else SUBJECT_PS
        auth = _authorizations.find_or_add(self.session, row.id, kind, subject_id, now)
        auth.authorized = authorized
        auth.granted_at = now if authorized else auth.granted_at
        auth.expires_at = expires_at
        auth.updated_at = now
        return self._commit(row)

    def add_patient_document(self, patient: PatientIns, document: NewDocument) -> DocumentRecord:
        """A document the patient deposits on Mon espace santé (class ``90``, author the
        patient: archive and delete are then reserved to the médecin traitant DMP)."""
        row = self._patient(patient)
        if row.closed_at is not None:
            raise DmpRefusal(DmpErrorCode.DMP_CLOSED)
        depositor = Actor(
            id_nat_ps=f"patient:{row.ins}", authentication_mode=AuthenticationMode.DIRECTE
        )
        submission = NewSubmission(
            patient=patient,
            entry_uuid=self.new_uuid(),
            unique_id=f"2.25.{uuid.uuid4().int}",
            source_id=PATIENT_SOURCE_ID,
            documents=(document,),
        )
        service = DmpService(self.session, clock=self.clock, new_uuid=self.new_uuid)
        try:
            # the registry's own path, without the professionals' rights: the patient deposits
            receipt = service._register(depositor, row, submission, patient_document=True)
            self.session.commit()
        except DmpRefusal:
            self.session.rollback()
            raise
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise SandboxDatabaseError(
                "Erreur de la base de données du bac à sable DMP.", detail=str(exc)
            ) from exc
        return receipt.documents[0]

    def get_patient(self, patient: PatientIns) -> PatientRecord:
        """The patient's DMP (raises ``XDSUnknownPatientId`` when there is none)."""
        return patient_record(self._patient(patient))

    def list_patients(self) -> tuple[PatientRecord, ...]:
        """Every DMP of the sandbox, by INS."""
        rows = self.session.scalars(select(DmpPatient).order_by(DmpPatient.ins))
        return tuple(patient_record(r) for r in rows)

    def authorizations(
        self, patient: PatientIns, mode: AuthorizationListMode = AuthorizationListMode.ALL
    ) -> tuple[AuthorizationRecord, ...]:
        """The authorized and blocked professionals (the patient's view)."""
        return _authorizations.listing(self.session, self._patient(patient).id, mode)

    def access_history(
        self, patient: PatientIns, *, limit: int = 100
    ) -> tuple[AccessLogEntry, ...]:
        """The latest calls about the patient, newest first (Mon espace santé history)."""
        return _journal.read(self.session, patient.value, limit)

    def document(self, patient: PatientIns, unique_id: str) -> DocumentRecord | None:
        """A document of the patient by uniqueId, whatever its state (no rights applied)."""
        row = self._patient(patient)
        doc = self.session.scalars(
            select(DmpDocument).where(
                DmpDocument.patient_id == row.id, DmpDocument.unique_id == unique_id
            )
        ).one_or_none()
        return document_record(doc, row) if doc is not None else None

    def troubles(self) -> TroubleSettings:
        """The current trouble settings."""
        return load_troubles(self.session)

    def set_troubles(
        self,
        *,
        latency_ms: int | None = None,
        fail_rate: float | None = None,
        down: bool | None = None,
    ) -> TroubleSettings:
        """Change the trouble settings (``None`` keeps one as is)."""
        return save_troubles(
            self.session, latency_ms=latency_ms, fail_rate=fail_rate, down=down, now=self.clock()
        )

    def _find(self, patient: PatientIns) -> DmpPatient | None:
        if patient.oid not in INS_OIDS:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="L'identifiant du patient n'est pas un INS.",
                detail=f"assigning authority {patient.oid} is not an INS OID",
                field="INS",
            )
        return self.session.scalars(
            select(DmpPatient).where(DmpPatient.ins == patient.value)
        ).one_or_none()

    def _patient(self, patient: PatientIns) -> DmpPatient:
        row = self._find(patient)
        if row is None:
            raise DmpRefusal(
                DmpErrorCode.UNKNOWN_PATIENT, detail=f"no DMP for {patient.cx()}", field="INS"
            )
        return row

    def _commit(self, row: DmpPatient) -> PatientRecord:
        try:
            self.session.commit()
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise SandboxDatabaseError(
                "Erreur de la base de données du bac à sable DMP.", detail=str(exc)
            ) from exc
        return patient_record(row)
