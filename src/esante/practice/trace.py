"""The trace of every access to a patient's data through ``practice`` (issue 12 item 6).

Every read or change of a patient's record, documents, consent or send orders made by
an interface (REST, console, CLI acting on a database) appends to the hash-chained
access trace (:mod:`esante.audit`, channel :data:`RECORD_CHANNEL`): who (the actor's id
and name, role, structure's idNat_Struct), which patient (INS once qualified, else the
IPP in ``detail``), what (``action``, e.g. ``patients:read``), when, from where (the
actor's ``origin``: client address, ``cli``) and the outcome — refusals included
(``dmp-exigences.md`` EX_AIR-070/090: accesses traced with user and structure; the
patient can ask who read their record).

A page of N patients is ONE append of N records (:func:`esante.audit.append_many`:
one lock of the chain, one insert), in the caller's transaction: the trace commits with
what it traces. A refusal is committed at once by :func:`check` (it is raised before
anything else is written, and the caller rolls back on the error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from esante import audit
from esante.practice.access import AccessDeniedError, Action, require
from esante.practice.actors import Actor
from esante.store.models import Patient, Structure

__all__ = [
    "ACTION_LABELS",
    "RECORD_CHANNEL",
    "Action",
    "check",
    "patient_ins",
    "record",
    "record_documents",
    "remember_structure",
    "who",
]

RECORD_CHANNEL: Final = "dossier"
"""The trace channel of accesses to the practice's own patient records."""


ACTION_LABELS: Final = {
    "patients:search": "Recherche de patients (page de résultats)",
    "patients:read": "Lecture du dossier du patient",
    "patients:create": "Création du dossier du patient",
    "patients:update": "Modification du dossier du patient",
    "patients:write": "Modification du dossier du patient",
    "documents:list": "Liste des documents du patient",
    "documents:read": "Lecture d'un document du patient",
    "documents:create": "Ajout d'un document au dossier du patient",
    "documents:write": "Modification d'un document du patient",
    "consent:read": "Lecture du consentement du patient",
    "consent:write": "Enregistrement du consentement du patient",
    "orders:list": "Liste des envois au DMP",
    "orders:read": "Lecture d'un envoi au DMP",
    "orders:write": "Modification d'un envoi au DMP",
    "orders:decide": "Décision sur un envoi au DMP",
    "orders:block": "Blocage d'un envoi au DMP",
    "orders:unblock": "Déblocage d'un envoi au DMP",
    "orders:cancel": "Annulation d'un envoi au DMP",
    "orders:retry": "Nouvelle tentative d'un envoi au DMP",
    "orders:send_now": "Envoi immédiat au DMP",
}
"""French labels of the actions traced on the practice's own records (for the console,
``esante audit patient`` and its exports); an unknown code is shown as is."""


def patient_ins(patient: Patient) -> str | None:
    """The INS as the trace keeps it: only once qualified (``matricule^^^&oid&ISO``)."""
    if patient.identity_status != "QUAL" or not patient.ins_matricule or not patient.ins_oid:
        return None
    return f"{patient.ins_matricule}^^^&{patient.ins_oid}&ISO"


_STRUCTURES = cast(Table, Structure.__table__)
_ID_NAT_STRUCT = select(_STRUCTURES.c.id_nat_struct).where(_STRUCTURES.c.id == bindparam("id"))
"""The structure's idNat_Struct alone: a prebuilt Core query (no ORM object built, no
statement re-analysed) on every traced access."""
_SEEN = "esante.trace.structures"


def remember_structure(session: Session, structure_id: int, id_nat_struct: str) -> None:
    """Note the idNat_Struct of ``structure_id`` as read in the session's current
    transaction, so that the trace of this transaction does not read it again.

    For a credential check that read it anyway (an API key's structure, in the same
    query): one database round trip fewer per traced request. Valid for this
    transaction only: after a commit or a rollback it is read afresh.
    """
    transaction = session.get_transaction()
    if transaction is not None:
        session.info[_SEEN] = (transaction, {structure_id: id_nat_struct})


def _structure(session: Session, actor: Actor) -> str | None:
    if actor.structure_id is None:
        return None
    seen = session.info.get(_SEEN)
    if seen is not None and seen[0] is session.get_transaction():
        known: str | None = seen[1].get(actor.structure_id)
        if known is not None:
            return known
    loaded = session.identity_map.get(identity_key(Structure, actor.structure_id))
    if isinstance(loaded, Structure):
        return loaded.id_nat_struct
    connection = session.connection(bind_arguments={"mapper": Structure})
    found = connection.execute(_ID_NAT_STRUCT, {"id": actor.structure_id}).scalar_one_or_none()
    return None if found is None else str(found)


def who(session: Session, actor: Actor) -> dict[str, str | None]:
    """The trace's "who" fields for ``actor`` (:class:`esante.audit.AuditEvent` keywords)."""
    return {
        "actor_id": actor.actor_id,
        "actor_name": actor.name,
        "actor_role": actor.role,
        "structure_id": _structure(session, actor),
        "origin": actor.origin or "inconnue",
    }


def _event(
    actor: Actor,
    structure: str | None,
    action: str,
    outcome: str,
    patient: Patient | None,
    detail: str | None,
    document_unique_id: str | None = None,
) -> audit.AuditEvent:
    note = None if patient is None else audit.local_id_note(patient.local_id)
    if detail:
        note = f"{note}; {detail}" if note else detail
    return audit.AuditEvent(
        channel=RECORD_CHANNEL,
        action=action,
        outcome=outcome,
        actor_id=actor.actor_id,
        actor_name=actor.name,
        actor_role=actor.role,
        structure_id=structure,
        patient_ins=None if patient is None else patient_ins(patient),
        document_unique_id=document_unique_id,
        detail=note[:200] if note else None,
        origin=actor.origin or "inconnue",
    )


def record(
    session: Session,
    actor: Actor,
    action: str,
    patients: Sequence[Patient],
    *,
    outcome: str = "success",
    detail: str | None = None,
    document_unique_id: str | None = None,
) -> list[audit.AuditEntry]:
    """Append one record per patient of ``patients`` — in ONE append — in the caller's
    transaction. An empty page is traced as one record without a patient (the search
    itself was made)."""
    structure = _structure(session, actor)
    items: Sequence[Patient | None] = patients or [None]
    return audit.append_many(
        session,
        [_event(actor, structure, action, outcome, p, detail, document_unique_id) for p in items],
    )


def record_documents(
    session: Session,
    actor: Actor,
    action: str,
    patient: Patient,
    unique_ids: Sequence[str],
) -> list[audit.AuditEntry]:
    """Append one record per document of ``patient`` read — in ONE append (a page of
    documents); an empty page is one record without a document."""
    structure = _structure(session, actor)
    ids: Sequence[str | None] = unique_ids or [None]
    return audit.append_many(
        session,
        [_event(actor, structure, action, "success", patient, None, uid) for uid in ids],
    )


def check(
    session: Session,
    actor: Actor,
    action: Action,
    patient: Patient | None = None,
    *,
    traced_as: str | None = None,
) -> None:
    """:func:`~esante.practice.access.require`, with a refusal traced and committed.

    Called first by the practice function, before it writes anything: committing the
    refusal's record commits nothing else. Raises :class:`AccessDeniedError`.
    """
    try:
        require(actor, action)
    except AccessDeniedError as exc:
        record(
            session,
            actor,
            traced_as or action,
            [] if patient is None else [patient],
            outcome="refused",
            detail=exc.detail,
        )
        session.commit()
        raise
