"""The accusé de réception MSSanté: a DSN (RFC 3461) asked for by esante, produced by the
sandbox operator (RFC 3464) into the sender's mailbox, and read by esante's fetch."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy.orm import Session, sessionmaker

from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
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
    composed = world.compose(world.example("vsm", "lola"), world.PMI_SECRETARIAT)
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
    # ENVID: esante sent the Message-ID (the sandbox's aiosmtpd upper-cases parameters)
    assert str(per_message["Original-Envelope-Id"]).strip().lower() == composed.message_id.lower()
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
