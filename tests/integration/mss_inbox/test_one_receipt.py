"""One receipt per message, from the party that processed it: the sandbox operator's
automatic "processed" MDN stops for a mailbox whose esante acknowledges by itself."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from esante.cli.mss import app
from esante.mss import read_mdn
from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from tests.integration.mss_inbox import world

PLATFORM = "certificatsdesante@plateformecse.mssante.fr"  # auto MDN left on by conftest


def _receipts(running: RunningSandbox, original_id: str) -> list[str]:
    """The Reporting-UA of each MDN in the sender's INBOX answering ``original_id``."""
    assert running.mss is not None
    found = []
    for _, data in running.mss.operator.inbox(world.SENDER):
        headers = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        if headers.get_param("report-type") != "disposition-notification":
            continue  # a delivery status notification (DSN) also answers the message
        if str(headers.get("In-Reply-To", "")).strip() == original_id:
            found.append(read_mdn(data).reporting_ua or "")
    return found


def _send(running: RunningSandbox) -> str:
    composed = world.compose(world.example("vsm", "lola"), PLATFORM)
    world.client(running, world.SENDER).send(composed.message)
    return composed.message_id


def test_declared_or_learnt_software_mailbox_gets_only_its_own_receipt(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    assert inbox_sandbox.mss is not None
    assert PLATFORM not in world.RECEIVERS
    operator = inbox_sandbox.mss.operator
    env = {"ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory), "COLUMNS": "200"}
    runner = CliRunner()
    receiver = world.client(inbox_sandbox, PLATFORM)

    def fetch() -> None:
        report = fetch_mailbox(sessions, receiver, address=PLATFORM, product_reference=world.NIL)
        assert report.refused == []

    # no software known behind the mailbox: the operator acknowledges, as a webmail user's would
    undone = runner.invoke(app, ["accuses-logiciel", "--mailbox", PLATFORM, "--non"], env=env)
    assert undone.exit_code == 0, undone.output
    unattended = _send(inbox_sandbox)
    (operator_receipt,) = _receipts(inbox_sandbox, unattended)
    assert operator_receipt.endswith("; esante MSSante sandbox")

    # declared through the CLI: only esante's own receipt
    declared = runner.invoke(app, ["accuses-logiciel", "--mailbox", PLATFORM], env=env)
    assert declared.exit_code == 0, declared.output
    assert not operator.auto_mdn(PLATFORM)
    first = _send(inbox_sandbox)
    assert _receipts(inbox_sandbox, first) == []
    fetch()
    (own,) = _receipts(inbox_sandbox, first)
    assert own.startswith("esante;")

    # learnt: once the mailbox has sent an MDN itself, the operator stays silent for it
    again = runner.invoke(app, ["accuses-logiciel", "--mailbox", PLATFORM, "--non"], env=env)
    assert again.exit_code == 0, again.output
    assert operator.auto_mdn(PLATFORM)
    teaching = _send(inbox_sandbox)
    fetch()  # esante answers: the operator learns that PLATFORM has software behind it
    assert not operator.auto_mdn(PLATFORM)
    learnt = _send(inbox_sandbox)
    fetch()
    (only,) = _receipts(inbox_sandbox, learnt)
    assert only.startswith("esante;")
    assert len(_receipts(inbox_sandbox, teaching)) == 2  # the one message before it knew
