"""``X-MSS-MES: FIN`` on the worker's MSSanté sends to a patient's Mon espace santé mailbox.

The practice's setting (``ESANTE_MSS_NO_PATIENT_REPLY``, carried to the worker as
:attr:`MssSettings.block_patient_reply`) is the default; an order's own
``block_patient_reply`` parameter wins over it, both ways. The message is read back from
the patient's mailbox in the sandbox operator.
"""

from __future__ import annotations

from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from esante.cda.examples import example_document
from esante.outbox import NewOrder, Worker, create_order
from esante.practice.dmp_sender import CredentialRing
from esante.practice.documents import new_message_id, validate_document
from esante.practice.mss_sender import MssSettings
from esante.practice.send_handlers import send_handlers
from esante.services.assembly import default_content_type, sandbox_mailboxes
from tests.integration.feeding.conftest import FAST, Practice
from tests.unit.practice.acting import ACTOR

pytestmark = pytest.mark.xdist_group("feeding")


def _orders(practice: Practice, *parameters: dict[str, object]) -> list[str]:
    """One MSSanté order to Lola's patient mailbox per ``parameters``; their Message-IDs."""
    lola = practice.patient("lola")
    author = practice.practitioner("generaliste")
    built = example_document("vsm", patient="lola", author="generaliste")
    with practice.sessions() as session:
        done = validate_document(
            session,
            built.xml,
            patient_id=lola.id,
            feed_dmp=False,
            send_mss=False,
            actor=ACTOR,
        )
        structure = done.document.author.structure if done.document.author else None
        assert structure is not None
        assert structure.mssante_address
        ids = []
        for extra in parameters:
            message_id = new_message_id(structure.mssante_address)
            create_order(
                session,
                NewOrder(
                    kind="mss_send",
                    idempotency_key=f"mss:{message_id}",
                    patient_id=lola.id,
                    document_id=done.document.id,
                    practitioner_id=author.id,
                    structure_id=structure.id,
                    credential=f"structure:{structure.id_nat_struct}",
                    authentication_mode="certificat",
                    recipient=f"{lola.ins_matricule}@patient.mssante.fr",
                    parameters={
                        "message_id": message_id,
                        "sender": structure.mssante_address,
                        **extra,
                    },
                    deferral=timedelta(0),
                ),
            )
            ids.append(message_id)
        session.commit()
    return ids


def _run(practice: Practice, *, block_patient_reply: bool) -> None:
    settings = MssSettings(
        "ESANTE-TEST", "1.2.250.1.999.1.1.7898", default_content_type(), block_patient_reply
    )
    handlers = send_handlers(
        CredentialRing({}),
        mailboxes=sandbox_mailboxes(Path(practice.sandbox.manifest.directory)),
        mss_settings=settings,
    )
    worker = Worker(practice.sessions, handlers, credentials=("structure:*",), policy=FAST)
    while worker.run_once():
        pass


def _mes(practice: Practice, message_id: str) -> str | None:
    mss = practice.sandbox.mss
    assert mss is not None
    lola = practice.patient("lola")
    for _, raw in mss.operator.inbox(f"{lola.ins_matricule}@patient.mssante.fr"):
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        if str(headers["Message-ID"]) == message_id:
            value = headers["X-MSS-MES"]
            return None if value is None else str(value)
    raise AssertionError(f"{message_id} not delivered")


def test_the_setting_is_the_default_and_an_order_may_say_otherwise(practice: Practice) -> None:
    default, allowed = _orders(practice, {}, {"block_patient_reply": False})
    _run(practice, block_patient_reply=True)
    assert _mes(practice, default) == "FIN"
    assert _mes(practice, allowed) is None

    default, blocked = _orders(practice, {}, {"block_patient_reply": True})
    _run(practice, block_patient_reply=False)
    assert _mes(practice, default) is None
    assert _mes(practice, blocked) == "FIN"
