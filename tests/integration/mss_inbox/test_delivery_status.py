"""The accusé de réception MSSanté: a DSN (RFC 3461) asked for by esante, produced by the
sandbox operator (RFC 3464) into the sender's mailbox, and read by esante's fetch."""

from __future__ import annotations

import base64
import smtplib
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from esante.outbox import NewOrder, create_order
from esante.practice.inbox import KEYWORD_ERROR, InboxReport, fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import Patient, SendOrderEvent
from tests.integration.mss_inbox import world


def _reports(running: RunningSandbox, address: str) -> list[tuple[bytes, EmailMessage]]:
    """The delivery status notifications in ``address``'s INBOX (raw, parsed)."""
    assert running.mss is not None
    found = []
    for _, data in running.mss.operator.inbox(address):
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        if parsed.get_param("report-type") == "delivery-status":
            found.append((data, parsed))
    return found


def _fields(report: EmailMessage) -> list[EmailMessage]:
    for part in report.iter_parts():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            assert isinstance(payload, list)
            return [b for b in payload if isinstance(b, EmailMessage)]
    raise AssertionError("no message/delivery-status part")


def test_server_announces_dsn(inbox_sandbox: RunningSandbox) -> None:
    endpoints = world.client(inbox_sandbox, world.SENDER).endpoints
    with smtplib.SMTP(endpoints.smtp_host, endpoints.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        context = ssl.create_default_context(cafile=str(endpoints.ca_bundle))
        smtp.starttls(context=context)
        smtp.ehlo()
        assert smtp.has_extn("dsn")


def test_delivery_receipt_reaches_the_sender_and_is_read_by_its_fetch(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    # a Message-ID in mixed case: the envelope id must come back exactly (RFC 3461 §4.4)
    composed = world.compose(
        world.example("vsm", "lola"),
        world.PMI_SECRETARIAT,
        message_id=f"<Dsn.{uuid.uuid4().hex.upper()}@Cabinet-du-parc.mssante.fr>",
    )
    sender = world.client(inbox_sandbox, world.SENDER)
    sender.send(composed.message)

    mine = [
        (raw, r)
        for raw, r in _reports(inbox_sandbox, world.SENDER)
        if str(r.get("In-Reply-To", "")).strip() == composed.message_id
    ]
    assert len(mine) == 1
    raw, report = mine[0]
    assert raw.startswith(b"Return-Path: <>\r\n")
    per_message, per_recipient = _fields(report)
    # ENVID: esante sent the Message-ID, and it comes back as written (case kept)
    assert str(per_message["Original-Envelope-Id"]).strip() == composed.message_id
    assert str(per_recipient["Action"]).strip() == "delivered"
    assert str(per_recipient["Status"]).strip() == "2.0.0"
    assert world.PMI_SECRETARIAT in str(per_recipient["Final-Recipient"])
    assert world.PMI_SECRETARIAT in str(per_recipient["Original-Recipient"]).lower()

    # the recipient's esante acknowledges with MAIL FROM:<>: no DSN comes back for that
    receiver_reports = len(_reports(inbox_sandbox, world.PMI_SECRETARIAT))
    answered = fetch_mailbox(
        sessions,
        world.client(inbox_sandbox, world.PMI_SECRETARIAT),
        address=world.PMI_SECRETARIAT,
        product_reference=world.NIL,
    )
    assert answered.acknowledgements_sent >= 1
    assert len(_reports(inbox_sandbox, world.PMI_SECRETARIAT)) == receiver_reports

    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    delivered = [d for d in back.delivery_reports if d.original_message_id == composed.message_id]
    assert [(d.recipient, d.action, d.status) for d in delivered] == [
        (world.PMI_SECRETARIAT, "delivered", "2.0.0")
    ]
    assert all(r.message_id != composed.message_id for r in back.refused)


# --------------------------------------------------------------------------- written by hand

REPORTS_BOX = "certificatsdesante@plateformecse.mssante.fr"
"""The mailbox the hand-written notifications are put in (APPEND); its fetches here filter
on what each test wrote."""


def _order(sessions: sessionmaker[Session]) -> tuple[int, str]:
    """An MSSanté send order of this practice for Lola, as if sent from REPORTS_BOX."""
    message_id = f"<{uuid.uuid4().hex}@plateformecse.mssante.fr>"
    with sessions() as session:
        lola = session.scalar(select(Patient).where(Patient.ins_matricule == world.ins("lola")))
        assert lola is not None
        order = create_order(
            session,
            NewOrder(
                kind="mss_send",
                idempotency_key=f"mss:{message_id}",
                patient_id=lola.id,
                credential="structure:test",
                authentication_mode="certificat",
                recipient=world.PMI_SECRETARIAT,
                parameters={"message_id": message_id, "sender": REPORTS_BOX},
                deferral=timedelta(0),
            ),
        )
        session.commit()
        return order.id, message_id


def _notification(
    message_id: str, status_part: bytes, *, encoding: str | None = None, in_reply_to: bool = False
) -> bytes:
    """A multipart/report delivery-status notification written byte by byte (RFC 3464), as
    an operator's MTA writes it; ``status_part`` is the message/delivery-status body."""
    own_id = make_msgid(domain="mss.operateur.example")
    body = base64.encodebytes(status_part) if encoding == "base64" else status_part
    lines = [
        b"Return-Path: <>",
        b"From: MAILER-DAEMON@mss.operateur.example",
        f"To: {REPORTS_BOX}".encode(),
        b"Subject: Delivery Status Notification",
        f"Date: {format_datetime(datetime.now(UTC))}".encode(),
        f"Message-ID: {own_id}".encode(),
        *([f"In-Reply-To: {message_id}".encode()] if in_reply_to else []),
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="rapport"',
        b"",
        b"--rapport",
        b"Content-Type: text/plain; charset=us-ascii",
        b"",
        b"Rapport de distribution.",
        b"--rapport",
        b"Content-Type: message/delivery-status",
        *([b"Content-Transfer-Encoding: base64"] if encoding == "base64" else []),
        b"",
        body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n").rstrip(b"\r\n"),
        b"--rapport",
        b"Content-Type: text/rfc822-headers",
        b"",
        f"From: {REPORTS_BOX}".encode(),
        f"To: {world.PMI_SECRETARIAT}".encode(),
        f"Message-ID: {message_id}".encode(),
        b"--rapport--",
        b"",
    ]
    return b"\r\n".join(lines)


def _append_and_fetch(
    running: RunningSandbox, sessions: sessionmaker[Session], data: bytes
) -> tuple[InboxReport, int]:
    reader = world.client(running, REPORTS_BOX)
    with reader.mailbox() as box:
        status, answer = box.imap.append("INBOX", None, None, data)
        assert status == "OK", answer
        (uid,) = box.search("HEADER", "Message-ID", f'"{_header(data, "Message-ID")}"')
    report = fetch_mailbox(sessions, reader, address=REPORTS_BOX, product_reference=world.NIL)
    return report, uid


def _header(data: bytes, name: str) -> str:
    parsed = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
    return str(parsed[name])


def _reasons(sessions: sessionmaker[Session], order_id: int) -> list[tuple[str | None, str | None]]:
    with sessions() as session:
        rows = session.execute(
            select(SendOrderEvent.reason, SendOrderEvent.error_code)
            .where(SendOrderEvent.order_id == order_id)
            .order_by(SendOrderEvent.id)
        ).all()
        return [(r.reason, r.error_code) for r in rows]


def test_a_foreign_operators_failure_notice_lands_on_the_order(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    order_id, message_id = _order(sessions)
    fields = (
        f"Reporting-MTA: dns; mss.operateur.example\r\nOriginal-Envelope-Id: {message_id}\r\n"
        f"\r\nFinal-Recipient: rfc822; {world.PMI_SECRETARIAT}\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
    ).encode("ascii")
    report, uid = _append_and_fetch(
        inbox_sandbox, sessions, _notification(message_id, fields, encoding="base64")
    )
    assert [
        (d.original_message_id, d.recipient, d.action, d.status, d.order_id)
        for d in report.delivery_reports
    ] == [(message_id, world.PMI_SECRETARIAT, "failed", "5.1.1", order_id)]
    assert (
        f"Accusé de réception MSSanté : échec de remise à {world.PMI_SECRETARIAT} (statut 5.1.1).",
        "5.1.1",
    ) in _reasons(sessions, order_id)
    assert all(r.uid != uid for r in report.refused)


def test_a_partly_malformed_notice_keeps_the_readable_blocks_with_a_remark(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    order_id, message_id = _order(sessions)
    fields = (
        "Reporting-MTA: dns; mss.operateur.example\r\n\r\n"
        "Action: delivered\r\nStatus: 2.0.0\r\n\r\n"  # no Final-Recipient
        f"Final-Recipient: rfc822; {world.PMI_SECRETARIAT}\r\nAction: delivered\r\n"
        "Status: 2.0.0\r\n"
    ).encode("ascii")
    # no envelope id: matched through In-Reply-To
    report, _ = _append_and_fetch(
        inbox_sandbox, sessions, _notification(message_id, fields, in_reply_to=True)
    )
    assert [(d.action, d.order_id) for d in report.delivery_reports] == [("delivered", order_id)]
    assert any("en partie illisible" in note for note in report.notes)
    assert (
        f"Accusé de réception MSSanté : délivré à {world.PMI_SECRETARIAT} (statut 2.0.0).",
        None,
    ) in _reasons(sessions, order_id)


@pytest.mark.parametrize(
    "fields",
    [
        b"",
        b"Reporting-MTA: dns; mss.operateur.example\r\n",
        b"\x00\xff garbage: \r\n\r\n:::\r\n",
    ],
    ids=["empty", "no-recipient-block", "garbage"],
)
def test_a_malformed_notice_is_kept_with_a_remark_and_never_stops_the_fetch(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session], fields: bytes
) -> None:
    order_id, message_id = _order(sessions)
    before = _reasons(sessions, order_id)
    data = _notification(message_id, fields.decode("latin-1").encode("ascii", "replace"))
    report, uid = _append_and_fetch(inbox_sandbox, sessions, data)
    assert [r.uid for r in report.refused if r.uid == uid] == [uid]
    assert any(f"uid {uid}" in note and "laissé dans la boîte" in note for note in report.notes)
    assert _reasons(sessions, order_id) == before
    reader = world.client(inbox_sandbox, REPORTS_BOX)
    with reader.mailbox(read_only=True) as box:
        fetched = box.fetch(uid)
    assert fetched is not None
    assert KEYWORD_ERROR in fetched.flags
    # kept, and not read again
    again = fetch_mailbox(sessions, reader, address=REPORTS_BOX, product_reference=world.NIL)
    assert all(r.uid != uid for r in again.refused)
