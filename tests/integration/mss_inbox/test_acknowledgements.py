"""The acknowledgements esante sends: RFC 8098 MDNs as the volet and the RFC ask."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy.orm import Session, sessionmaker

from esante.mss import read_mdn
from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from tests.integration.mss_inbox import world


def _delivered_answer(running: RunningSandbox, address: str, original_id: str) -> bytes:
    """The copy the operator stored in ``address``'s INBOX of the answer to ``original_id``."""
    assert running.mss is not None
    found = []
    for _, data in running.mss.operator.inbox(address):
        headers = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        if headers.get_param("report-type") != "disposition-notification":
            continue  # a delivery status notification (DSN) also answers the message
        if str(headers.get("In-Reply-To", "")).strip() == original_id:
            found.append(data)
    assert len(found) == 1, len(found)
    return found[0]


def test_mdn_names_the_original_recipient_and_leaves_with_a_null_envelope_sender(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    plain = world.raw_message(
        world.PMI_SECRETARIAT,
        world.compose(world.example("vsm", "lola"), world.PMI_SECRETARIAT).xdm,
    )
    relayed: EmailMessage = world.raw_message(
        world.PMI_SECRETARIAT,
        world.compose(world.example("vsm", "lola"), world.PMI_SECRETARIAT).xdm,
    )
    relayed["Original-Recipient"] = f"rfc822;{world.PEDIATRICIAN}"  # as a relaying MTA says
    sender = world.client(inbox_sandbox, world.SENDER)
    for message in (plain, relayed):
        sender.send(message)
    receiver = world.client(inbox_sandbox, world.PMI_SECRETARIAT)

    report = fetch_mailbox(
        sessions, receiver, address=world.PMI_SECRETARIAT, product_reference=world.NIL
    )
    assert report.acknowledgements_sent == 2

    expected = {
        str(plain["Message-ID"]): world.PMI_SECRETARIAT,
        str(relayed["Message-ID"]): world.PEDIATRICIAN,
    }
    for original_id, original_recipient in expected.items():
        stored = _delivered_answer(inbox_sandbox, world.SENDER, original_id)
        # the operator records the SMTP reverse-path it was given: MAIL FROM:<>
        assert stored.startswith(b"Return-Path: <>\r\n"), stored[:60]
        mdn = read_mdn(stored)
        assert mdn.original_message_id == original_id
        assert mdn.original_recipient == original_recipient
        assert mdn.final_recipient == world.PMI_SECRETARIAT
        assert mdn.sender == world.PMI_SECRETARIAT  # the From field stays the mailbox
