"""Carrying out MSSanté orders: one message, one recipient, one IHE XDM package.

The order was created at validation with its Message-ID (the idempotency key), sender
and recipient; the message is composed here, at send time, from the stored document
(subject ``XDM/1.0/DDM+…``, ``IHE_XDM.ZIP`` + PDF copy, X-MSS-* headers, an
acknowledgement asked of the recipient), then submitted over SMTP with the sender
mailbox's credential.

The submission set's clinical activity (``contentTypeCode``) in the archive's
METADATA.XML comes from the document's care episode, as for the DMP
(:func:`esante.xds.activity.content_type_for_episode`: a consultation 07, a day
hospitalisation 04); a document without an episode gets :attr:`MssSettings.content_type_code`.
``X-MSS-MES: FIN`` (the patient may not reply) is written towards a patient's mailbox when
the order's ``block_patient_reply`` parameter, else :attr:`MssSettings.block_patient_reply`
(the practice's ``ESANTE_MSS_NO_PATIENT_REPLY``), says so.

The operator's delivery status notifications (RFC 3464, the volet's *accusé de réception
MSSanté*) come back to the sender's mailbox; :func:`record_delivery_status` notes each on
the order that sent the message, in its history ("délivré" or "échec de remise").

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
from datetime import datetime

from sqlalchemy import select
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
from esante.store import (
    CareEpisode,
    Document,
    Patient,
    Practitioner,
    SendOrder,
    SendOrderEvent,
    Structure,
    utcnow,
)
from esante.xds import Code
from esante.xds.activity import content_type_for_episode

SENT_FOLDER = "Sent"

ClientFor = Callable[[str], MssClient | None]
"""The MSSanté client authenticated as a sender mailbox (None: this worker lacks it)."""


@dataclass(frozen=True)
class MssSettings:
    """What every message carries: the software's X-MSS-NIL and its XDS sourceId; the
    submission set's clinical activity (contentTypeCode) of a document written outside
    any care episode; whether a patient may reply (``block_patient_reply``: write
    ``X-MSS-MES: FIN`` towards a patient's mailbox, the practice's default)."""

    product_reference: str
    source_id: str
    content_type_code: Code
    block_patient_reply: bool = False


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
    care_episode: str | None = None
    block_patient_reply: bool | None = None


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
                content_type_code=(
                    content_type_for_episode(prepared.care_episode)
                    if prepared.care_episode is not None
                    else self.settings.content_type_code
                ),
                creator=XdmCreator(prepared.organization),
                message_id=prepared.message_id,
                request_mdn=True,
                block_patient_reply=(
                    self.settings.block_patient_reply
                    if prepared.block_patient_reply is None
                    else prepared.block_patient_reply
                ),
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
        episode = (
            session.get(CareEpisode, document.episode_id)
            if document.episode_id is not None
            else None
        )
        no_reply = params.get("block_patient_reply")
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
            care_episode=episode.kind if episode is not None else None,
            block_patient_reply=no_reply if isinstance(no_reply, bool) else None,
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


# --------------------------------------------------------------------------- DSN received

DELIVERY_ACTIONS: dict[str, str] = {
    "delivered": "délivré à {recipient}",
    "failed": "échec de remise à {recipient}",
    "delayed": "remise retardée pour {recipient}",
    "relayed": "relayé vers {recipient} (sans avis de distribution au-delà)",
    "expanded": "distribué à {recipient}, liste de diffusion",
}
"""French wording of an RFC 3464 §2.3.3 ``Action`` in the order's history."""


def delivery_label(action: str, recipient: str) -> str:
    """What the operator said for ``recipient``, in French (``action`` lower case)."""
    template = DELIVERY_ACTIONS.get(action, "« {action} » pour {recipient}")
    return template.format(action=action, recipient=recipient)


def record_delivery_status(
    session: Session,
    message_id: str,
    *,
    recipient: str,
    action: str,
    status: str,
    by: str | None = None,
    at: datetime | None = None,
) -> SendOrder | None:
    """Note on the MSSanté order that sent ``message_id`` what the operator's delivery
    status notification (RFC 3464) says of ``recipient``: an event of the order's history
    ("délivré à …", "échec de remise à …", with the ``X.Y.Z`` status; a failure's status
    is its ``error_code`` too). The order's state stays what it is: the message left.

    Returns the order, or None when no order sent that Message-ID (a message sent by
    another software). The same notification read twice is noted once.
    """
    key = message_id.strip()
    if not key.startswith("<"):
        key = f"<{key}>"
    order = session.scalar(select(SendOrder).where(SendOrder.idempotency_key == f"mss:{key}"))
    if order is None:
        return None
    action = action.strip().lower()
    reason = f"Accusé de réception MSSanté : {delivery_label(action, recipient)}" + (
        f" (statut {status})." if status else "."
    )
    seen = session.scalar(
        select(SendOrderEvent.id)
        .where(SendOrderEvent.order_id == order.id, SendOrderEvent.reason == reason)
        .limit(1)
    )
    if seen is not None:
        return order
    session.add(
        SendOrderEvent(
            order_id=order.id,
            at=at or utcnow(),
            from_state=order.state,
            to_state=order.state,
            by=by,
            reason=reason,
            error_code=(status or action)[:80] if action == "failed" else None,
        )
    )
    session.flush()
    return order
