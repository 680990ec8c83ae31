"""Acknowledgements esante does not send by itself: to automatic messages (said in a
remark) and to another address than the Return-Path (shown to the user, sent on an
explicit confirmation, through the library and through ``esante mss``)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from esante.cli.mss import app
from esante.mss import read_mdn
from esante.practice.errors import PracticeError
from esante.practice.inbox import (
    KEYWORD_MDN_WITHHELD,
    fetch_mailbox,
    release_acknowledgement,
    withheld_acknowledgements,
)
from esante.sandbox.runtime import RunningSandbox
from esante.store import AuditRecord
from tests.integration.mss_inbox import world


def _answers(running: RunningSandbox, address: str, original_id: str) -> list[bytes]:
    """What the operator stored in ``address``'s INBOX answering ``original_id``."""
    assert running.mss is not None
    found = []
    for _, data in running.mss.operator.inbox(address):
        headers = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        if headers.get_param("report-type") != "disposition-notification":
            continue  # a delivery status notification (DSN) also answers the message
        if str(headers.get("In-Reply-To", "")).strip() == original_id:
            found.append(data)
    return found


def _package() -> bytes:
    composed = world.compose(world.example("vsm", "lola"), world.PHARMACY)
    assert composed.xdm is not None
    return composed.xdm


def test_automatic_message_gets_no_acknowledgement_and_a_remark_says_so(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    message = world.raw_message(world.PHARMACY, _package())
    message["Auto-Submitted"] = "auto-generated"
    world.client(inbox_sandbox, world.SENDER).send(message)
    receiver = world.client(inbox_sandbox, world.PHARMACY)

    report = fetch_mailbox(sessions, receiver, address=world.PHARMACY, product_reference=world.NIL)

    message_id = str(message["Message-ID"])
    assert [d.message_id for d in report.imported] == [message_id]
    assert report.acknowledgements_sent == 0
    assert any(
        n.startswith(message_id) and "Auto-Submitted: auto-generated" in n for n in report.notes
    ), report.notes
    assert _answers(inbox_sandbox, world.SENDER, message_id) == []


def test_mdn_to_another_address_is_withheld_shown_and_sent_once_confirmed(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    message = world.raw_message(world.PHARMACY, _package())
    message.replace_header("Disposition-Notification-To", world.COLLEAGUE)
    world.client(inbox_sandbox, world.SENDER).send(message)
    receiver = world.client(inbox_sandbox, world.PHARMACY)
    message_id = str(message["Message-ID"])

    report = fetch_mailbox(sessions, receiver, address=world.PHARMACY, product_reference=world.NIL)

    assert [d.message_id for d in report.imported] == [message_id]
    assert report.acknowledgements_sent == 0
    (withheld,) = report.withheld
    assert (withheld.message_id, withheld.notify, withheld.return_path) == (
        message_id,
        world.COLLEAGUE,
        world.SENDER,
    )
    assert withheld.error_code is None
    assert any(world.COLLEAGUE in n and world.SENDER in n for n in report.notes)
    assert _answers(inbox_sandbox, world.COLLEAGUE, message_id) == []
    (flags,) = world.flags(receiver, message_id)
    assert KEYWORD_MDN_WITHHELD in flags
    assert [w.message_id for w in withheld_acknowledgements(receiver)] == [message_id]

    with pytest.raises(PracticeError):
        release_acknowledgement(
            sessions,
            receiver,
            address=world.PHARMACY,
            product_reference=world.NIL,
            message_id=message_id,
            confirmed=False,
        )
    assert _answers(inbox_sandbox, world.COLLEAGUE, message_id) == []

    release_acknowledgement(
        sessions,
        receiver,
        address=world.PHARMACY,
        product_reference=world.NIL,
        message_id=message_id,
        confirmed=True,
    )
    (stored,) = _answers(inbox_sandbox, world.COLLEAGUE, message_id)
    assert stored.startswith(b"Return-Path: <>\r\n")
    mdn = read_mdn(stored)
    assert mdn.original_message_id == message_id
    assert not mdn.disposition.automatic  # manual-action/MDN-sent-manually
    assert not mdn.is_error
    assert withheld_acknowledgements(receiver) == []
    with sessions() as session:
        traced = session.scalars(
            select(AuditRecord.detail).where(AuditRecord.action == "accuse_reception_envoye")
        ).all()
    assert any(message_id in (d or "") for d in traced)
    with pytest.raises(PracticeError):  # released once
        release_acknowledgement(
            sessions,
            receiver,
            address=world.PHARMACY,
            product_reference=world.NIL,
            message_id=message_id,
            confirmed=True,
        )


def test_withheld_negative_acknowledgement_is_sent_through_the_cli(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session], db_url: str
) -> None:
    refused = world.raw_message(world.PHARMACY, b"ceci n'est pas une archive")
    refused.replace_header("Disposition-Notification-To", world.COLLEAGUE)
    world.client(inbox_sandbox, world.SENDER).send(refused)
    message_id = str(refused["Message-ID"])
    env = {
        "ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory),
        "ESANTE_DATABASE_URL": db_url,
        "ESANTE_MSS_PRODUCT_REFERENCE": world.NIL,
        "COLUMNS": "250",
    }
    runner = CliRunner()

    fetched = runner.invoke(app, ["fetch", "--mailbox", world.PHARMACY], env=env)
    assert fetched.exit_code == 0, fetched.output
    assert "Accusés de réception retenus" in fetched.output
    listed = runner.invoke(app, ["accuses", "--mailbox", world.PHARMACY, "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert message_id in listed.output
    assert world.COLLEAGUE in listed.output

    declined = runner.invoke(
        app, ["envoyer-accuse", message_id, "--mailbox", world.PHARMACY], input="n\n", env=env
    )
    assert declined.exit_code == 1
    assert f"Accusé de réception demandé à : {world.COLLEAGUE}" in declined.output
    assert f"Adresse de retour du message : {world.SENDER}" in declined.output
    assert _answers(inbox_sandbox, world.COLLEAGUE, message_id) == []

    sent = runner.invoke(
        app, ["envoyer-accuse", message_id, "--mailbox", world.PHARMACY], input="o\n", env=env
    )
    assert sent.exit_code == 0, sent.output
    (stored,) = _answers(inbox_sandbox, world.COLLEAGUE, message_id)
    mdn = read_mdn(stored)
    assert mdn.is_error
    assert mdn.error is not None
    assert mdn.error.code == "906"
