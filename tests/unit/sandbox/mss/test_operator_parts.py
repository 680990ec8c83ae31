"""The sandbox operator's parts without sockets: store, tokens, mailboxes, MDN, delivery."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest

from esante.sandbox.mss import (
    INBOX,
    AccessTokenError,
    AccessTokens,
    MailboxError,
    MailboxKind,
    MailStore,
    MssOperator,
    demo_mailboxes,
    notification_address,
)
from esante.sandbox.mss.operator import parse_header


def test_store_keeps_uids_and_flags_across_reopening(tmp_path: Path) -> None:
    store = MailStore(tmp_path)
    address = "a@x.mssante.fr"
    validity, first = store.append(address, INBOX, b"Subject: 1\r\n\r\n1\r\n")
    _, second = store.append(address, INBOX, b"Subject: 2\r\n\r\n2\r\n", flags=["\\seen"])
    assert (first, second) == (1, 2)
    store.set_flags(address, INBOX, [first], ["\\Deleted", "$Processed"], "add")
    assert store.expunge(address, INBOX) == [first]
    store.create_folder(address, "Traites/2026")
    target_validity, pairs = store.copy(address, INBOX, [second], "Traites/2026", move=True)
    assert pairs == [(second, 1)]

    reopened = MailStore(tmp_path)
    inbox = reopened.state(address)
    assert (inbox.uid_validity, inbox.uids, inbox.uid_next) == (validity, (), 3)
    archive = reopened.state(address, "Traites/2026")
    assert archive.uid_validity == target_validity
    assert archive.messages[0].flags == frozenset({"\\Seen"})
    assert reopened.read(address, "Traites/2026", 1) == b"Subject: 2\r\n\r\n2\r\n"
    assert reopened.folders(address) == [INBOX, "Traites/2026"]
    _, third = reopened.append(address, INBOX, b"x")
    assert third == 3  # UIDs never come back
    with pytest.raises(MailboxError):
        reopened.create_folder(address, "../evasion")
    with pytest.raises(MailboxError):
        reopened.set_flags(address, INBOX, [third], ["\\Recent"], "add")


def test_tokens_are_checked_for_signature_expiry_and_algorithm(tmp_path: Path) -> None:
    tokens = AccessTokens.load_or_create(tmp_path / "key.pem")
    token = tokens.issue(subject="810003986931", email="a@x.mssante.fr")
    claims = tokens.verify(token)
    assert (claims.subject, claims.email) == ("810003986931", "a@x.mssante.fr")
    assert AccessTokens.load_or_create(tmp_path / "key.pem").verify(token) == claims
    stale = tokens.issue(subject="8", email="a@x.fr", now=datetime.now(UTC) - timedelta(days=2))
    with pytest.raises(AccessTokenError, match="expiré"):
        tokens.verify(stale)
    other = AccessTokens.load_or_create(tmp_path / "other.pem")
    with pytest.raises(AccessTokenError, match="signature"):
        other.verify(token)
    _head, body, _ = token.split(".")
    unsigned = "eyJhbGciOiJub25lIn0." + body + "."  # {"alg":"none"}
    with pytest.raises(AccessTokenError, match="algorithme"):
        tokens.verify(unsigned)
    with pytest.raises(AccessTokenError):
        tokens.verify("not-a-token")


def test_demo_mailboxes_cover_practitioners_structures_pmi_and_patients() -> None:
    boxes = demo_mailboxes()
    kinds = [box.kind for box in boxes]
    assert kinds.count(MailboxKind.PERSONAL) == 8
    assert kinds.count(MailboxKind.ORGANISATIONAL) == 4
    assert kinds.count(MailboxKind.APPLICATION) == 1
    assert kinds.count(MailboxKind.PATIENT) == 14
    assert all(box.address == box.address.lower() for box in boxes)
    assert all(b.id_nat_ps for b in boxes if b.kind is MailboxKind.PERSONAL)


def test_mdn_only_when_asked_by_the_envelope_sender_and_never_for_an_mdn() -> None:
    asked = parse_header(b"From: a@x.fr\r\nDisposition-Notification-To: <A@x.fr>\r\n\r\n")
    assert notification_address(asked, "a@x.fr") == "a@x.fr"
    assert notification_address(asked, "other@x.fr") is None
    silent = parse_header(b"From: a@x.fr\r\n\r\n")
    assert notification_address(silent, "a@x.fr") is None
    report = parse_header(
        b"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n"
        b"Disposition-Notification-To: a@x.fr\r\n\r\n"
    )
    assert notification_address(report, "a@x.fr") is None


def test_delivery_adds_trace_fields_and_sends_the_mdn(tmp_path: Path) -> None:
    operator = MssOperator.prepare(tmp_path, ca=None)
    sender = operator.directory.get("secretariat@cabinet-du-parc.mssante.fr")
    recipient = operator.directory.get("francois.perrin@cabinet-du-parc.mssante.fr")
    assert sender is not None
    assert recipient is not None
    assert sender.certificate is None  # no CA given: no certificates
    assert operator.access_token(recipient.address)
    assert operator.authenticate_token(
        recipient.address, operator.access_token(recipient.address) or ""
    )
    data = (
        b"From: secretariat@cabinet-du-parc.mssante.fr\r\n"
        b"To: francois.perrin@cabinet-du-parc.mssante.fr\r\n"
        b"Subject: XDM/1.0/DDM+Test\r\n"
        b"Message-ID: <m1@cabinet-du-parc.mssante.fr>\r\n"
        b"Disposition-Notification-To: secretariat@cabinet-du-parc.mssante.fr\r\n\r\nCorps\r\n"
    )
    delivery = operator.deliver(sender, [recipient], data)
    assert delivery.acknowledgements == (recipient.address,)
    ((_, delivered),) = operator.inbox(recipient.address)
    assert delivered.startswith(b"Return-Path: <secretariat@cabinet-du-parc.mssante.fr>\r\n")
    assert delivered.endswith(data)
    ((_, mdn),) = operator.inbox(sender.address)
    parsed = email.message_from_bytes(mdn, policy=default)
    assert parsed["Subject"] == "XDM/1.0/DDM+Test"
    assert data in mdn  # the original goes back byte for byte
    assert b"Original-Message-ID: <m1@cabinet-du-parc.mssante.fr>" in mdn

    operator.set_auto_mdn(False)
    assert operator.deliver(sender, [recipient], data).acknowledgements == ()
    assert len(operator.inbox(sender.address)) == 1
    assert operator.authenticate_password(recipient.address, "faux") is None
    assert operator.authenticate_password(recipient.address.upper(), recipient.password or "")
