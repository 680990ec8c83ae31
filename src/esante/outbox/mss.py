"""Carrying out MSSanté orders: one message, one recipient, one IHE XDM package.

The order was created at validation with its Message-ID (the idempotency key), sender
and recipient; the message is composed here, at send time, from the stored document
(subject ``XDM/1.0/DDM+…``, ``IHE_XDM.ZIP`` + PDF copy, X-MSS-* headers, an
acknowledgement asked of the recipient), then submitted over SMTP with the sender
mailbox's credential.

Exactly once, as far as SMTP allows: a delivered message is filed in the sender's
``Sent`` folder (IMAP ``APPEND``). A later attempt (after a lost answer or a crash) first
looks for its Message-ID there and does not send again when it is found. SMTP gives no
way to ask whether the server accepted a message whose answer was lost, so a crash
between the server's acceptance and the filing can still resend — with the *same*
Message-ID, which the receiving software uses to drop the copy (esante's inbox does).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from esante.audit import AuditEvent
from esante.mss import (
    DocumentToSend,
    MssClient,
    MssError,
    MssUncertainOutcomeError,
    XdmCreator,
    compose_message,
)
from esante.outbox.claim import ClaimedOrder
from esante.outbox.outcome import Failed, Outcome, Retry, Sent
from esante.store import Document, Patient, Practitioner, Structure
from esante.xds import Code

SENT_FOLDER = "Sent"

ClientFor = Callable[[str], MssClient | None]
"""The MSSanté client authenticated as a sender mailbox (None: this worker lacks it)."""


@dataclass(frozen=True)
class MssSettings:
    """What every message carries: the software's X-MSS-NIL, its XDS sourceId and the
    submission set's clinical activity (contentTypeCode)."""

    product_reference: str
    source_id: str
    content_type_code: Code


@dataclass(frozen=True)
class _Message:
    sender: str
    recipient: str
    message_id: str
    content: bytes
    visibility: tuple[str, ...]
    organization: str
    unique_id: str
    patient_ins: str | None
    actor_id: str | None
    actor_name: str | None
    structure_id: str | None


class MssSender:
    """The handler of ``mss_send`` orders."""

    def __init__(self, client_for: ClientFor, settings: MssSettings) -> None:
        self.client_for = client_for
        self.settings = settings

    def handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        if not isinstance(prepared, _Message):  # pragma: no cover - the worker settles those
            raise TypeError(f"not a prepared MSSanté order: {prepared!r}")
        client = self.client_for(prepared.sender)
        if client is None:
            return Retry(
                f"Ce poste ne détient pas l'accès à la boîte MSSanté {prepared.sender}.",
                code="NO_MAILBOX_CREDENTIAL",
            )
        if order.is_retry:
            try:
                if self._already_sent(client, prepared.message_id):
                    return Sent(
                        {"message_id": prepared.message_id, "verified": True},
                        note="Déjà envoyé (retrouvé dans les éléments envoyés).",
                        audit=(self._event(prepared, "envoi", "success", "déjà envoyé"),),
                    )
            except MssError as exc:
                return self._failure(exc, prepared)
        try:
            composed = compose_message(
                [DocumentToSend(prepared.content, visibility=prepared.visibility)],
                sender=prepared.sender,
                to=[prepared.recipient],
                product_reference=self.settings.product_reference,
                source_id=self.settings.source_id,
                content_type_code=self.settings.content_type_code,
                creator=XdmCreator(prepared.organization),
                message_id=prepared.message_id,
                request_mdn=True,
            )
        except MssError as exc:
            return Failed(
                exc.message,
                code=exc.code or type(exc).__name__,
                audit=(self._event(prepared, "envoi", "failure", exc.code),),
            )
        try:
            accepted = client.send(composed.message)
        except MssError as exc:
            return self._failure(exc, prepared)
        # Sent all the same if filing fails; only a later resend check loses its trace.
        with contextlib.suppress(MssError):
            self._file_in_sent(client, composed.to_bytes())
        return Sent(
            {"message_id": prepared.message_id, "accepted": list(accepted)},
            note=f"Message MSSanté remis au serveur pour {prepared.recipient}.",
            audit=(self._event(prepared, "envoi", "success", None),),
        )

    # ------------------------------------------------------------------ steps

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> list[object]:
        """The document and the people named in each message, read at send time."""
        return [self._prepare(session, order) for order in orders]

    @staticmethod
    def _prepare(session: Session, order: ClaimedOrder) -> _Message | Outcome:
        params = order.parameters
        sender = str(params.get("sender") or "")
        message_id = str(params.get("message_id") or "")
        if not sender or not message_id or not order.recipient:
            return Failed("Ordre MSSanté incomplet (expéditeur, destinataire).", code="BAD_ORDER")
        document = session.get(Document, order.document_id) if order.document_id else None
        patient = session.get(Patient, order.patient_id)
        if document is None or patient is None:
            return Failed("Document introuvable dans le dossier local.", code="NO_DOC")
        author = (
            session.get(Practitioner, order.practitioner_id)
            if order.practitioner_id is not None
            else None
        )
        structure = (
            session.get(Structure, order.structure_id) if order.structure_id is not None else None
        )
        return _Message(
            sender=sender,
            recipient=order.recipient,
            message_id=message_id,
            content=document.content,
            visibility=tuple(params.get("visibility") or ()),
            organization=structure.name if structure else "esante",
            unique_id=document.unique_id,
            patient_ins=patient.ins_matricule,
            actor_id=author.id_nat_ps if author else None,
            actor_name=f"{author.given_name} {author.family_name}" if author else None,
            structure_id=structure.id_nat_struct if structure else None,
        )

    @staticmethod
    def _already_sent(client: MssClient, message_id: str) -> bool:
        with client.mailbox("INBOX", read_only=True) as box:
            imap = box.imap
            status, _ = imap.select(SENT_FOLDER, readonly=True)
            if status != "OK":  # no Sent folder yet: nothing was filed
                return False
            status, data = imap.uid("SEARCH", "HEADER", "Message-ID", f'"{message_id}"')
            return status == "OK" and any(isinstance(d, bytes) and d.strip() for d in data)

    @staticmethod
    def _file_in_sent(client: MssClient, data: bytes) -> None:
        with client.mailbox("INBOX") as box:
            imap = box.imap
            imap.create(SENT_FOLDER)  # answers NO when it exists: harmless
            status, _ = imap.append(SENT_FOLDER, "(\\Seen)", None, data)
            if status != "OK":
                raise MssError(
                    "Copie du message dans les éléments envoyés impossible.",
                    detail=f"APPEND {SENT_FOLDER}: {status}",
                )

    def _failure(self, exc: MssError, message: _Message) -> Outcome:
        event = self._event(message, "envoi", "failure", exc.code or type(exc).__name__)
        if exc.is_transient or isinstance(exc, MssUncertainOutcomeError):
            return Retry(
                exc.message, code=exc.code, uncertain=exc.outcome_uncertain, audit=(event,)
            )
        return Failed(exc.message, code=exc.code, audit=(event,))

    @staticmethod
    def _event(message: _Message, action: str, outcome: str, detail: str | None) -> AuditEvent:
        return AuditEvent(
            channel="mss",
            action=action,
            outcome=outcome,
            actor_id=message.actor_id,
            actor_name=message.actor_name,
            structure_id=message.structure_id,
            patient_ins=message.patient_ins,
            document_unique_id=message.unique_id,
            detail=f"{message.message_id} → {message.recipient}"
            + (f" : {detail}" if detail else ""),
        )
