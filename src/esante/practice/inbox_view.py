"""The MSSanté inbox as the console shows it (issue 14, "MSSanté inbox").

Three trays, one mailbox at a time — the signed-in professional's personal mailbox or
their structure's organisational one, never an address typed in a form
(:func:`mailboxes_of`):

* **received documents** — the documents :func:`esante.practice.inbox.fetch_mailbox`
  imported into patients' records (provenance ``mssante``, the Message-ID and sender in
  ``provenance_detail``), newest first, each shown with its provenance
  (:func:`esante.practice.received.provenance_of`; SC.CDA/INT.08) — read from the
  database, traced as a list of documents;
* **to match** ("à rapprocher") — messages left in the INBOX flagged
  :data:`~esante.practice.inbox.KEYWORD_UNKNOWN_PATIENT` (no local patient with the
  document's INS, or traits that disagree): they are imported by the next fetch once the
  patient exists or is corrected;
* **refused** — messages flagged :data:`~esante.practice.inbox.KEYWORD_ERROR` (hostile
  or malformed archive, missing headers...), never retried.

Both mailbox trays are read from the mailbox itself (IMAP, read-only: no flag changes),
since the mailbox is the inbox's queue; the reason given to each is the one traced when
the message was refused (:data:`~esante.practice.inbox.AUDIT_RECEPTION`, outcome
``refused``). Every read is authorised (``documents:read``; a fetch, which writes into
records, ``documents:write``) and traced (:data:`INBOX_READ`, :data:`INBOX_FETCH`).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from esante.mss import MssClient
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.inbox import (
    AUDIT_RECEPTION,
    KEYWORD_ERROR,
    KEYWORD_UNKNOWN_PATIENT,
    InboxReport,
    fetch_mailbox,
)
from esante.practice.received import provenance_of
from esante.store.models import AuditRecord, Document, Patient, Practitioner, Structure

__all__ = [
    "INBOX_FETCH",
    "INBOX_READ",
    "Mailbox",
    "MailboxMessage",
    "MailboxTrays",
    "ReceivedItem",
    "fetch_for",
    "mailbox_trays",
    "mailboxes_of",
    "received_documents",
]

INBOX_READ: Final = "inbox:read"
INBOX_FETCH: Final = "inbox:fetch"
TRAY_LIMIT: Final = 50
"""Messages shown per tray (the oldest first); the count says how many more there are."""


@dataclass(frozen=True)
class Mailbox:
    """A mailbox the actor may read: its address and what it is, in French."""

    address: str
    label: str


def mailboxes_of(session: Session, actor: Actor) -> list[Mailbox]:
    """The actor's own MSSanté mailbox (a practitioner's personal one) and their
    structure's organisational one, when recorded; the personal one first."""
    found: list[Mailbox] = []
    if actor.practitioner_id is not None:
        own = session.scalar(
            select(Practitioner.mssante_address).where(Practitioner.id == actor.practitioner_id)
        )
        if own:
            found.append(Mailbox(own.strip().lower(), "Votre boîte personnelle"))
    if actor.structure_id is not None:
        shared = session.scalar(
            select(Structure.mssante_address).where(Structure.id == actor.structure_id)
        )
        if shared and shared.strip().lower() not in {m.address for m in found}:
            found.append(Mailbox(shared.strip().lower(), "Boîte de la structure"))
    return found


@dataclass(frozen=True)
class ReceivedItem:
    """A document received by MSSanté, in a patient's record."""

    document: Document
    patient: Patient
    provenance: str
    message_id: str | None
    sender: str | None


def _message_of(detail: str | None) -> tuple[str | None, str | None]:
    """``(Message-ID, sender)`` from a provenance detail ``<id> de <sender>``."""
    if not detail or " de " not in detail:
        return None, None
    message_id, _, sender = detail.partition(" de ")
    return message_id.strip() or None, sender.strip() or None


def received_documents(
    session: Session, actor: Actor, *, limit: int = TRAY_LIMIT
) -> list[ReceivedItem]:
    """The documents of the record received by MSSanté, whichever mailbox they came
    through (the provenance names the sender, not the receiving mailbox), newest first;
    ``documents:read`` checked, the documents listed traced with their patients.
    Raises AccessDeniedError."""
    trace.check(session, actor, "documents:read", traced_as="documents:list")
    documents = list(
        session.scalars(
            select(Document)
            .where(Document.provenance == "mssante")
            .options(selectinload(Document.patient))
            .order_by(Document.received_at.desc(), Document.id.desc())
            .limit(max(1, limit))
        )
    )
    by_patient: dict[int, list[Document]] = defaultdict(list)
    for document in documents:
        by_patient[document.patient_id].append(document)
    for items in by_patient.values():
        trace.record_documents(
            session, actor, "documents:list", items[0].patient, [d.unique_id for d in items]
        )
    if not documents:
        trace.record(session, actor, "documents:list", [], detail="messagerie")
    return [
        ReceivedItem(d, d.patient, provenance_of(d), *_message_of(d.provenance_detail))
        for d in documents
    ]


@dataclass(frozen=True)
class MailboxMessage:
    """A message waiting in the mailbox for a person, and why (French)."""

    uid: int
    message_id: str | None
    sender: str | None
    subject: str
    date: datetime | None
    reason: str | None


@dataclass(frozen=True)
class MailboxTrays:
    """The mailbox's "to match" and "refused" trays, and how many of each there are."""

    to_match: list[MailboxMessage]
    refused: list[MailboxMessage]
    to_match_total: int
    refused_total: int


def _header(message: EmailMessage, name: str) -> str:
    return " ".join(str(message.get(name, "") or "").split())


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reason(session: Session, message_id: str | None) -> str | None:
    """Why the message was refused, as traced when it was (``<code> <raison>``)."""
    if message_id is None:
        return None
    detail = session.scalar(
        select(AuditRecord.detail)
        .where(
            AuditRecord.channel == "mss",
            AuditRecord.action == AUDIT_RECEPTION,
            AuditRecord.outcome == "refused",
            AuditRecord.detail.like(_like_escape(message_id) + " de %", escape="\\"),
        )
        .order_by(AuditRecord.sequence.desc())
        .limit(1)
    )
    if not detail:
        return None
    _, _, reason = detail.partition(" : ")
    return reason or None


def _messages(
    session: Session, client: MssClient, keyword: str
) -> tuple[list[MailboxMessage], int]:
    found: list[MailboxMessage] = []
    with client.mailbox(read_only=True) as box:
        uids = box.search("KEYWORD", keyword, "UNKEYWORD", "$Processed")
        for uid in uids[:TRAY_LIMIT]:
            fetched = box.fetch(uid)
            if fetched is None:
                continue
            message_id = sender = None
            subject = ""
            date = fetched.internal_date
            if fetched.data is not None:
                parsed = fetched.message()
                message_id = _header(parsed, "Message-ID") or None
                subject = _header(parsed, "Subject")
                senders = getaddresses([_header(parsed, "From")])
                sender = senders[0][1] if senders and senders[0][1] else None
                with contextlib.suppress(TypeError, ValueError):
                    date = parsedate_to_datetime(_header(parsed, "Date"))
            found.append(
                MailboxMessage(uid, message_id, sender, subject, date, _reason(session, message_id))
            )
    return found, len(uids)


def mailbox_trays(session: Session, actor: Actor, client: MssClient) -> MailboxTrays:
    """The messages of ``client``'s INBOX left for a person (read-only IMAP session);
    ``documents:read`` checked, the read traced (:data:`INBOX_READ`). Raises
    AccessDeniedError and the :class:`~esante.mss.MssError` of the IMAP session."""
    trace.check(session, actor, "documents:read", traced_as=INBOX_READ)
    to_match, to_match_total = _messages(session, client, KEYWORD_UNKNOWN_PATIENT)
    refused, refused_total = _messages(session, client, KEYWORD_ERROR)
    trace.record(session, actor, INBOX_READ, [], detail=f"boîte {client.credentials.address}"[:200])
    return MailboxTrays(to_match, refused, to_match_total, refused_total)


def fetch_for(
    sessions: sessionmaker[Session],
    actor: Actor,
    client: MssClient,
    *,
    product_reference: str,
) -> InboxReport:
    """Fetch ``client``'s mailbox for ``actor`` (:func:`~esante.practice.inbox.fetch_mailbox`:
    documents imported with their provenance, acknowledgements sent), ``documents:write``
    checked and the fetch traced (:data:`INBOX_FETCH`, who clicked; each import is traced
    by the fetch itself). Raises AccessDeniedError and the MSSanté errors of the fetch."""
    with sessions() as session:
        trace.check(session, actor, "documents:write", traced_as=INBOX_FETCH)
    address = client.credentials.address
    report = fetch_mailbox(sessions, client, address=address, product_reference=product_reference)
    with sessions() as session:
        patients = list(
            session.scalars(
                select(Patient).where(Patient.id.in_({d.patient_id for d in report.imported}))
            )
        )
        trace.record(
            session,
            actor,
            INBOX_FETCH,
            patients,
            detail=f"boîte {address} : {len(report.imported)} document(s) intégré(s), "
            f"{len(report.unknown_patients)} à rapprocher, {len(report.refused)} refusé(s)"[:200],
        )
        session.commit()
    return report
