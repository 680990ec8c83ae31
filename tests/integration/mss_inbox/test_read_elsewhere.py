"""A message the user read in a mail client first is still imported, and only once.

The README invites users to read the demo mailboxes in any IMAP client; that client sets
``\\Seen``. ``esante mss fetch`` goes by esante's own marks and records, so the message is
imported all the same; a second fetch, or the user marking it unread again, imports
nothing more. Over the real sandbox operator (TLS IMAP and SMTP), with a mailbox no other
inbox test uses.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from esante.mss import MssClient
from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import Document
from tests.integration.mss_inbox import world

NURSE = world.PEOPLE.practitioner("infirmier").mssante_address
SEEN = "\\Seen"


def _uid(reader: MssClient, message_id: str) -> int:
    with reader.mailbox(read_only=True) as box:
        uids = box.search("HEADER", "Message-ID", f'"{message_id}"')
    assert len(uids) == 1
    return uids[0]


def _read_in_a_mail_client(reader: MssClient, uid: int) -> None:
    """What a mail client does to show a message: ``FETCH BODY[]``, which sets ``\\Seen``."""
    with reader.mailbox() as box:
        typ, _ = box.imap.uid("FETCH", str(uid), "(BODY[])")
        assert typ == "OK"


def _stored(sessions: sessionmaker[Session], message_id: str) -> int:
    with sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.provenance_detail == f"{message_id} de {world.SENDER}")
            )
            or 0
        )


def test_a_message_read_in_a_mail_client_is_imported_once(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    assert NURSE is not None
    assert NURSE not in world.RECEIVERS  # no other test's messages in its INBOX
    assert inbox_sandbox.mss is not None
    inbox_sandbox.mss.operator.set_auto_mdn(False, NURSE)
    composed = world.compose(world.example("vsm", "lola"), NURSE, request_mdn=False)
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, NURSE)
    assert sender.send(composed.message) == (NURSE,)
    uid = _uid(receiver, composed.message_id)

    _read_in_a_mail_client(receiver, uid)
    assert world.flags(receiver, composed.message_id) == [frozenset({SEEN})]

    report = fetch_mailbox(sessions, receiver, address=NURSE, product_reference=world.NIL)
    assert [d.message_id for d in report.imported] == [composed.message_id]
    assert [d.unique_id for d in report.imported] == list(composed.document_ids)
    assert report.refused == report.unknown_patients == report.postponed == []
    assert _stored(sessions, composed.message_id) == 1
    assert world.flags(receiver, composed.message_id) == [frozenset({SEEN, "$Processed"})]

    again = fetch_mailbox(sessions, receiver, address=NURSE, product_reference=world.NIL)
    assert again.imported == again.duplicates == []
    assert again.messages_processed == 0

    # the user marks it unread again in the mail client: still nothing more
    with receiver.mailbox() as box:
        box.remove_flags([uid], SEEN)
    assert world.flags(receiver, composed.message_id) == [frozenset({"$Processed"})]
    third = fetch_mailbox(sessions, receiver, address=NURSE, product_reference=world.NIL)
    assert third.imported == third.duplicates == []
    assert third.messages_processed == 0
    assert _stored(sessions, composed.message_id) == 1
