"""The common ground of the DMP transactions: one call = one transaction + one log row.

:class:`ServiceCore` holds the session, the injected clock and id source, and the steps
every transaction takes: look the patient up (an INS, an open DMP), compute what the DMP
knows of the patient for this actor, apply the rights matrix, and journal the call —
committed with the changes on success, alone after a rollback on refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from esante.sandbox.dmp import _authorizations, _journal
from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal, SandboxDatabaseError
from esante.sandbox.dmp.matrix import Action, RightsMatrix, rights_matrix
from esante.sandbox.dmp.models import DmpDocument, DmpPatient, utcnow
from esante.sandbox.dmp.records import DocumentRecord, Outcome, PatientIns
from esante.sandbox.dmp.rights import Actor, Decision, DocumentFacts, PatientFacts, check_access
from esante.sandbox.dmp.troubles import TroubleSettings, load_troubles
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import INS_OIDS

REPOSITORY_UNIQUE_ID = "1.2.250.1.213.4.1.1.1.2"
"""The DMP repository's uniqueId, as in the official TD3.1/TD3.2 answers."""


def new_entry_uuid() -> str:
    """A fresh ``urn:uuid:`` for an entry the registry names."""
    return f"urn:uuid:{uuid.uuid4()}"


class ServiceCore:
    """What every DMP transaction shares: the session, the clock, the call journal, the
    patient and document lookups, the rights check (see :class:`~esante.sandbox.dmp.DmpService`).

    ``clock`` and ``new_uuid`` are injectable for tests; ``repository_unique_id`` is the
    repository this sandbox pretends to be; ``access_reason`` is the reason the VIHF gives
    for an emergency access (logged with every call of this service).
    """

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], datetime] = utcnow,
        new_uuid: Callable[[], str] = new_entry_uuid,
        repository_unique_id: str = REPOSITORY_UNIQUE_ID,
        matrix: RightsMatrix | None = None,
        access_reason: str | None = None,
    ):
        self.session = session
        # the reason the professional gave for a bris de glace / centre 15 access (VIHF),
        # kept in the access log the patient reads on Mon espace santé
        self.access_reason = access_reason
        self.clock = clock
        self.new_uuid = new_uuid
        self.repository_unique_id = repository_unique_id
        self.matrix = matrix or rights_matrix()

    def troubles(self) -> TroubleSettings:
        """The current trouble settings (latency, failure rate, outage)."""
        return load_troubles(self.session)

    @contextmanager
    def _call(
        self, actor: Actor, action: Action, access_mode: AccessMode, patient: PatientIns
    ) -> Iterator[_journal.Call]:
        call = _journal.Call(
            actor, action, access_mode, patient.value, access_reason=self.access_reason
        )
        try:
            yield call
            _journal.write(self.session, call, self.clock(), Outcome.ACCEPTED)
            self.session.commit()
        except DmpRefusal as refusal:
            self._log_refusal(call, refusal)
            raise
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise SandboxDatabaseError(
                "Erreur de la base de données du bac à sable DMP.", detail=str(exc)
            ) from exc

    def _log_refusal(self, call: _journal.Call, refusal: DmpRefusal) -> None:
        try:
            self.session.rollback()
            _journal.write(
                self.session,
                call,
                self.clock(),
                Outcome.REFUSED,
                error_code=refusal.code.value,
                detail=refusal.detail,
            )
            self.session.commit()
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise SandboxDatabaseError(
                "Erreur de la base de données du bac à sable DMP.", detail=str(exc)
            ) from exc

    def _find_patient(self, patient: PatientIns) -> DmpPatient | None:
        if patient.oid not in INS_OIDS:
            raise DmpRefusal(
                DmpErrorCode.UNKNOWN_PATIENT,
                message="L'identifiant du patient n'est pas un INS.",
                detail=f"assigning authority {patient.oid} is not an INS OID",
                field="patientId",
            )
        return self.session.scalars(
            select(DmpPatient).where(DmpPatient.ins == patient.value)
        ).one_or_none()

    def _open_patient(self, patient: PatientIns) -> DmpPatient:
        row = self._find_patient(patient)
        if row is None:
            raise DmpRefusal(
                DmpErrorCode.UNKNOWN_PATIENT, detail=f"no DMP for {patient.cx()}", field="INS"
            )
        if row.closed_at is not None:
            raise DmpRefusal(
                DmpErrorCode.DMP_CLOSED,
                detail=f"DMP closed on {row.closed_at.isoformat()} ({row.closure_reason})",
            )
        return row

    def _document(self, patient: DmpPatient, entry_uuid: str) -> DmpDocument:
        document = self.session.scalars(
            select(DmpDocument).where(
                DmpDocument.patient_id == patient.id,
                or_(DmpDocument.entry_uuid == entry_uuid, DmpDocument.logical_id == entry_uuid),
            )
        ).first()
        if document is None:
            raise DmpRefusal(
                DmpErrorCode.UNKNOWN_DOCUMENT, detail=f"entryUUID={entry_uuid}", field="entryUUID"
            )
        return document

    def _facts(self, patient: DmpPatient, actor: Actor) -> PatientFacts:
        return PatientFacts(
            treating_physician=patient.treating_physician_id,
            authorization=_authorizations.actor_status(
                self.session, patient.id, actor, self.clock()
            ),
            opposes_bris_de_glace=patient.opposed_to_bris_de_glace,
            opposes_centre_15=patient.opposed_to_centre_15,
            masked_access_in_emergency=patient.masked_access_in_emergency,
        )

    def _decide(
        self,
        call: _journal.Call,
        patient: PatientFacts | None,
        document: DocumentFacts | None = None,
    ) -> Decision:
        decision = check_access(
            call.actor, call.action, call.access_mode, document, patient=patient, matrix=self.matrix
        )
        decision.raise_if_refused()
        return decision

    def _visible_only(
        self,
        actor: Actor,
        access_mode: AccessMode,
        records: list[DocumentRecord],
        facts: PatientFacts,
    ) -> tuple[DocumentRecord, ...]:
        """The records the actor may see: those they authored, and those TD3.2 lets them
        read (decided once per distinct set of document facts)."""
        decided: dict[DocumentFacts, bool] = {}
        visible = []
        for record in records:
            if actor.id_nat_ps in record.author_ids:
                visible.append(record)
                continue
            document = record.facts()
            if document not in decided:
                decided[document] = check_access(
                    actor, Action.RETRIEVE, access_mode, document, patient=facts, matrix=self.matrix
                ).allowed
            if decided[document]:
                visible.append(record)
        return tuple(visible)
