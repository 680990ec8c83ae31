"""Receiving MSSanté messages into the local record: documents, acknowledgements, refusals.

:func:`fetch_mailbox` reads the messages of one mailbox's INBOX that esante has not dealt
with yet, over IMAP (``BODY.PEEK``: reading changes no flag), and, for each one:

* an **acknowledgement** (RFC 8098 MDN) of a message the practice sent is noted on the
  send order that sent it (:func:`esante.outbox.record_acknowledgement`) and traced;
* a **message with an IHE_XDM.ZIP** — in the message itself or in a forwarded message
  attached to it — is checked (:func:`esante.mss.read_message`, lenient: hard limits on
  the archive and hashes refuse it; missing or mismatching ``X-MSS-*`` headers, the
  sender's duty, only give a remark in the report's ``notes``), each CDA document is
  matched to a local patient by its INS and stored with its provenance (``mssante``,
  ``<Message-ID> de <expéditeur>``) — all the documents of one message in *one*
  transaction, so that a message is never half-imported — and each import is traced;
  then the acknowledgement the sender asked for is sent (``processed``, or
  ``processed/Error`` with the volet's ``code^libellé``);
* what cannot be imported automatically stays in the INBOX, not marked processed, for a
  person to look at in any mail client, marked with an IMAP keyword saying why:
  :data:`KEYWORD_ERROR` (bad input: malformed or hostile archive, wrong hash, missing
  headers, not XDM — never retried) or :data:`KEYWORD_UNKNOWN_PATIENT` (no local patient
  with the documents' INS, or the traits disagree — retried at every fetch, since the
  patient may be created meanwhile).

What esante has dealt with is esante's own state, never the ``\\Seen`` flag: the user
reads the same mailbox in a mail client (``\\Seen`` then says what *the user* has read,
and a message read there before a fetch must still be imported; marked unread again, it
must not be imported twice). The mailbox is the queue and esante's own marks are its
state: a message is marked processed (``$Processed``, with ``\\Seen``) only after its
documents are committed and its acknowledgement sent, refused messages carry
:data:`KEYWORD_ERROR`, and the documents already in the record are recognised by their
Message-ID. A fetch takes every INBOX message without ``$Processed`` nor
:data:`KEYWORD_ERROR`, read or not, so a crash anywhere leaves the message to the next
fetch. That next fetch finds the documents already there (same Message-ID), imports
nothing and acknowledges again: a sender that resends with the same Message-ID after an
uncertain outcome gets the same treatment. Duplicates are found through the documents'
uniqueIds (indexed), not by scanning the provenance column. A transient failure (operator
unreachable when acknowledging, a concurrent import of the same message) leaves the
message as it was, for the next fetch.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from esante import audit
from esante.cda import CdaReadError
from esante.cda.read import ReceivedDocument, read_document, read_vsm
from esante.identity import TraitsError, ins_name
from esante.mss import (
    DispositionType,
    FetchedMessage,
    ImapMailbox,
    MdnError,
    MssClient,
    MssError,
    MssFormatError,
    MssUnavailableError,
    ReceivedMdn,
    ReceivedMessage,
    XdmDocument,
    XdmError,
    build_mdn,
    is_mdn,
    read_mdn,
    read_message,
)
from esante.mss.mdn import ERROR_LABELS
from esante.outbox import record_acknowledgement
from esante.practice.errors import PracticeError
from esante.practice.mss_sender import record_delivery_status
from esante.practice.received import is_structured_vsm, received_row
from esante.practice.record_lists import file_vsm
from esante.store import Document, Patient, Practitioner, Structure, utcnow

__all__ = [
    "AUDIT_ACKNOWLEDGEMENT",
    "AUDIT_DELIVERY_STATUS",
    "AUDIT_RECEPTION",
    "DeliveryReport",
    "KEYWORD_ERROR",
    "KEYWORD_UNKNOWN_PATIENT",
    "ImportedDocument",
    "InboxReport",
    "PostponedMessage",
    "RecordedAcknowledgement",
    "KEYWORD_MDN_WITHHELD",
    "RefusedMessage",
    "WithheldAcknowledgement",
    "fetch_mailbox",
    "release_acknowledgement",
    "withheld_acknowledgements",
]

KEYWORD_ERROR: Final = "$EsanteErreur"
"""IMAP keyword of a message refused for good (bad input); fetches skip it."""
KEYWORD_UNKNOWN_PATIENT: Final = "$EsantePatientInconnu"
"""IMAP keyword of a message whose patient is not (or not surely) in the local record."""
KEYWORD_MDN_WITHHELD: Final = "$EsanteAccuseRetenu"
"""IMAP keyword of a message whose acknowledgement waits for the user's confirmation
(its MDN address is not its Return-Path); the mailbox keeps that state, no table does."""
_KEYWORD_MDN_ERROR: Final = "$EsanteAccuseErreur"
"""Prefix of the keyword carrying the error code of a withheld negative acknowledgement."""
AUDIT_RECEPTION: Final = "reception"
AUDIT_ACKNOWLEDGEMENT: Final = "accuse_reception_recu"
AUDIT_ACKNOWLEDGEMENT_SENT: Final = "accuse_reception_envoye"
AUDIT_DELIVERY_STATUS: Final = "avis_distribution_recu"

ERROR_REQUIRED: Final = "101"
ERROR_VERSION: Final = "900"
ERROR_UNKNOWN_PATIENT: Final = "902"
ERROR_NO_INS: Final = "903"
ERROR_INS_MISMATCH: Final = "904"
ERROR_OTHER: Final = "906"

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_MAX_DETAIL = 300


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ImportedDocument:
    """A received document now in the local record."""

    message_id: str
    sender: str
    document_id: int
    unique_id: str
    patient_id: int
    title: str


@dataclass(frozen=True)
class RecordedAcknowledgement:
    """An acknowledgement received for a message sent earlier.

    ``disposition``: ``processed``, ``error``, ``displayed`` or ``deleted``; ``error``
    the recipient's ``code^libellé``; ``order_id`` the send order it was noted on (None
    when no order of this practice sent that message).
    """

    original_message_id: str
    final_recipient: str
    disposition: str
    error: str | None = None
    order_id: int | None = None


@dataclass(frozen=True)
class RefusedMessage:
    """A message left in the mailbox for a person: why (French), the volet's error code,
    and whether the sender was told (negative acknowledgement sent)."""

    uid: int
    message_id: str | None
    sender: str | None
    subject: str
    reason: str
    code: str
    detail: str | None = None
    acknowledged: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    """A delivery status notification received (RFC 3464): the operator says what became
    of a message sent from this mailbox for one recipient (``action``: ``delivered``,
    ``failed``, ``delayed``...; ``status`` the ``X.Y.Z`` code). ``order_id``: the send
    order it was noted on (None when no order of this practice sent that message)."""

    original_message_id: str | None
    recipient: str
    action: str
    status: str
    order_id: int | None = None


@dataclass(frozen=True)
class WithheldAcknowledgement:
    """An acknowledgement not sent automatically because the sender asked for it at
    another address than the message's Return-Path (RFC 8098 §2.1): both shown to the
    user, who may send it (:func:`release_acknowledgement`). ``error_code`` is set for a
    negative acknowledgement (the message was refused)."""

    uid: int
    message_id: str
    sender: str
    subject: str
    notify: str
    return_path: str
    error_code: str | None = None


@dataclass(frozen=True)
class PostponedMessage:
    """A message left as it was after a transient failure; the next fetch takes it again."""

    uid: int
    message_id: str | None
    reason: str


@dataclass
class InboxReport:
    """What one :func:`fetch_mailbox` did.

    ``refused``: bad input (flagged :data:`KEYWORD_ERROR`); ``unknown_patients``: messages
    whose patient could not be matched (flagged :data:`KEYWORD_UNKNOWN_PATIENT`, tried
    again next time); ``duplicates``: Message-IDs already imported, acknowledged again;
    ``skipped_documents``: uniqueIds already in the record (imported another way);
    ``notes``: French remarks for the user; ``remaining``: messages not dealt with left beyond
    ``limit``.
    """

    address: str
    imported: list[ImportedDocument] = field(default_factory=list)
    acknowledgements: list[RecordedAcknowledgement] = field(default_factory=list)
    refused: list[RefusedMessage] = field(default_factory=list)
    unknown_patients: list[RefusedMessage] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped_documents: list[str] = field(default_factory=list)
    postponed: list[PostponedMessage] = field(default_factory=list)
    withheld: list[WithheldAcknowledgement] = field(default_factory=list)
    delivery_reports: list[DeliveryReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    acknowledgements_sent: int = 0
    messages_processed: int = 0
    remaining: int = 0


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Owner:
    """Who the mailbox belongs to, as the trace names the actor."""

    actor_id: str | None = None
    actor_name: str | None = None
    structure_id: str | None = None


@dataclass(frozen=True)
class _Refusal:
    """Why a message cannot be imported automatically."""

    reason: str
    code: str
    detail: str | None = None
    unknown_patient: bool = False
    patient_ins: str | None = None


class _PostponedError(PracticeError):
    """Leave the message as it is: a transient failure, the next fetch retries.

    Never leaves this module: :meth:`_Inbox.process` turns it into a
    :class:`PostponedMessage` of the report.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Parsed:
    document: XdmDocument
    cda: ReceivedDocument


def _now(value: datetime | None) -> datetime:
    moment = value or utcnow()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cut(text: str | None, limit: int = _MAX_DETAIL) -> str | None:
    return None if text is None else text[:limit]


def _error_code(exc: MssFormatError) -> str:
    """The volet's code for a refused message: a missing header is 101 (Required field
    missing); a bad archive or anything else 906 (Erreur « Autre »)."""
    if isinstance(exc, XdmError):
        return ERROR_OTHER
    return ERROR_REQUIRED if (exc.detail or "").startswith("no ") else ERROR_OTHER


def _first_address(message: EmailMessage, name: str) -> tuple[str, str] | None:
    values = [str(value) for value in message.get_all(name) or []]
    found = [(address, label) for label, address in getaddresses(values) if "@" in address]
    return (found[0][0], found[0][1]) if found else None


def _reply_original(data: bytes, moment: datetime) -> ReceivedMessage | None:
    """Enough of a refused message to acknowledge it (sender, Message-ID, subject).

    :func:`read_message` refused it, so it is read leniently here, only to answer; None
    when it cannot be answered (no sender, no usable Message-ID).
    """
    try:
        parsed = BytesParser(policy=default_policy).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        sender = _first_address(parsed, "From")
        found = _MESSAGE_ID.search(str(parsed.get("Message-ID", "")))
        notify = _first_address(parsed, "Disposition-Notification-To")
        subject = " ".join(str(parsed.get("Subject", "")).split())
        try:
            date = parsedate_to_datetime(str(parsed.get("Date", "")))
        except (TypeError, ValueError):
            date = moment
    except (AttributeError, LookupError, TypeError, ValueError):  # header parser edge cases
        return None
    if sender is None or found is None:
        return None
    return ReceivedMessage(
        message_id=found.group(0),
        sender=sender[0],
        sender_name=sender[1],
        to=(),
        cc=(),
        subject=subject,
        date=date,
        body="",
        disposition_notification_to=notify[0] if notify else None,
        message=parsed,
    )


def _is_delivery_status(headers: EmailMessage) -> bool:
    return (
        headers.get_content_type() == "multipart/report"
        and str(headers.get_param("report-type") or "").lower() == "delivery-status"
    )


def _status_blocks(part: Message) -> list[EmailMessage]:
    """The field blocks of a ``message/delivery-status`` part (RFC 3464 §2.1): the parser's
    own split; for a part sent in base64 (which the parser splits as if it were plain), the
    decoded text cut at its blank lines."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    blocks = [b for b in payload if isinstance(b, EmailMessage)]
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "base64":
        return blocks
    encoded = "".join(str(b.get_payload()) for b in blocks if isinstance(b.get_payload(), str))
    text = base64.b64decode(encoded).replace(b"\r\n", b"\n")
    decoded = []
    for chunk in re.split(rb"\n[ \t]*\n", text):
        if chunk.strip():
            block = BytesParser(policy=default_policy).parsebytes(chunk + b"\n\n")
            assert isinstance(block, EmailMessage)
            decoded.append(block)
    return decoded


def _original_ids(message: EmailMessage, per_message: EmailMessage | None) -> list[str]:
    """The Message-IDs the notification may be about, best first: the envelope id the
    sender gave (``Original-Envelope-Id``: esante gives the Message-ID), ``In-Reply-To``,
    the returned message's own ``Message-ID``, the last of ``References``."""
    found: list[str] = []
    if per_message is not None:
        found += _MESSAGE_ID.findall(str(per_message.get("Original-Envelope-Id", "")))
    found += _MESSAGE_ID.findall(str(message.get("In-Reply-To", "")))
    for part in message.iter_parts():
        kind = part.get_content_type()
        returned: Message | None = None
        if kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                returned = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
        elif kind == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            returned = first if isinstance(first, Message) else None
        if returned is not None:
            found += _MESSAGE_ID.findall(str(returned.get("Message-ID", "")))
    found += _MESSAGE_ID.findall(str(message.get("References", "")))[-1:]
    return list(dict.fromkeys(found))


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def _delivery_reports(message: EmailMessage) -> tuple[list[DeliveryReport], list[str], list[str]]:
    """The per-recipient blocks of a delivery status notification (RFC 3464 §2), the
    Message-IDs it may be about, and what was wrong with it (French remarks).

    A block without ``Final-Recipient`` or ``Action`` is left out with a remark; the others
    are kept.
    """
    blocks: list[EmailMessage] = []
    for part in message.iter_parts():
        if part.get_content_type() == "message/delivery-status":
            blocks = _status_blocks(part)
            break
    if not blocks:
        return [], [], ["pas de partie message/delivery-status lisible"]
    candidates = _original_ids(message, blocks[0])
    original = candidates[0] if candidates else None
    found: list[DeliveryReport] = []
    problems: list[str] = []
    for number, block in enumerate(blocks[1:], start=1):
        final = _one_line(block.get("Final-Recipient"))
        action = _one_line(block.get("Action")).lower()
        if not final or not action:
            problems.append(f"bloc destinataire n°{number} sans Final-Recipient ni Action")
            continue
        kind, _, address = final.partition(";")
        found.append(
            DeliveryReport(
                original,
                address.strip() if kind.strip().lower() == "rfc822" else final,
                action,
                _one_line(block.get("Status")),
            )
        )
    if not found and not problems:
        problems.append("aucun bloc destinataire")
    return found, candidates, problems


def _return_path(message: EmailMessage) -> str | None:
    """The Return-Path the operator wrote (the SMTP reverse-path), None when absent/null."""
    found = _first_address(message, "Return-Path")
    return found[0] if found else None


def _withheld_keywords(error: MdnError | None) -> tuple[str, ...]:
    code = "".join(c for c in (error.code if error is not None else "") if c.isalnum())
    return (KEYWORD_MDN_WITHHELD, *([f"{_KEYWORD_MDN_ERROR}{code}"] if code else []))


def _disposition(mdn: ReceivedMdn) -> str:
    if mdn.is_error:
        return "error"
    kind = mdn.disposition.type.lower()
    if kind in (DispositionType.DISPLAYED, DispositionType.DELETED):
        return kind
    return "processed"  # processed, or dispatched (forwarded, printed): handled


def _patient_ins(patient: Patient) -> str | None:
    if not patient.ins_matricule:
        return None
    if not patient.ins_oid:
        return patient.ins_matricule
    return f"{patient.ins_matricule}^^^&{patient.ins_oid}&ISO"


def _same_name(left: str, right: str) -> bool:
    try:
        return ins_name(left) == ins_name(right)
    except TraitsError:
        return " ".join(left.casefold().split()) == " ".join(right.casefold().split())


def _find_patient(session: Session, cda: ReceivedDocument) -> Patient | _Refusal:
    """The local patient of a received document, by INS, its traits checked."""
    person = cda.patient
    matricule = (person.ins_matricule or "").strip().upper()
    if not matricule:
        return _Refusal(
            "Le document ne porte pas l'INS du patient : rapprochement automatique impossible.",
            ERROR_NO_INS,
            detail="no INS in recordTarget/patientRole/id",
            unknown_patient=True,
        )
    wire_ins = f"{matricule}^^^&{person.ins_oid}&ISO" if person.ins_oid else matricule
    candidates = list(session.scalars(select(Patient).where(Patient.ins_matricule == matricule)))
    exact = [p for p in candidates if p.ins_oid in (None, person.ins_oid)]
    if not exact:
        return _Refusal(
            "Patient inconnu : aucun patient du cabinet n'a l'INS du document.",
            ERROR_UNKNOWN_PATIENT,
            detail=f"{len(candidates)} local patient(s) with that matricule, none with its OID",
            unknown_patient=True,
            patient_ins=wire_ins,
        )
    patient = exact[0]
    if patient.birth_date != person.birth_date or not _same_name(
        patient.birth_family_name, person.birth_family_name
    ):
        return _Refusal(
            "L'INS du document est celle d'un patient du cabinet, mais les traits d'identité "
            "(nom de naissance, date de naissance) ne correspondent pas : vérification "
            "manuelle nécessaire.",
            ERROR_INS_MISMATCH,
            detail=f"traits differ from local patient {patient.id}",
            unknown_patient=True,
            patient_ins=wire_ins,
        )
    return patient


def _owner(session: Session, address: str) -> _Owner:
    wanted = address.strip().lower()
    practitioner = session.scalar(
        select(Practitioner).where(func.lower(Practitioner.mssante_address) == wanted).limit(1)
    )
    if practitioner is not None:
        structure = practitioner.structure
        return _Owner(
            practitioner.id_nat_ps,
            f"{practitioner.given_name} {practitioner.family_name}".strip(),
            structure.id_nat_struct if structure else None,
        )
    structure_id = session.scalar(
        select(Structure.id_nat_struct).where(func.lower(Structure.mssante_address) == wanted)
    )
    return _Owner(structure_id=structure_id)


def _mdn_text(reason: str, error: MdnError) -> str:
    return (
        "Bonjour,\n\nLe message ci-dessous n'a pas pu être intégré automatiquement dans le "
        f"logiciel du destinataire pour la raison suivante : {reason}\n"
        f"Erreur : {error.to_field()}.\n\n"
        "Veuillez vérifier les informations transmises et envoyer à nouveau les documents "
        "après correction.\n"
    )


# --------------------------------------------------------------------------- the fetch


class _Inbox:
    """One fetch of one mailbox (see :func:`fetch_mailbox`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: MssClient,
        box: ImapMailbox,
        *,
        address: str,
        product_reference: str,
        send_acknowledgements: bool,
        now: datetime,
        owner: _Owner,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.box = box
        self.address = address
        self.product_reference = product_reference
        self.send_acknowledgements = send_acknowledgements
        self.now = now
        self.owner = owner
        self.report = InboxReport(address=address)

    # ------------------------------------------------------------------ dispatch

    def process(self, uid: int) -> None:
        fetched = self.box.fetch(uid)
        if fetched is None:  # expunged meanwhile (another client)
            return
        try:
            if fetched.data is None:
                self._refuse(
                    fetched,
                    None,
                    _Refusal(
                        "Message trop volumineux pour être téléchargé.",
                        ERROR_OTHER,
                        detail=f"{fetched.size} bytes",
                    ),
                )
                return
            headers = BytesParser(policy=default_policy).parsebytes(fetched.data, headersonly=True)
            if is_mdn(headers):
                self._acknowledgement(fetched, fetched.data)
            elif _is_delivery_status(headers):
                self._delivery_status(fetched, fetched.data)
            else:
                self._message(fetched, fetched.data)
        except _PostponedError as postponed:
            self.report.postponed.append(PostponedMessage(uid, None, postponed.reason))
            return
        except OperationalError as exc:  # locked or unreachable database: nothing committed
            self.report.postponed.append(
                PostponedMessage(
                    uid,
                    None,
                    "Base de données indisponible ou occupée : le message sera repris au "
                    f"prochain relevé ({type(exc.orig).__name__}).",
                )
            )
            return
        self.report.messages_processed += 1

    # ------------------------------------------------------------------ MDN received

    def _acknowledgement(self, fetched: FetchedMessage, data: bytes) -> None:
        try:
            mdn = read_mdn(data)
        except MssFormatError as exc:
            self._refuse(
                fetched, None, _Refusal(exc.message, _error_code(exc), exc.detail), answer=False
            )
            return
        disposition = _disposition(mdn)
        error = mdn.error.to_field() if mdn.error is not None and mdn.error.code else None
        at = mdn.date.astimezone(UTC) if mdn.date and mdn.date.tzinfo else self.now
        with self.sessions() as session:
            order = record_acknowledgement(
                session,
                mdn.original_message_id,
                disposition=disposition,
                detail=error,
                by=_cut(mdn.final_recipient, 120),
                at=at,
            )
            if order is not None:
                document = order.document
                audit.append(
                    session,
                    audit.AuditEvent(
                        channel="mss",
                        action=AUDIT_ACKNOWLEDGEMENT,
                        outcome="refused" if disposition == "error" else "success",
                        actor_id=self.owner.actor_id,
                        actor_name=self.owner.actor_name,
                        structure_id=self.owner.structure_id,
                        patient_ins=_patient_ins(order.patient),
                        document_unique_id=document.unique_id if document else None,
                        detail=f"{mdn.original_message_id} : {disposition}"
                        + (f" ({error})" if error else "")
                        + f" de {mdn.final_recipient}",
                        at=self.now,
                    ),
                )
            order_id = order.id if order is not None else None
            session.commit()
        self.report.acknowledgements.append(
            RecordedAcknowledgement(
                mdn.original_message_id, mdn.final_recipient, disposition, error, order_id
            )
        )
        self.box.mark_processed([fetched.uid])

    # ------------------------------------------------------------------ DSN received

    def _delivery_status(self, fetched: FetchedMessage, data: bytes) -> None:
        """A delivery status notification (RFC 3464) for a message this mailbox sent: the
        volet's *accusé de réception MSSanté* (the operator's, not the recipient's).

        Each recipient's block is noted on the send order that sent the message, matched
        by Message-ID (:func:`esante.practice.mss_sender.record_delivery_status`: "délivré", "échec
        de remise"...) and traced. A notification that cannot be read is left in the
        mailbox with a remark (flagged :data:`KEYWORD_ERROR`), never answered.
        """
        try:
            parsed = BytesParser(policy=default_policy).parsebytes(data)
            assert isinstance(parsed, EmailMessage)
            reports, candidates, problems = _delivery_reports(parsed)
        except (AttributeError, LookupError, TypeError, ValueError, UnicodeError) as exc:
            reports, candidates, problems = [], [], [f"illisible ({type(exc).__name__})"]
        if not reports:
            self.report.notes.append(
                f"Avis de distribution (uid {fetched.uid}) illisible, laissé dans la boîte : "
                + "; ".join(problems)
                + "."
            )
            self._refuse(
                fetched,
                None,
                _Refusal(
                    "Avis de distribution illisible.",
                    ERROR_OTHER,
                    detail="; ".join(problems)[:_MAX_DETAIL],
                ),
                answer=False,
            )
            return
        if problems:
            self.report.notes.append(
                f"Avis de distribution (uid {fetched.uid}) en partie illisible : "
                + "; ".join(problems)
                + "."
            )
        sender = _first_address(parsed, "From")
        reporter = _cut(sender[0], 120) if sender else None
        noted: list[DeliveryReport] = []
        with self.sessions() as session:
            for item in reports:
                order, matched = None, item.original_message_id
                for candidate in candidates:
                    order = record_delivery_status(
                        session,
                        candidate,
                        recipient=item.recipient,
                        action=item.action,
                        status=item.status,
                        by=reporter,
                        at=self.now,
                    )
                    if order is not None:
                        matched = candidate
                        break
                if order is None:
                    noted.append(item)
                    continue
                noted.append(
                    dataclasses.replace(item, original_message_id=matched, order_id=order.id)
                )
                document = order.document
                audit.append(
                    session,
                    audit.AuditEvent(
                        channel="mss",
                        action=AUDIT_DELIVERY_STATUS,
                        outcome="failure" if item.action == "failed" else "success",
                        actor_id=self.owner.actor_id,
                        actor_name=self.owner.actor_name,
                        structure_id=self.owner.structure_id,
                        patient_ins=_patient_ins(order.patient),
                        document_unique_id=document.unique_id if document else None,
                        detail=f"{matched} : {item.action} {item.status} pour {item.recipient}",
                        at=self.now,
                    ),
                )
            session.commit()
        self.report.delivery_reports.extend(noted)
        self.box.mark_processed([fetched.uid])

    # ------------------------------------------------------------------ message received

    def _message(self, fetched: FetchedMessage, data: bytes) -> None:
        try:
            received = read_message(data, strict=False)
        except MssFormatError as exc:
            self._refuse(fetched, None, _Refusal(exc.message, _error_code(exc), exc.detail))
            return
        if received.xdm is None:
            self._refuse(
                fetched,
                received,
                _Refusal(
                    "Message sans archive IHE_XDM.ZIP : rien à intégrer automatiquement.",
                    ERROR_REQUIRED,
                    detail="no IHE_XDM.ZIP attachment",
                ),
            )
            return
        parsed: list[_Parsed] = []
        for number, document in enumerate(received.documents, start=1):
            if not document.is_cda:
                self.report.notes.append(
                    f"{received.message_id} : document n°{number} non CDA "
                    f"({document.entry.mime_type}) non intégré."
                )
                continue
            if document.action == "D":
                self._refuse(
                    fetched,
                    received,
                    _Refusal(
                        f"L'expéditeur demande la suppression du document n°{number} : "
                        "à traiter manuellement.",
                        ERROR_OTHER,
                        detail="XDM action D (deletion) is not applied automatically",
                    ),
                )
                return
            try:
                parsed.append(_Parsed(document, read_document(document.data)))
            except CdaReadError as exc:
                self._refuse(
                    fetched,
                    received,
                    _Refusal(
                        f"Document n°{number} illisible : {exc.message}", ERROR_OTHER, exc.detail
                    ),
                )
                return
        if not parsed:
            self._refuse(
                fetched,
                received,
                _Refusal(
                    "L'archive IHE_XDM.ZIP ne contient aucun document CDA à intégrer.",
                    ERROR_OTHER,
                    detail="no text/xml document in the package",
                ),
            )
            return
        outcome = self._store(received, parsed)
        if isinstance(outcome, _Refusal):
            self._refuse(fetched, received, outcome)
            return
        self.report.notes.extend(
            f"{received.message_id} : intégré avec remarque — {warning}"
            for warning in received.warnings
        )
        self._answer(fetched.uid, received, None)
        self.box.mark_processed([fetched.uid])
        if KEYWORD_UNKNOWN_PATIENT in fetched.flags:
            self.box.remove_flags([fetched.uid], KEYWORD_UNKNOWN_PATIENT)

    def _store(self, received: ReceivedMessage, parsed: Sequence[_Parsed]) -> _Refusal | None:
        """Store the message's documents in one transaction (or nothing)."""
        provenance = f"{received.message_id} de {received.sender}"
        unique_ids = [str(p.cda.document_id) for p in parsed]
        imported: list[ImportedDocument] = []
        with self.sessions() as session:
            rows = session.execute(
                select(Document.unique_id, Document.provenance_detail).where(
                    Document.unique_id.in_(unique_ids)
                )
            )
            present: dict[str, str | None] = {row[0]: row[1] for row in rows}
            if any(
                (detail or "").startswith(f"{received.message_id} ") for detail in present.values()
            ):
                self.report.duplicates.append(received.message_id)
                return None
            patients: list[Patient] = []
            for item in parsed:
                found = _find_patient(session, item.cda)
                if isinstance(found, _Refusal):
                    return found
                patients.append(found)
            for item, patient in zip(parsed, patients, strict=True):
                unique_id = str(item.cda.document_id)
                if unique_id in present:
                    self.report.skipped_documents.append(unique_id)
                    continue
                conflict = self._version_conflict(session, item.cda)
                if conflict is not None:
                    return conflict
                document = self._document(session, item, patient, provenance, received.date)
                session.add(document)
                try:
                    session.flush()
                except IntegrityError as exc:  # a concurrent fetch imported it
                    session.rollback()
                    raise _PostponedError(
                        "Import concurrent du même message : il sera repris au prochain relevé."
                    ) from exc
                if is_structured_vsm(item.cda):
                    # the same model as a DMP import: its lists feed the record
                    file_vsm(
                        session,
                        patient.id,
                        read_vsm(item.cda),
                        source="mssante",
                        document_id=document.id,
                        recorded_by=None,
                        now=self.now,
                    )
                audit.append(
                    session,
                    audit.AuditEvent(
                        channel="mss",
                        action=AUDIT_RECEPTION,
                        outcome="success",
                        actor_id=self.owner.actor_id,
                        actor_name=self.owner.actor_name,
                        structure_id=self.owner.structure_id,
                        patient_ins=_patient_ins(patient),
                        document_unique_id=unique_id,
                        detail=provenance,
                        at=self.now,
                    ),
                )
                imported.append(
                    ImportedDocument(
                        received.message_id,
                        received.sender,
                        document.id,
                        unique_id,
                        patient.id,
                        document.title,
                    )
                )
            try:
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                raise _PostponedError(
                    "Import concurrent du même message : il sera repris au prochain relevé."
                ) from exc
        self.report.imported.extend(imported)
        return None

    @staticmethod
    def _version_conflict(session: Session, cda: ReceivedDocument) -> _Refusal | None:
        set_id = str(cda.set_id or cda.document_id)
        version = cda.version or 1
        taken = session.scalar(
            select(Document.unique_id).where(
                Document.set_id == set_id, Document.version_number == version
            )
        )
        if taken is None:
            return None
        return _Refusal(
            f"Une autre version n°{version} de ce document existe déjà dans le dossier.",
            ERROR_VERSION,
            detail=f"set {set_id} version {version} held by {taken}",
        )

    def _document(
        self, session: Session, item: _Parsed, patient: Patient, provenance: str, date: datetime
    ) -> Document:
        entry_class = item.document.entry.class_code
        return received_row(
            session,
            item.cda,
            item.document.data,
            patient,
            provenance="mssante",
            detail=provenance,
            at=self.now,
            class_code=entry_class.code if entry_class else None,
            dated=date,
        )

    # ------------------------------------------------------------------ refusals, answers

    def _refuse(
        self,
        fetched: FetchedMessage,
        received: ReceivedMessage | None,
        refusal: _Refusal,
        *,
        answer: bool = True,
    ) -> None:
        """Leave the message unprocessed, flagged, traced once; tell the sender when asked."""
        keyword = KEYWORD_UNKNOWN_PATIENT if refusal.unknown_patient else KEYWORD_ERROR
        already = keyword in fetched.flags
        original = received
        if original is None and fetched.data is not None and answer:
            original = _reply_original(fetched.data, self.now)
        acknowledged = False
        if answer and original is not None and not already:
            code = refusal.code
            error = MdnError(code, ERROR_LABELS.get(code, ""))
            acknowledged = self._answer(
                fetched.uid, original, error, _mdn_text(refusal.reason, error)
            )
        if not already:  # traced first: a lost flag means a second trace, never none
            audit.append_committed(
                self.sessions,
                audit.AuditEvent(
                    channel="mss",
                    action=AUDIT_RECEPTION,
                    outcome="refused",
                    actor_id=self.owner.actor_id,
                    actor_name=self.owner.actor_name,
                    structure_id=self.owner.structure_id,
                    patient_ins=refusal.patient_ins,
                    detail=f"{original.message_id if original else f'uid {fetched.uid}'}"
                    + f" de {original.sender if original else 'expéditeur inconnu'} : "
                    + f"{refusal.code} {refusal.reason}"[:500],
                    at=self.now,
                ),
            )
            self.box.add_flags([fetched.uid], keyword)
        entry = RefusedMessage(
            uid=fetched.uid,
            message_id=original.message_id if original else None,
            sender=original.sender if original else None,
            subject=original.subject if original else "",
            reason=refusal.reason,
            code=refusal.code,
            detail=refusal.detail,
            acknowledged=acknowledged,
        )
        if refusal.unknown_patient:
            self.report.unknown_patients.append(entry)
        else:
            self.report.refused.append(entry)

    def _answer(
        self,
        uid: int,
        original: ReceivedMessage,
        error: MdnError | None,
        text: str | None = None,
    ) -> bool:
        """Send the acknowledgement ``original`` asked for; True when it left.

        An automatic answer is never sent to an automatic message (RFC 3834 §2: any
        ``Auto-Submitted`` other than ``no``): a remark says so. Nor when the MDN address
        differs from the Return-Path (RFC 8098 §2.1: a person must confirm): the message
        is marked :data:`KEYWORD_MDN_WITHHELD` (with the error code, if any), listed in
        the report's ``withheld`` with both addresses, and
        :func:`release_acknowledgement` sends it once the user confirms.
        Transient failures postpone the whole message; a permanent one is noted.
        """
        if not (self.send_acknowledgements and original.wants_mdn):
            return False
        automatic = " ".join(str(original.message.get("Auto-Submitted", "no")).split()).lower()
        if automatic not in ("", "no"):
            self.report.notes.append(
                f"{original.message_id} : accusé de réception demandé mais non envoyé — "
                f"message automatique (Auto-Submitted: {automatic}), on n'y répond pas "
                "automatiquement."
            )
            return False
        notify = original.disposition_notification_to or ""
        return_path = _return_path(original.message)
        if return_path is not None and return_path.lower() != notify.lower():
            self.box.add_flags([uid], *_withheld_keywords(error))
            self.report.withheld.append(
                WithheldAcknowledgement(
                    uid,
                    original.message_id,
                    original.sender,
                    original.subject,
                    notify,
                    return_path,
                    error.code if error is not None else None,
                )
            )
            self.report.notes.append(
                f"{original.message_id} : accusé de réception retenu — il est demandé pour "
                f"{notify} alors que l'adresse de retour est {return_path} ; à envoyer après "
                "confirmation (esante mss accuses)."
            )
            return False
        try:
            mdn = build_mdn(
                original,
                sender=self.address,
                product_reference=self.product_reference,
                error=error,
                text=text,
                now=self.now,
            )
            data = mdn.to_bytes()
            if len(data) > self.client.endpoints.max_message_bytes:  # the original was big
                data = build_mdn(
                    original,
                    sender=self.address,
                    product_reference=self.product_reference,
                    error=error,
                    text=text,
                    return_content=False,
                    now=self.now,
                ).to_bytes()
            self.client.send(data, recipients=mdn.recipients, null_sender=True)
        except MssUnavailableError as exc:
            raise _PostponedError(f"Accusé de réception non envoyé : {exc.message}") from exc
        except MssError as exc:
            self.report.notes.append(
                f"{original.message_id} : accusé de réception non envoyé ({exc.message})"
            )
            return False
        self.report.acknowledgements_sent += 1
        return True


def fetch_mailbox(
    sessions: sessionmaker[Session],
    client: MssClient,
    *,
    address: str,
    product_reference: str,
    send_acknowledgements: bool = True,
    limit: int = 100,
    now: datetime | None = None,
) -> InboxReport:
    """Read the messages of ``address``'s INBOX that esante has not dealt with yet (read
    in a mail client or not: ``\\Seen`` is the user's) into the local record.

    ``client`` is authenticated as ``address`` (IMAP to read, SMTP to acknowledge);
    ``product_reference`` is the ``X-MSS-NIL`` of the acknowledgements sent;
    ``send_acknowledgements`` False never answers (the MDNs asked for are then left to
    the user); at most ``limit`` messages are taken, oldest first. Messages already
    refused (:data:`KEYWORD_ERROR`) are not read again. See the module docstring for what
    happens to each message.

    Raises :class:`~esante.mss.MssUnavailableError` / :class:`~esante.mss.MssSendError`
    when the mailbox cannot be opened or the IMAP server refuses a command; what was done
    before stays done (each message is committed and flagged on its own).
    """
    moment = _now(now)
    with sessions() as session:
        owner = _owner(session, address)
    with client.mailbox() as box:
        uids = box.unprocessed(KEYWORD_ERROR)
        inbox = _Inbox(
            sessions,
            client,
            box,
            address=address,
            product_reference=product_reference,
            send_acknowledgements=send_acknowledgements,
            now=moment,
            owner=owner,
        )
        taken = uids[: max(0, limit)]
        inbox.report.remaining = len(uids) - len(taken)
        for uid in taken:
            inbox.process(uid)
    return inbox.report


# --------------------------------------------------------------------------- withheld MDNs


def _withheld(fetched: FetchedMessage, moment: datetime) -> WithheldAcknowledgement | None:
    if fetched.data is None:
        return None
    original = _reply_original(fetched.data, moment)
    if original is None or original.disposition_notification_to is None:
        return None
    code = next(
        (f[len(_KEYWORD_MDN_ERROR) :] for f in fetched.flags if f.startswith(_KEYWORD_MDN_ERROR)),
        None,
    )
    return WithheldAcknowledgement(
        fetched.uid,
        original.message_id,
        original.sender,
        original.subject,
        original.disposition_notification_to,
        _return_path(original.message) or "",
        code or None,
    )


def withheld_acknowledgements(client: MssClient) -> list[WithheldAcknowledgement]:
    """The acknowledgements of ``client``'s INBOX waiting for the user's confirmation
    (see :func:`release_acknowledgement`), oldest first. Reads without changing a flag."""
    moment = _now(None)
    found: list[WithheldAcknowledgement] = []
    with client.mailbox(read_only=True) as box:
        for uid in box.search("KEYWORD", KEYWORD_MDN_WITHHELD):
            fetched = box.fetch(uid)
            item = _withheld(fetched, moment) if fetched is not None else None
            if item is not None:
                found.append(item)
    return found


def release_acknowledgement(
    sessions: sessionmaker[Session],
    client: MssClient,
    *,
    address: str,
    product_reference: str,
    message_id: str,
    confirmed: bool,
    now: datetime | None = None,
) -> WithheldAcknowledgement:
    """Send, once the user has seen both addresses and confirmed, the acknowledgement
    withheld for ``message_id`` (RFC 8098 §2.1: ``manual-action/MDN-sent-manually``),
    with the null envelope sender; the mark is removed and the sending traced.

    Raises :class:`~esante.practice.errors.PracticeError` without ``confirmed`` or when
    no acknowledgement is withheld for that message; the MSSanté errors of sending.
    """
    if not confirmed:
        raise PracticeError(
            "L'envoi d'un accusé de réception retenu doit être confirmé explicitement : "
            "vérifiez l'adresse demandée et l'adresse de retour.",
            detail="release_acknowledgement needs confirmed=True",
        )
    moment = _now(now)
    wanted = message_id.strip()
    with client.mailbox() as box:
        uids = box.search("KEYWORD", KEYWORD_MDN_WITHHELD, "HEADER", "Message-ID", f'"{wanted}"')
        fetched = box.fetch(uids[0]) if uids else None
        item = _withheld(fetched, moment) if fetched is not None else None
        if fetched is None or fetched.data is None or item is None or item.message_id != wanted:
            raise PracticeError(
                "Aucun accusé de réception en attente pour ce message.",
                detail=f"no message {wanted!r} with {KEYWORD_MDN_WITHHELD} in {address}'s INBOX",
            )
        original: ReceivedMessage | None
        try:
            original = read_message(fetched.data, strict=False)
        except MssFormatError:  # a refused message: answered from its headers
            original = _reply_original(fetched.data, moment)
        if original is None:
            raise PracticeError(
                "Message illisible : accusé de réception impossible.",
                detail=f"{wanted!r} cannot be read again",
            )
        error = MdnError.of(item.error_code) if item.error_code else None
        mdn = build_mdn(
            original,
            sender=address,
            product_reference=product_reference,
            error=error,
            text=None if error is None else _mdn_text(error.label or "erreur", error),
            automatic=False,
            return_content=False,
            now=moment,
        )
        client.send(mdn.to_bytes(), recipients=mdn.recipients, null_sender=True)
        box.remove_flags(
            [fetched.uid], *(f for f in fetched.flags if f.startswith("$EsanteAccuse"))
        )
    with sessions() as session:
        owner = _owner(session, address)
        audit.append(
            session,
            audit.AuditEvent(
                channel="mss",
                action=AUDIT_ACKNOWLEDGEMENT_SENT,
                outcome="success",
                actor_id=owner.actor_id,
                actor_name=owner.actor_name,
                structure_id=owner.structure_id,
                detail=f"{item.message_id} : accusé de réception envoyé après confirmation à "
                f"{item.notify} (adresse de retour {item.return_path})",
                at=moment,
            ),
        )
        session.commit()
    return item
