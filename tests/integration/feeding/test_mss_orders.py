"""MSSanté orders end to end: validation → worker → SMTP → the recipient's mailbox.

The delivered message is read back the way any mail client would, with nothing but
Python's ``imaplib``, ``email`` and ``zipfile``, and its METADATA.XML is checked against
the ebRIM schemas of the DMP kit.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import io
import json
import ssl
import zipfile
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from lxml import etree

from esante.cda.examples import example_document
from esante.demo import demo_dataset
from esante.practice.documents import validate_document
from esante.store import SendOrder
from esante.xds import load_schema
from tests.conftest import shared_path
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR

pytestmark = pytest.mark.xdist_group("feeding")
PMI = "certificatsdesante@plateformecse.mssante.fr"


def _messages(sandbox_dir: Path, address: str) -> list[Message]:
    manifest = json.loads((sandbox_dir / "sandbox.json").read_text())
    mss = manifest["mss"]
    box = next(b for b in mss["mailboxes"] if b["address"] == address)
    ca = Path(mss["ca"])
    context = ssl.create_default_context(cafile=str(ca if ca.is_absolute() else sandbox_dir / ca))
    with imaplib.IMAP4_SSL(mss["imap"]["host"], mss["imap"]["port"], ssl_context=context) as imap:
        imap.login(box["imap_user"], box["password"])
        imap.select("INBOX", readonly=True)
        _, found = imap.uid("SEARCH", "ALL")
        out = []
        for uid in found[0].split():
            _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = data[0][1]
            assert isinstance(raw, bytes)
            out.append(email.message_from_bytes(raw, policy=email.policy.default))
        return out


def _validate(practice: Practice, kind: str, patient: str, author: str) -> list[SendOrder]:
    built = example_document(kind, patient=patient, author=author)
    with practice.sessions() as session:
        done = validate_document(
            session,
            built.xml,
            patient_id=practice.patient(patient).id,
            deferral=timedelta(0),
            actor=ACTOR,
        )
        session.commit()
        for order in done.orders:
            session.expunge(order)
        return list(done.orders)


def test_a_cs24_goes_to_the_pmi_with_the_mssante_headers_and_xdm(practice: Practice) -> None:
    # a CS24 is written for a child at the 24-month exam (Lola, 13 months, is refused)
    orders = _validate(practice, "cs24", patient="gabriel", author="generaliste")
    mss = [o for o in orders if o.kind == "mss_send"]
    assert [o.recipient for o in mss] == [PMI]
    message_id = json.loads(mss[0].parameters or "{}")["message_id"]
    practice.worker().worker.run_once()
    sandbox_dir = Path(practice.sandbox.manifest.directory)
    delivered = [m for m in _messages(sandbox_dir, PMI) if m["Message-ID"] == message_id]
    assert len(delivered) == 1
    message = delivered[0]
    child = demo_dataset().patient("gabriel")
    assert message["Subject"].startswith("XDM/1.0/DDM+")
    assert child.birth_date.strftime("%d/%m/%Y") in message["Subject"]
    assert message["X-MSS-NIL"]
    assert message["X-MSS-CODECDA"] == "CERT_DECL"
    assert message["X-MSS-INS"] == "O"
    assert message["Disposition-Notification-To"] == message["From"]
    names = [part.get_filename() for part in message.walk() if part.get_filename()]
    assert "IHE_XDM.ZIP" in names
    assert any(name.lower().endswith(".pdf") for name in names)
    zipped = next(p for p in message.walk() if p.get_filename() == "IHE_XDM.ZIP")
    payload = zipped.get_payload(decode=True)
    assert isinstance(payload, bytes)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        listing = set(archive.namelist())
        assert {"INDEX.HTM", "README.TXT", "IHE_XDM/SUBSET01/METADATA.XML"} <= listing
        metadata = etree.fromstring(archive.read("IHE_XDM/SUBSET01/METADATA.XML"))
        documents = [n for n in listing if n.startswith("IHE_XDM/SUBSET01/") and n.endswith(".XML")]
        assert len(documents) == 2  # METADATA.XML and the CS24
    load_schema(shared_path("dmp-kit", "annexe-wsdl-schema", "schema")).validate(metadata)
    assert b"CERT_DECL" in etree.tostring(metadata)


def test_a_consultation_report_goes_to_the_medecin_traitant(practice: Practice) -> None:
    orders = _validate(practice, "n1", patient="robert", author="cardiologue")
    kinds = sorted(o.kind for o in orders)
    assert kinds == ["dmp_submit", "mss_send"]
    mss = next(o for o in orders if o.kind == "mss_send")
    doctor = demo_dataset().practitioner("generaliste")
    assert mss.recipient == doctor.mssante_address
    practice.worker().worker.run_once()
    message_id = json.loads(mss.parameters or "{}")["message_id"]
    sandbox_dir = Path(practice.sandbox.manifest.directory)
    got = [
        m for m in _messages(sandbox_dir, doctor.mssante_address) if m["Message-ID"] == message_id
    ]
    assert len(got) == 1
    assert got[0]["X-MSS-CODECDA"] == "11488-4"


def test_the_author_who_is_the_medecin_traitant_sends_no_copy_to_himself(
    practice: Practice,
) -> None:
    orders = _validate(practice, "n1", patient="robert", author="generaliste")
    assert [o.kind for o in orders] == ["dmp_submit"]


def test_a_document_masked_to_professionals_never_goes_to_a_professional(
    practice: Practice,
) -> None:
    built = example_document("n1", patient="robert", author="cardiologue")
    with practice.sessions() as session:
        done = validate_document(
            session,
            built.xml,
            patient_id=practice.patient("robert").id,
            visibility=["MASQUE_PS"],
            actor=ACTOR,
        )
        session.commit()
        assert [o.kind for o in done.orders] == ["dmp_submit"]
        assert any("masqué aux professionnels" in r for r in done.not_sent)
