"""`esante mss send / fetch / mailboxes` against the sandbox operator (SQLite record)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from esante.cli.mss import app
from esante.practice import load_demo
from esante.sandbox.runtime import RunningSandbox
from esante.store import Document, make_engine, session_factory, upgrade
from tests.integration.mss_inbox import world

RECEIVER = "gael.brunet@msp-tilleuls.mssante.fr"


def test_send_fetch_and_list_mailboxes(inbox_sandbox: RunningSandbox, tmp_path: Path) -> None:
    assert inbox_sandbox.mss is not None
    inbox_sandbox.mss.operator.set_auto_mdn(False, RECEIVER)
    url = f"sqlite:///{tmp_path / 'cabinet.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        load_demo(session, world.PEOPLE)
        session.commit()
    env = {
        "ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory),
        "ESANTE_DATABASE_URL": url,
        "ESANTE_MSS_PRODUCT_REFERENCE": world.NIL,
        "COLUMNS": "200",
    }
    cda = tmp_path / "vsm.xml"
    cda.write_bytes(world.example("vsm", "lola"))
    runner = CliRunner()

    sent = runner.invoke(
        app, ["send", str(cda), "--to", RECEIVER, "--accuse", "--sans-pdf", "--json"], env=env
    )
    assert sent.exit_code == 0, sent.output
    message = json.loads(sent.output)
    assert message["expediteur"] == world.SENDER
    assert message["destinataires"] == [RECEIVER]
    assert message["accuse_demande"] is True

    fetched = runner.invoke(app, ["fetch", "--mailbox", RECEIVER], env=env)
    assert fetched.exit_code == 0, fetched.output
    assert "Documents intégrés au dossier" in fetched.output
    assert "N'DIAYE Lola" in fetched.output
    assert "1 accusé(s) de réception envoyé(s)" in fetched.output
    with session_factory(engine)() as session:
        stored = session.scalar(
            select(Document).where(Document.unique_id == message["documents"][0])
        )
        assert stored is not None
        assert stored.provenance == "mssante"
    engine.dispose()

    back = runner.invoke(app, ["fetch", "--json"], env=env)  # the default mailbox: the sender
    assert back.exit_code == 0, back.output
    acks = json.loads(back.output)["accuses_recus"]
    assert {"message_id": message["message_id"], "resultat": "processed"}.items() <= next(
        a for a in acks if a["message_id"] == message["message_id"]
    ).items()

    listed = runner.invoke(app, ["mailboxes", "--type", "organisational"], env=env)
    assert listed.exit_code == 0, listed.output
    assert world.SENDER in listed.output
    assert "certificat" in listed.output
    assert "mot de passe IMAP" not in listed.output
    shown = runner.invoke(app, ["mailboxes", "--json", "--mots-de-passe"], env=env)
    boxes = json.loads(shown.output)["boites"]
    assert len(boxes) == len(inbox_sandbox.manifest.mss.mailboxes)  # type: ignore[union-attr]
    assert all(b["mot_de_passe"] for b in boxes)

    unknown = runner.invoke(app, ["send", str(cda), "--to", RECEIVER, "--from", "x@y.fr"], env=env)
    assert unknown.exit_code != 0
    assert "Boîte aux lettres inconnue" in str(unknown.exception)
