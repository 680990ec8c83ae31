"""Validating a document: check it, store it and create its send orders in one transaction.

This is the clinician's "Valider" click, and the one path every interface takes (the REST
API, ``esante feed``, the console): they translate their arguments and the errors, the
rules are here. The mission's rule: the order to send to Mon espace santé rides on the
same click as the validation — no second click, no question about the document type — and
not sending must be the deliberate act (block or cancel during the deferral window). So
validation stores the CDA and, in the *same* database transaction, creates the orders the
Ségur catalogue calls for. The caller commits; when the commit returns, the document and
its orders are durable together, and when anything fails before, neither is (on SQLite
too: see :mod:`esante.database` for the savepoints). Nothing here touches the network, so
the click returns at once.

The checks, all made before anything is written, in this order:

1. the document: a readable CDA, dated, whose author is a professional of the practice;
2. identity: the CDA's INS, when it carries one, is the patient's;
3. historical feeding (documents of earlier care episodes, on request) follows the
   seed's conditions: qualified INS, an author, a date, a CDA — else refused;
4. the Ségur catalogue: which orders the document type calls for, for this author;
5. kit conformance, when the ANS kit is installed (:mod:`esante.practice.conformance`):
   a document the kit rejects is refused; the DMP-feeding checks (INS present and valid,
   author specialty) are added when a DMP order will carry the document as it is.

A refused document is not stored and no order exists: the interface reports why (422).

An order that the rules forbid right now is still created, *blocked* with the reason: the
patient's opposition (consent), or an INS that is not qualified. Such a document is one a
clinician must be able to keep in the patient's record — a provisional identity does not
stop care — and the send is held, visibly, until the identity is qualified and the order
released (or cancelled). This is the behaviour of every interface for an unqualified INS;
only historical feeding, whose sole purpose is the DMP, refuses it outright.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante.catalogue import (
    CatalogueError,
    SegurRule,
    rules_for,
)
from esante.catalogue import (
    pmi_address as catalogue_pmi_address,
)
from esante.cda.read import ReceivedDocument, read_document
from esante.outbox import DEFAULT_DEFERRAL, NewOrder, create_order
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.conformance import check_conformance
from esante.practice.consent import ConsentRefusedError, check_feeding
from esante.practice.errors import PracticeValidationError
from esante.store import (
    CareEpisode,
    ConflictError,
    Document,
    NotFoundError,
    Patient,
    Practitioner,
    SendOrder,
    Structure,
    utcnow,
)

if TYPE_CHECKING:
    from esante.cda.validate import Validator

FeedAuth = Literal["indirecte", "directe"]
RPPS_ROOT = "1.2.250.1.71.4.2.1"
"""OID of the national professional identifiers (idNat_PS) in CDA ``author/id``."""

INS_NOT_QUALIFIED = (
    "L'identité INS du patient n'est pas qualifiée : le document ne peut pas alimenter "
    "le DMP / Mon espace santé."
)


@dataclass(frozen=True)
class ValidatedDocument:
    """The stored document, the orders created with it, and why others were not."""

    document: Document
    orders: tuple[SendOrder, ...] = ()
    not_sent: tuple[str, ...] = field(default=())


def credential_for(
    practitioner: Practitioner, structure: Structure | None, feed_auth: FeedAuth
) -> str:
    """The credential an order needs: the author's card (direct) or the structure's
    certificate (indirect)."""
    if feed_auth == "directe":
        return f"cps:{practitioner.id_nat_ps}"
    return f"structure:{structure.id_nat_struct if structure else 'locale'}"


def validate_document(
    session: Session,
    cda: bytes,
    *,
    patient_id: int,
    actor: Actor,
    author_id: int | None = None,
    episode_id: int | None = None,
    feed_dmp: bool | None = None,
    deferral: timedelta | None = None,
    default_deferral: timedelta = DEFAULT_DEFERRAL,
    feed_auth: FeedAuth = "indirecte",
    historical: bool = False,
    visibility: Sequence[str] = (),
    send_mss: bool | None = None,
    referrer_id: int | None = None,
    pmi_address: str | None = None,
    kit: Validator | None = None,
    now: datetime | None = None,
) -> ValidatedDocument:
    """Check the CDA ``cda`` of patient ``patient_id``, store it and create its send orders.

    ``feed_dmp``: None lets the Ségur catalogue decide (document type × the author's
    profession); True/False forces it (an explicit request). ``deferral`` overrides the
    window for these orders. ``send_mss`` (None: the catalogue decides; False: none)
    creates the MSSanté orders: to the patient's médecin traitant, or to the referring
    practitioner ``referrer_id``, and to the catalogue's fixed recipients (the PMI
    platform for the CS9 / CS24 certificates; ``pmi_address`` overrides it). ``kit``:
    the kit's validator (:func:`esante.practice.conformance.kit_validator`; None when no
    kit is installed). Nothing is written until every check passed. The caller commits.

    ``actor`` validates (``documents:write``; a refusal traced and committed at once) and
    is traced with the stored document; the document's author stays the CDA's (a
    professional of the practice found by RPPS) whoever validates — a secretary, or an
    API key acting for the structure.

    Raises :class:`~esante.cda.CdaReadError` (not a CDA), :class:`PracticeValidationError`
    (another patient's document, unknown author, no date, historical feeding refused,
    rejected by the kit), :class:`ConflictError` (this uniqueId was already validated),
    :class:`NotFoundError` (unknown patient).
    """
    now = now or utcnow()
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError(
            f"Patient introuvable : {patient_id}.",
            detail=f"patient id={patient_id}",
            field="patient",
        )
    trace.check(session, actor, "documents:write", patient, traced_as="documents:create")
    received = read_document(cda)
    _check_patient(received, patient)
    if episode_id is not None:
        episode = session.get(CareEpisode, episode_id)
        if episode is None or episode.patient_id != patient.id:
            raise PracticeValidationError(
                "Épisode de soins inconnu pour ce patient.",
                detail=f"care episode {episode_id} not found for patient {patient.id}",
                field="episode_id",
            )
    author = _author(session, received, author_id)
    structure = author.structure
    _check_date(received)
    if historical:
        _check_historical(received, patient)
    rule, rule_problem = _rule(received, author)
    wants_dmp, why_not = _wants_dmp(rule, rule_problem, feed_dmp)
    if kit is not None:
        check_conformance(kit, cda, dmp=wants_dmp and ins_qualified(patient))
    document = _store(session, received, cda, patient, author, episode_id, now)
    orders: list[SendOrder] = []
    not_sent: list[str] = []
    if wants_dmp:
        orders.append(
            _dmp_order(
                session,
                document,
                patient,
                author,
                structure,
                episode_id=episode_id,
                deferral=deferral,
                default_deferral=default_deferral,
                feed_auth=feed_auth,
                historical=historical,
                visibility=visibility,
                now=now,
            )
        )
    elif why_not:
        not_sent.append(why_not)
    if send_mss is not False:
        mss_orders, mss_reasons = _mss_orders(
            session,
            document,
            patient,
            author,
            structure,
            rule,
            referrer_id=referrer_id,
            pmi_address=pmi_address,
            visibility=visibility,
            episode_id=episode_id,
            deferral=deferral,
            default_deferral=default_deferral,
            now=now,
        )
        orders.extend(mss_orders)
        not_sent.extend(mss_reasons)
    trace.record(
        session, actor, "documents:create", [patient], document_unique_id=document.unique_id
    )
    return ValidatedDocument(document, tuple(orders), tuple(not_sent))


def ins_qualified(patient: Patient) -> bool:
    """True when the patient's INS may be used and shared (status QUAL, matricule known)."""
    return patient.identity_status == "QUAL" and bool(patient.ins_matricule)


def _check_patient(received: ReceivedDocument, patient: Patient) -> None:
    ins = received.patient.ins_matricule
    if ins and patient.ins_matricule and ins != patient.ins_matricule:
        raise PracticeValidationError(
            "Le document concerne un autre patient (INS différente).",
            detail=f"CDA INS {ins} != patient {patient.id} INS",
            field="recordTarget/patientRole/id",
        )


def _author(session: Session, received: ReceivedDocument, author_id: int | None) -> Practitioner:
    if author_id is not None:
        author = session.get(Practitioner, author_id)
        if author is None:
            raise NotFoundError(
                f"Professionnel introuvable : {author_id}.",
                detail=f"practitioner id={author_id}",
                field="author",
            )
        return author
    for entry in received.authors:
        ident = entry.professional.id
        if ident.root == RPPS_ROOT and ident.extension:
            rpps = ident.extension[1:] if len(ident.extension) == 12 else ident.extension
            found = session.scalar(select(Practitioner).where(Practitioner.rpps == rpps))
            if found is not None:
                return found
    raise PracticeValidationError(
        "L'auteur du document n'est pas un professionnel connu du cabinet.",
        detail="no CDA author/id matches a practitioner's RPPS",
        field="author/assignedAuthor/id",
    )


def _check_date(received: ReceivedDocument) -> None:
    if received.effective_time is None:
        raise PracticeValidationError(
            "Le document n'a pas de date (effectiveTime).",
            detail="ClinicalDocument/effectiveTime missing",
            field="effectiveTime",
        )


def _store(
    session: Session,
    received: ReceivedDocument,
    cda: bytes,
    patient: Patient,
    author: Practitioner,
    episode_id: int | None,
    now: datetime,
) -> Document:
    unique_id = str(received.document_id)
    replaces_id = None
    if received.replaces is not None:
        replaces_id = session.scalar(
            select(Document.id).where(Document.unique_id == str(received.replaces))
        )
    service = received.service_event
    document = Document(
        patient_id=patient.id,
        episode_id=episode_id,
        author_id=author.id,
        unique_id=unique_id,
        set_id=str(received.set_id or received.document_id),
        version_number=received.version or 1,
        replaces_id=replaces_id,
        type_code=received.type_code.code,
        type_code_system=received.type_code.code_system,
        format_code=received.format_code,
        level="N1" if received.level == "N1" else "N3",
        title=received.title or received.type_label,
        confidentiality_code=received.confidentiality.code if received.confidentiality else "N",
        effective_time=received.effective_time,
        service_start=getattr(service, "start", None),
        service_stop=getattr(service, "stop", None),
        mime_type="text/xml",
        content=cda,
        content_sha256=hashlib.sha256(cda).hexdigest(),
        size=len(cda),
        provenance="produced",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            "Ce document a déjà été validé (même identifiant unique ou même version).",
            detail=f"document {unique_id} (set {document.set_id} v{document.version_number})",
            field="ClinicalDocument/id",
        ) from exc
    return document


def _rule(received: ReceivedDocument, author: Practitioner) -> tuple[SegurRule | None, str | None]:
    """The Ségur catalogue row of this document for its author (or why there is none)."""
    try:
        return rules_for(
            author.profession_code, received.type_code.code, model=received.model
        ), None
    except CatalogueError as exc:
        return None, exc.message


def _wants_dmp(
    rule: SegurRule | None, problem: str | None, forced: bool | None
) -> tuple[bool, str | None]:
    if forced is not None:
        return forced, None if forced else "Envoi au DMP non demandé."
    if rule is None:
        return False, f"Pas d'alimentation automatique : {problem}"
    if not rule.feed_dmp:
        return False, "Le catalogue Ségur ne prévoit pas l'alimentation du DMP pour ce document."
    return True, None


def _check_historical(received: ReceivedDocument, patient: Patient) -> None:
    if not ins_qualified(patient):
        raise PracticeValidationError(
            "Alimentation historique impossible : l'INS du patient n'est pas qualifiée.",
            detail=f"patient {patient.id} identity status {patient.identity_status}",
            field="identity_status",
        )
    if not received.authors:
        raise PracticeValidationError(
            "Alimentation historique impossible : le document n'a pas d'auteur.",
            detail="no ClinicalDocument/author",
            field="author",
        )


def _blocking_reason(session: Session, patient: Patient) -> str | None:
    try:
        check_feeding(session, patient.id)
    except ConsentRefusedError as exc:
        return exc.message
    if not ins_qualified(patient):
        return INS_NOT_QUALIFIED
    return None


def _dmp_order(
    session: Session,
    document: Document,
    patient: Patient,
    author: Practitioner,
    structure: Structure | None,
    *,
    episode_id: int | None,
    deferral: timedelta | None,
    default_deferral: timedelta,
    feed_auth: FeedAuth,
    historical: bool,
    visibility: Sequence[str],
    now: datetime,
) -> SendOrder:
    after = None
    if document.replaces_id is not None:
        after = session.scalar(
            select(SendOrder.id)
            .where(SendOrder.document_id == document.replaces_id, SendOrder.kind == "dmp_submit")
            .order_by(SendOrder.id.desc())
            .limit(1)
        )
    return create_order(
        session,
        NewOrder(
            kind="dmp_submit",
            idempotency_key=f"dmp:{document.unique_id}",
            patient_id=patient.id,
            document_id=document.id,
            practitioner_id=author.id,
            structure_id=structure.id if structure else None,
            episode_id=episode_id,
            after_order_id=after,
            credential=credential_for(author, structure, feed_auth),
            authentication_mode=feed_auth,
            parameters={"visibility": list(visibility)} if visibility else {},
            historical=historical,
            deferral=deferral,
            blocked_reason=_blocking_reason(session, patient),
            created_by_id=author.id,
        ),
        default_deferral=default_deferral,
        by=author.id_nat_ps,
        now=now,
    )


def feed_history(
    session: Session,
    document_id: int,
    *,
    actor: Actor,
    feed_auth: FeedAuth = "indirecte",
    deferral: timedelta = timedelta(0),
    now: datetime | None = None,
) -> SendOrder:
    """Queue an already stored document of an earlier episode for the DMP (on request).

    Raises :class:`PracticeValidationError` when the seed's conditions are not met
    (qualified INS, author, date, CDA) and :class:`~esante.outbox.OutboxError` when the
    document already has a DMP order; AccessDeniedError unless ``actor`` may act on
    send orders (refusal traced). Queued in the author's name (the DMP feeding is the
    author's), traced in the actor's.
    """
    now = now or utcnow()
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(
            f"Document introuvable : {document_id}.",
            detail=f"document id={document_id}",
            field="document",
        )
    patient = document.patient
    trace.check(session, actor, "dmp:feed", patient, traced_as="documents:historical-feeding")
    if not ins_qualified(patient):
        raise PracticeValidationError(
            "Alimentation historique impossible : l'INS du patient n'est pas qualifiée.",
            detail=f"patient {patient.id} identity status {patient.identity_status}",
            field="identity_status",
        )
    if document.author is None:
        raise PracticeValidationError(
            "Alimentation historique impossible : le document n'a pas d'auteur connu.",
            detail=f"document {document_id} has no author",
            field="author",
        )
    if document.mime_type != "text/xml":
        raise PracticeValidationError(
            "Alimentation historique impossible : le document n'est pas un CDA.",
            detail=f"document {document_id} mime type {document.mime_type}",
            field="mime_type",
        )
    author = document.author
    trace.record(
        session,
        actor,
        "documents:historical-feeding",
        [patient],
        document_unique_id=document.unique_id,
    )
    return _dmp_order(
        session,
        document,
        patient,
        author,
        author.structure,
        episode_id=document.episode_id,
        deferral=deferral,
        default_deferral=deferral,
        feed_auth=feed_auth,
        historical=True,
        visibility=(),
        now=now,
    )


def request_dmp_deletion(
    session: Session,
    document_id: int,
    *,
    reason: str,
    actor: Actor,
    feed_auth: FeedAuth = "indirecte",
    now: datetime | None = None,
) -> SendOrder:
    """Queue the deletion of a sent document from the DMP (TD3.3c), for a stated reason
    (error in the document, the patient's request). Due at once.

    Asked in the name of ``actor``'s practitioner when the actor is a professional of the
    practice, else (secretary, API key acting for the structure) of the document's
    author; never of a professional named by a request. AccessDeniedError unless
    ``actor`` may act on send orders (refusal traced); the request is traced."""
    if not reason.strip():
        raise PracticeValidationError(
            "Indiquez le motif de la suppression (erreur, demande du patient…).",
            detail="empty deletion reason",
            field="reason",
        )
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(
            f"Document introuvable : {document_id}.",
            detail=f"document id={document_id}",
            field="document",
        )
    trace.check(session, actor, "dmp:delete", document.patient, traced_as="documents:dmp-delete")
    asking = (
        session.get(Practitioner, actor.practitioner_id)
        if actor.practitioner_id is not None
        else document.author
    )
    if asking is None:
        raise PracticeValidationError(
            "Aucun professionnel pour demander la suppression : le document n'a pas d'auteur "
            "connu du cabinet.",
            detail="no practitioner for the deletion",
            field="by",
        )
    trace.record(
        session,
        actor,
        "documents:dmp-delete",
        [document.patient],
        document_unique_id=document.unique_id,
    )
    submitted = session.scalar(
        select(SendOrder.id).where(
            SendOrder.document_id == document.id, SendOrder.kind == "dmp_submit"
        )
    )
    return create_order(
        session,
        NewOrder(
            kind="dmp_delete",
            idempotency_key=f"dmp-delete:{document.unique_id}",
            patient_id=document.patient_id,
            document_id=document.id,
            practitioner_id=asking.id,
            structure_id=asking.structure_id,
            after_order_id=submitted,
            credential=credential_for(asking, asking.structure, feed_auth),
            authentication_mode=feed_auth,
            parameters={"reason": reason.strip()},
            deferral=timedelta(0),
            created_by_id=asking.id,
        ),
        by=asking.id_nat_ps,
        now=now,
    )


def read_stored_document(session: Session, document_id: int, *, actor: Actor) -> Document:
    """A stored document of a patient, read by ``actor`` (``documents:read`` checked, the
    read traced with its uniqueId); raises NotFoundError or AccessDeniedError."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(
            f"Document introuvable (identifiant {document_id}).",
            detail=f"document id={document_id}",
            field="document_id",
        )
    trace.check(session, actor, "documents:read", document.patient, traced_as="documents:read")
    trace.record(
        session,
        actor,
        "documents:read",
        [document.patient],
        document_unique_id=document.unique_id,
    )
    return document


def patient_documents(
    session: Session, patient_id: int, *, actor: Actor, limit: int, offset: int
) -> tuple[int, list[Document]]:
    """A page of the patient's documents, newest first, and their total, read by
    ``actor`` (checked; the page traced in ONE append, one record per document)."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError(
            f"Patient introuvable : {patient_id}.",
            detail=f"patient id={patient_id}",
            field="patient",
        )
    trace.check(session, actor, "documents:read", patient, traced_as="documents:list")
    total = session.scalar(
        select(func.count()).select_from(Document).where(Document.patient_id == patient_id)
    )
    documents = list(
        session.scalars(
            select(Document)
            .where(Document.patient_id == patient_id)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    trace.record_documents(
        session, actor, "documents:list", patient, [d.unique_id for d in documents]
    )
    return total or 0, documents


@dataclass(frozen=True)
class DmpDelivery:
    """Whether and when a local document reached the DMP, as the console shows it."""

    state: str | None
    label: str
    sent_at: datetime | None = None
    reason: str | None = None
    order_id: int | None = None


def dmp_delivery(session: Session, document_id: int) -> DmpDelivery:
    """The DMP status of a local document (from its latest DMP submission order)."""
    from esante.outbox import STATE_LABELS

    order = session.scalar(
        select(SendOrder)
        .where(SendOrder.document_id == document_id, SendOrder.kind == "dmp_submit")
        .order_by(SendOrder.id.desc())
        .limit(1)
    )
    if order is None:
        return DmpDelivery(None, "non envoyé au DMP")
    deleted = session.scalar(
        select(SendOrder.sent_at).where(
            SendOrder.document_id == document_id,
            SendOrder.kind == "dmp_delete",
            SendOrder.state == "sent",
        )
    )
    if deleted is not None:
        return DmpDelivery("deleted", "supprimé du DMP", deleted, order_id=order.id)
    label = STATE_LABELS.get(order.state, order.state)
    if order.state == "sent":
        label = "dans le DMP"
    return DmpDelivery(order.state, label, order.sent_at, order.state_reason, order.id)


MASKED_TO_PROFESSIONALS = "MASQUE_PS"


def new_message_id(sender: str) -> str:
    """A fresh Message-ID in the sender's domain (the idempotency key of an MSSanté order)."""
    domain = sender.rpartition("@")[2] or "esante.local"
    return f"<{uuid.uuid4()}@{domain}>"


def _mss_orders(
    session: Session,
    document: Document,
    patient: Patient,
    author: Practitioner,
    structure: Structure | None,
    rule: SegurRule | None,
    *,
    referrer_id: int | None,
    pmi_address: str | None,
    visibility: Sequence[str],
    episode_id: int | None,
    deferral: timedelta | None,
    default_deferral: timedelta,
    now: datetime,
) -> tuple[list[SendOrder], list[str]]:
    """The MSSanté orders the catalogue calls for, and why some recipients get nothing."""
    reasons: list[str] = []
    recipients: list[str] = []
    professionals: list[str] = []
    if rule is not None and rule.mss_to_treating_doctor_or_referrer:
        target = (
            session.get(Practitioner, referrer_id)
            if referrer_id is not None
            else patient.medecin_traitant
        )
        if target is None:
            reasons.append("Pas de médecin traitant ni d'adresseur connu : pas d'envoi MSSanté.")
        elif target.id == author.id:
            pass  # the author is the médecin traitant: nobody to send a copy to
        elif not target.mssante_address:
            reasons.append(
                f"{target.given_name} {target.family_name} n'a pas d'adresse MSSanté : pas d'envoi."
            )
        else:
            professionals.append(target.mssante_address)
    for fixed in rule.mss_fixed_recipients if rule is not None else ():
        if pmi_address and fixed == catalogue_pmi_address():
            fixed = pmi_address
        professionals.append(fixed)
    if professionals and MASKED_TO_PROFESSIONALS in visibility:
        reasons.append("Document masqué aux professionnels : aucun envoi MSSanté.")
        professionals = []
    recipients.extend(professionals)
    if not recipients:
        return [], reasons
    sender = structure.mssante_address if structure is not None else None
    if not sender:
        reasons.append(
            "La structure n'a pas de boîte MSSanté organisationnelle : envoi MSSanté impossible."
        )
        return [], reasons
    orders = []
    for recipient in dict.fromkeys(recipients):
        message_id = new_message_id(sender)
        orders.append(
            create_order(
                session,
                NewOrder(
                    kind="mss_send",
                    idempotency_key=f"mss:{message_id}",
                    patient_id=patient.id,
                    document_id=document.id,
                    practitioner_id=author.id,
                    structure_id=structure.id if structure else None,
                    episode_id=episode_id,
                    credential=f"structure:{structure.id_nat_struct}" if structure else "",
                    authentication_mode="certificat",
                    recipient=recipient,
                    parameters={
                        "message_id": message_id,
                        "sender": sender,
                        "visibility": list(visibility),
                    },
                    deferral=deferral,
                    created_by_id=author.id,
                ),
                default_deferral=default_deferral,
                by=author.id_nat_ps,
                now=now,
            )
        )
    return orders, reasons
