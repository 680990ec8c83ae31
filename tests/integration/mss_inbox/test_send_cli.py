"""What ``esante mss send`` puts on the wire, read back from the recipient's mailbox: a
document to a patient's Mon espace santé mailbox from a personal box."""

from __future__ import annotations

import io
import json
import zipfile
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from esante.cli.mss import app
from esante.sandbox.runtime import RunningSandbox
from tests.integration.mss_inbox import world


def test_send_to_a_patient_from_a_personal_box(
    inbox_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert inbox_sandbox.mss is not None
    patient = f"{world.ins('lola').lower()}@patient.mssante.fr"
    service = inbox_sandbox.manifest.mss
    assert service is not None
    names_of = {m.address: m.display_name for m in service.mailboxes}
    institution = names_of[world.SENDER]  # the cabinet's organisational mailbox
    doctor = names_of[world.COLLEAGUE]
    cda = tmp_path / "vsm.xml"
    cda.write_bytes(world.example("vsm", "lola"))
    env = {
        "ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory),
        "ESANTE_MSS_PRODUCT_REFERENCE": world.NIL,
    }
    sent = CliRunner().invoke(
        app,
        ["send", str(cda), "--to", patient, "--from", world.COLLEAGUE, "--sans-reponse", "--json"],
        env=env,
    )
    assert sent.exit_code == 0, sent.output
    message_id = json.loads(sent.output)["message_id"]

    (raw,) = [
        data
        for _, data in inbox_sandbox.mss.operator.inbox(patient)
        if message_id.encode() in data.split(b"\r\n\r\n", 1)[0]
    ]
    received = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(received, EmailMessage)
    assert received["X-MSS-MES"] == "FIN"
    names = []
    for part in received.iter_attachments():
        assert part.get_param("name") == part.get_filename(), part["Content-Type"]
        names.append(part.get_filename())
    assert "IHE_XDM.ZIP" in names
    body = received.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "votre logiciel" not in text
    assert "copie lisible" in text

    package = next(p for p in received.iter_attachments() if p.get_filename() == "IHE_XDM.ZIP")
    data = package.get_payload(decode=True)
    assert isinstance(data, bytes)
    archive = zipfile.ZipFile(io.BytesIO(data))
    readme = archive.read("README.TXT").decode("utf-8")
    index = archive.read("INDEX.HTM").decode("utf-8")
    assert world.COLLEAGUE in readme  # how to reach the sender
    assert institution in readme
    assert institution in index
    assert doctor not in index


def _patient_reply_header(
    inbox_sandbox: RunningSandbox, tmp_path: Path, setting: str, *flags: str
) -> str | None:
    """``X-MSS-MES`` of a message ``esante mss send`` sends to Lola's patient mailbox with
    ``ESANTE_MSS_NO_PATIENT_REPLY=setting`` and ``flags``."""
    assert inbox_sandbox.mss is not None
    patient = f"{world.ins('lola').lower()}@patient.mssante.fr"
    cda = tmp_path / "vsm.xml"
    cda.write_bytes(world.example("vsm", "lola"))
    env = {
        "ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory),
        "ESANTE_MSS_PRODUCT_REFERENCE": world.NIL,
        "ESANTE_MSS_NO_PATIENT_REPLY": setting,
    }
    sent = CliRunner().invoke(
        app,
        [
            "send",
            str(cda),
            "--to",
            patient,
            "--from",
            world.COLLEAGUE,
            "--sans-pdf",
            *flags,
            "--json",
        ],
        env=env,
    )
    assert sent.exit_code == 0, sent.output
    output = json.loads(sent.output)
    (raw,) = [
        data
        for _, data in inbox_sandbox.mss.operator.inbox(patient)
        if output["message_id"].encode() in data.split(b"\r\n\r\n", 1)[0]
    ]
    received = BytesParser(policy=policy.default).parsebytes(raw)
    value = received["X-MSS-MES"]
    assert output["reponse_patient_bloquee"] is (value == "FIN")
    return None if value is None else str(value)


def test_the_practice_setting_decides_whether_a_patient_may_reply(
    inbox_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert _patient_reply_header(inbox_sandbox, tmp_path, "0") is None
    assert _patient_reply_header(inbox_sandbox, tmp_path, "1") == "FIN"
    # the option of one send wins over the setting, both ways
    assert _patient_reply_header(inbox_sandbox, tmp_path, "1", "--reponse-autorisee") is None
    assert _patient_reply_header(inbox_sandbox, tmp_path, "0", "--sans-reponse") == "FIN"


def test_a_professional_recipient_never_gets_x_mss_mes(
    inbox_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert inbox_sandbox.mss is not None
    cda = tmp_path / "vsm.xml"
    cda.write_bytes(world.example("vsm", "lola"))
    env = {
        "ESANTE_SANDBOX": str(inbox_sandbox.manifest.directory),
        "ESANTE_MSS_PRODUCT_REFERENCE": world.NIL,
        "ESANTE_MSS_NO_PATIENT_REPLY": "1",
    }
    sent = CliRunner().invoke(
        app,
        ["send", str(cda), "--to", world.NURSE, "--from", world.COLLEAGUE, "--sans-pdf", "--json"],
        env=env,
    )
    assert sent.exit_code == 0, sent.output
    output = json.loads(sent.output)
    assert output["reponse_patient_bloquee"] is False
    (raw,) = [
        data
        for _, data in inbox_sandbox.mss.operator.inbox(world.NURSE)
        if output["message_id"].encode() in data.split(b"\r\n\r\n", 1)[0]
    ]
    assert b"\r\nX-MSS-MES:" not in raw.split(b"\r\n\r\n", 1)[0]
