"""Sending through the sandbox operator and reading over IMAP, over real sockets and TLS."""

from __future__ import annotations

import email
import imaplib
from email.policy import default

import pytest

from esante.mss.client import MssClient
from esante.sandbox.runtime import RunningSandbox
from esante.sandbox.runtime.manifest import MssService
from tests.integration.mss import world


def test_sandbox_json_lists_the_operator_and_its_mailboxes(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    kinds = {entry.address: entry.kind for entry in mss.mailboxes}
    assert kinds[world.DOCTOR] == "personal"
    assert kinds[world.CABINET] == "organisational"
    assert kinds[world.PMI] == "application"
    assert sum(1 for kind in kinds.values() if kind == "patient") == 14
    doctor = mss.mailbox(world.DOCTOR)
    assert doctor is not None
    assert doctor.access_token
    assert doctor.password
    cabinet = mss.mailbox(world.CABINET)
    assert cabinet is not None
    assert cabinet.certificate
    assert cabinet.certificate.exists()
    assert mss.ca.exists()
    assert mss.smtp_port
    assert mss.imap_port
    written = (mss_sandbox.manifest.directory / "sandbox.json").read_text("utf-8")
    assert '"mss"' in written
    assert '"tls": "starttls"' in written


def test_certificate_mailbox_sends_and_the_recipient_reads_it_with_imaplib(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    title = world.subject("certificat")
    sender = world.client(directory, world.CABINET, use="certificate")
    accepted = sender.send(world.message(world.CABINET, world.DOCTOR, title, body="Corps é"))
    assert accepted == (world.DOCTOR,)

    imap = world.imap_login(mss, world.DOCTOR)
    try:
        assert imap.select("INBOX")[0] == "OK"
        (uid,) = world.uids_with_subject(imap, title)
        typ, unseen = imap.uid("SEARCH", "UNSEEN")
        assert str(uid).encode() in unseen[0].split()
        typ, data = imap.uid("FETCH", str(uid), "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
        assert typ == "OK"
        header, raw = data[0]
        assert b"FLAGS ()" in header
        assert f"RFC822.SIZE {len(raw)}".encode() in header
        received = email.message_from_bytes(raw, policy=default)
        assert received["Subject"] == title
        assert received["From"] == world.CABINET
        assert received["Return-Path"] == f"<{world.CABINET}>"
        assert "Corps é" in received.get_content()
        # BODY[] (not PEEK) marks it seen
        imap.uid("FETCH", str(uid), "(BODY[])")
        typ, flags = imap.uid("FETCH", str(uid), "(FLAGS)")
        assert b"\\Seen" in flags[0]
    finally:
        imap.logout()


def test_personal_mailbox_sends_with_its_access_token(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    title = world.subject("xoauth2")
    sender = world.client(directory, world.DOCTOR, use="token")
    assert sender.credentials.certificate is None
    assert sender.credentials.access_token
    assert sender.send(world.message(world.DOCTOR, world.MSP, title)) == (world.MSP,)
    # the organisational mailbox reads with its certificate (AUTHENTICATE EXTERNAL)
    reader = world.client(directory, world.MSP, use="certificate")
    with reader.mailbox() as inbox:
        uids = inbox.search("SUBJECT", f'"{title}"')
        assert len(uids) == 1
        received = inbox.fetch(uids[0])
    assert received is not None
    assert received.data is not None
    assert received.message()["From"] == world.DOCTOR
    assert "\\Seen" not in received.flags


def test_uids_are_stable_across_sessions_and_flags_persist(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    titles = [world.subject(f"stable-{n}") for n in range(3)]
    sender = world.client(directory, world.PEDIATRICIAN, use="token")
    for title in titles:
        sender.send(world.message(world.PEDIATRICIAN, world.CABINET, title))

    first = world.imap_login(mss, world.CABINET)
    first.select("INBOX")
    uids = [world.uids_with_subject(first, t)[0] for t in titles]
    validity = first.response("UIDVALIDITY")[1][0]
    assert uids == sorted(uids)
    first.uid("STORE", str(uids[1]), "+FLAGS", "($Processed \\Flagged)")
    first.logout()

    second = world.imap_login(mss, world.CABINET)
    second.select("INBOX")
    assert second.response("UIDVALIDITY")[1][0] == validity
    assert [world.uids_with_subject(second, t)[0] for t in titles] == uids
    _typ, data = second.uid("FETCH", str(uids[1]), "(FLAGS)")
    assert b"$Processed" in data[0]
    assert b"\\Flagged" in data[0]
    # expunge the first one: the others keep their UIDs
    second.uid("STORE", str(uids[0]), "+FLAGS.SILENT", "(\\Deleted)")
    assert second.expunge()[0] == "OK"
    second.logout()

    third = world.imap_login(mss, world.CABINET)
    third.select("INBOX", readonly=True)
    assert world.uids_with_subject(third, titles[0]) == []
    assert [world.uids_with_subject(third, t)[0] for t in titles[1:]] == uids[1:]
    third.logout()


def test_client_reads_unseen_marks_processed_and_moves(
    mss_sandbox: RunningSandbox, mss: MssService
) -> None:
    directory = mss_sandbox.manifest.directory
    title = world.subject("releve")
    world.client(directory, world.CABINET, use="certificate").send(
        world.message(world.CABINET, world.PMI, title)
    )
    reader = world.client(directory, world.PMI, use="password")
    fresh = [m for m in reader.fetch_unseen() if m.message()["Subject"] == title]
    assert len(fresh) == 1
    received = fresh[0]
    assert received.uid_validity > 0
    assert received.size == len(received.data or b"")
    with reader.mailbox() as inbox:
        inbox.mark_processed([received.uid])
        assert received.uid not in inbox.unseen()
        inbox.move([received.uid], "Traites")
        assert received.uid not in inbox.search("ALL")
    with reader.mailbox("Traites") as archive:
        moved = [archive.fetch(uid) for uid in archive.search("SUBJECT", f'"{title}"')]
    assert len(moved) == 1
    assert moved[0] is not None
    assert {"\\Seen", "$Processed"} <= moved[0].flags


def test_imap_literals_append_and_partial_fetch(mss: MssService) -> None:
    imap = world.imap_login(mss, world.PMI)
    try:
        body = b"Subject: append\r\nFrom: x@y.fr\r\n\r\n" + b"0123456789" * 20 + b"\r\n"
        typ, data = imap.append("INBOX", "(\\Seen)", None, body)
        assert typ == "OK"
        assert b"APPENDUID" in data[0]
        uid = int(data[0].split()[2].rstrip(b"]"))
        imap.select("INBOX")
        typ, fetched = imap.uid("FETCH", str(uid), "(BODY.PEEK[TEXT]<5.10> BODY.PEEK[HEADER])")
        assert typ == "OK"
        parts = [item[1] for item in fetched if isinstance(item, tuple)]
        assert parts[0] == b"5678901234"
        assert parts[1] == b"Subject: append\r\nFrom: x@y.fr\r\n\r\n"
        typ, status = imap.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
        assert typ == "OK"
        assert f"UIDNEXT {uid + 1}".encode() in status[0]
        # a command with a bad argument is answered BAD, and the session goes on
        with pytest.raises(imaplib.IMAP4.error, match="inconnu"):
            imap.uid("FETCH", "1:*", "(NOSUCHITEM)")
        assert imap.noop()[0] == "OK"
    finally:
        imap.logout()


def test_client_from_manifest_names_each_protocol_credential(mss_sandbox: RunningSandbox) -> None:
    client: MssClient = world.client(mss_sandbox.manifest.directory, world.DOCTOR)
    assert client.credentials.access_token
    assert client.credentials.imap_password
    assert client.endpoints.max_message_bytes == mss_sandbox.manifest.mss.max_message_bytes  # type: ignore[union-attr]
    assert client.credentials.access_token not in repr(client.credentials)
    assert client.credentials.imap_password not in repr(client.credentials)
