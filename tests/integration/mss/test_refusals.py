"""What the sandbox operator refuses, and how the client reports it (real sockets)."""

from __future__ import annotations

import base64
import imaplib
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest

from esante.mss.client import MssClient, MssEndpoints
from esante.mss.errors import MssSendError, MssUnavailableError, MssUncertainOutcomeError
from esante.sandbox.runtime import RunningSandbox, bind
from esante.sandbox.runtime.manifest import MssService
from tests.integration.mss import world
from tests.integration.mss.conftest import MAX_MESSAGE_BYTES


def _smtp(mss: MssService) -> smtplib.SMTP:
    smtp = smtplib.SMTP(mss.smtp_host, mss.smtp_port, timeout=10)
    smtp.ehlo()
    return smtp


def test_nothing_before_starttls(mss: MssService) -> None:
    smtp = _smtp(mss)
    try:
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")  # mechanisms are offered only under TLS
        code, _ = smtp.mail(world.DOCTOR)
        assert code == 530
        code, _ = smtp.docmd("AUTH", "XOAUTH2 =")
        assert code == 530
    finally:
        smtp.quit()


def test_tls_without_certificate_or_token_cannot_send(mss: MssService) -> None:
    smtp = _smtp(mss)
    try:
        smtp.starttls(context=world.context(mss))
        smtp.ehlo()
        code, text = smtp.mail(world.CABINET)
        assert code == 530
        assert b"Authentification requise" in text
    finally:
        smtp.quit()


def test_expired_or_foreign_tokens_are_refused_on_smtp_and_imap(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    assert mss_sandbox.mss is not None
    tokens = mss_sandbox.mss.operator.tokens
    doctor = mss.mailbox(world.DOCTOR)
    assert doctor is not None
    assert doctor.id_nat_ps
    expired = tokens.issue(
        subject=doctor.id_nat_ps,
        email=doctor.address,
        now=datetime.now(UTC) - timedelta(hours=2),
        lifetime=timedelta(hours=1),
    )
    directory = mss_sandbox.manifest.directory
    client = world.client(directory, world.DOCTOR, use="token")
    stale = MssClient(client.endpoints, replace(client.credentials, access_token=expired))
    with pytest.raises(MssSendError) as refused:
        stale.send(world.message(world.DOCTOR, world.MSP, world.subject("expire")))
    assert refused.value.code == "535"
    assert "expir" in (refused.value.detail or "")
    with pytest.raises(MssSendError, match="Authentification refusée"), stale.mailbox():
        pass

    # the pediatrician's token does not open the doctor's mailbox
    other = mss.mailbox(world.PEDIATRICIAN)
    assert other is not None
    assert other.access_token
    borrowed = MssClient(
        client.endpoints, replace(client.credentials, access_token=other.access_token)
    )
    with pytest.raises(MssSendError) as mismatch:
        borrowed.send(world.message(world.DOCTOR, world.MSP, world.subject("emprunt")))
    assert mismatch.value.code == "535"

    # a forged token (signature of another key) neither
    forged = doctor.access_token[:-10] + "AAAAAAAAAA" if doctor.access_token else ""
    xoauth = base64.b64encode(f"user={world.DOCTOR}\x01auth=Bearer {forged}\x01\x01".encode())
    smtp = _smtp(mss)
    try:
        smtp.starttls(context=world.context(mss))
        smtp.ehlo()
        code, _ = smtp.docmd("AUTH", "XOAUTH2 " + xoauth.decode())
        assert code == 535
    finally:
        smtp.quit()


def test_wrong_imap_password_is_refused(mss: MssService) -> None:
    imap = imaplib.IMAP4_SSL(mss.imap_host, mss.imap_port, ssl_context=world.context(mss))
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            imap.login(world.DOCTOR, "pas-le-bon-mot-de-passe")
        imap.send(b"X1 SELECT INBOX\r\n")  # imaplib itself would not send it
        assert imap.readline().startswith(b"X1 BAD Authentification requise")
    finally:
        imap.logout()


def test_unknown_recipient_is_550_and_nothing_is_sent(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    title = world.subject("inconnu")
    client = world.client(directory, world.CABINET, use="certificate")
    unknown = "personne@inconnu.mssante.fr"
    composed = world.message(world.CABINET, world.MSP, title)
    with pytest.raises(MssSendError) as refused:
        client.send(composed, recipients=[world.MSP, unknown])
    assert refused.value.code == "550"
    assert refused.value.field == unknown
    assert "destinataire inconnu" in (refused.value.detail or "")
    imap = world.imap_login(mss, world.MSP)
    imap.select("INBOX", readonly=True)
    assert world.uids_with_subject(imap, title) == []  # all or nothing
    imap.logout()
    # with allow_partial the known recipient gets it
    assert client.send(composed, recipients=[world.MSP, unknown], allow_partial=True) == (
        world.MSP,
    )


def test_patient_addresses_with_a_valid_ins_are_mailboxes(mss_sandbox: RunningSandbox) -> None:
    client = world.client(mss_sandbox.manifest.directory, world.CABINET, use="certificate")
    valid = "290019912345636@patient.mssante.fr"  # key 36 matches
    assert client.send(world.message(world.CABINET, valid, world.subject("patient"))) == (valid,)
    with pytest.raises(MssSendError):
        client.send(
            world.message(world.CABINET, "290019912345600@patient.mssante.fr", world.subject("x"))
        )


def test_sender_must_be_the_authenticated_mailbox(mss: MssService) -> None:
    cabinet = mss.mailbox(world.CABINET)
    assert cabinet is not None
    assert cabinet.certificate
    assert cabinet.key
    context = world.context(mss)
    context.load_cert_chain(cabinet.certificate, cabinet.key)
    smtp = _smtp(mss)
    try:
        smtp.starttls(context=context)
        smtp.ehlo()
        assert smtp.mail(world.MSP)[0] == 553
        smtp.rset()
        assert smtp.mail(world.CABINET)[0] == 250
        assert smtp.rcpt(world.MSP)[0] == 250
        code, text = smtp.data(b"From: " + world.MSP.encode() + b"\r\nSubject: x\r\n\r\nx\r\n")
        assert code == 550
        assert b"From" in text
    finally:
        smtp.quit()


def test_size_limit(mss_sandbox: RunningSandbox, mss: MssService) -> None:
    directory = mss_sandbox.manifest.directory
    client = world.client(directory, world.CABINET, use="certificate")
    big = world.message(world.CABINET, world.MSP, world.subject("gros"), body="x" * 70 * 1024)
    # the client refuses before connecting when it knows the limit...
    with pytest.raises(MssSendError, match="trop volumineux"):
        client.send(big)
    # ...and the server says 552 when the client does not
    lax = MssClient(replace(client.endpoints, max_message_bytes=10**7), client.credentials)
    with pytest.raises(MssSendError) as refused:
        lax.send(big)
    assert refused.value.code == "552"
    # a client that hides the size still gets 552 at the end of DATA
    cabinet = mss.mailbox(world.CABINET)
    assert cabinet is not None
    assert cabinet.certificate
    assert cabinet.key
    context = world.context(mss)
    context.load_cert_chain(cabinet.certificate, cabinet.key)
    smtp = _smtp(mss)
    try:
        smtp.starttls(context=context)
        smtp.ehlo()
        smtp.mail(world.CABINET)
        smtp.rcpt(world.MSP)
        code, _ = smtp.data(
            b"Subject: x\r\n\r\n" + (b"y" * 1000 + b"\r\n") * (MAX_MESSAGE_BYTES // 1000 + 5)
        )
        assert code == 552
    finally:
        smtp.quit()


def test_automatic_mdn_reaches_the_sender_and_can_be_switched_off(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    sender = world.client(directory, world.CABINET, use="certificate")
    title = world.subject("accuse")
    original = world.message(world.CABINET, world.PMI, title, notify=True)
    sender.send(original)
    with sender.mailbox() as inbox:
        uids = inbox.search("SUBJECT", f'"{title}"')
        assert len(uids) == 1
        received = inbox.fetch(uids[0])
    assert received is not None
    report = received.message()
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "disposition-notification"
    assert report["From"].addresses[0].addr_spec == world.PMI
    parts = list(report.iter_parts())
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "message/disposition-notification",
        "message/rfc822",
    ]
    payload = parts[1].get_payload()
    assert isinstance(payload, list)
    fields = payload[0]
    assert isinstance(fields, Message)
    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert fields["Original-Message-ID"] == original["Message-ID"]
    assert fields["Final-Recipient"] == f"rfc822;{world.PMI}"

    assert mss_sandbox.mss is not None
    mss_sandbox.mss.operator.set_auto_mdn(False, world.MSP)
    try:
        quiet = world.subject("sans accuse")
        sender.send(world.message(world.CABINET, world.MSP, quiet, notify=True))
        with sender.mailbox() as inbox:
            assert inbox.search("SUBJECT", f'"{quiet}"') == []
    finally:
        mss_sandbox.mss.operator.set_auto_mdn(True, world.MSP)


def test_unreachable_server_is_transient(tmp_path: Path, mss: MssService) -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    endpoints = MssEndpoints("127.0.0.1", port, "127.0.0.1", port, mss.ca, timeout=2)
    client = MssClient(endpoints, world.credentials(mss_path(mss), world.DOCTOR))
    with pytest.raises(MssUnavailableError) as failed:
        client.send(world.message(world.DOCTOR, world.MSP, "x"))
    assert failed.value.is_transient
    with pytest.raises(MssUnavailableError):
        client.fetch_unseen()


def mss_path(mss: MssService) -> Path:
    return mss.ca.parent.parent


@pytest.fixture
def vanishing_server(mss_sandbox: RunningSandbox) -> Iterator[int]:
    """An SMTP server that takes the whole DATA, then drops the connection without reply."""
    pki = mss_sandbox.manifest.pki
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.directory / "server.pem", pki.directory / "server.key")
    listener = bind("127.0.0.1", 0)
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 test\r\n")
            reader.readline()
            connection.sendall(b"250-test\r\n250 STARTTLS\r\n")
            reader.readline()
            connection.sendall(b"220 go\r\n")
            tls = context.wrap_socket(connection, server_side=True)
            stream = tls.makefile("rb")
            stream.readline()  # EHLO
            tls.sendall(b"250-test\r\n250 AUTH XOAUTH2\r\n")
            stream.readline()  # AUTH
            tls.sendall(b"235 ok\r\n")
            for _ in range(2):  # MAIL, RCPT
                stream.readline()
                tls.sendall(b"250 ok\r\n")
            stream.readline()  # DATA
            tls.sendall(b"354 go\r\n")
            while stream.readline() not in (b".\r\n", b""):
                pass
            tls.shutdown(socket.SHUT_RDWR)
            tls.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    thread.join(timeout=5)
    listener.close()


def test_connection_lost_after_data_is_an_uncertain_outcome(
    mss_sandbox: RunningSandbox, mss: MssService, vanishing_server: int
) -> None:
    directory = mss_sandbox.manifest.directory
    real = world.client(directory, world.DOCTOR, use="token")
    endpoints = replace(real.endpoints, smtp_port=vanishing_server, timeout=5)
    with pytest.raises(MssUncertainOutcomeError) as uncertain:
        MssClient(endpoints, real.credentials).send(
            world.message(world.DOCTOR, world.MSP, world.subject("incertain"))
        )
    assert uncertain.value.outcome_uncertain
    assert uncertain.value.is_transient
