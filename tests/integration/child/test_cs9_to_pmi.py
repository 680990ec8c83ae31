"""The 9-month exam prompts the CS9; validating it sends it to the PMI and the DMP.

The exam's CR d'examen (N1) reaches the DMP too.

Real sockets: the practice database (SQLite and PostgreSQL) with the demo people, the
sandbox's DMP over mutual TLS and its MSSanté operator, the real worker in between. The
PMI mailbox is read back with nothing but ``imaplib`` and ``email``; the sandbox DMP is
asked whether it stores the certificate. The child is the demo's Jade, 9 months old on
any day the demo is built for.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import io
import json
import ssl
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from email.message import Message
from pathlib import Path

import pytest
from lxml import etree

from esante.catalogue import pmi_address
from esante.demo import demo_dataset
from esante.practice.child import (
    CertificateAnswers,
    ExamEntry,
    Measures,
    certificate_form,
    record_exam,
    record_measures,
    validate_certificate,
    validate_exam_report,
)
from esante.practice.child.records import SendOptions
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import acting

pytestmark = pytest.mark.xdist_group("feeding")
CDA = "{urn:hl7-org:v3}"


def _inbox(sandbox_dir: Path, address: str) -> list[Message]:
    manifest = json.loads((sandbox_dir / "sandbox.json").read_text())
    mss = manifest["mss"]
    box = next(b for b in mss["mailboxes"] if b["address"] == address)
    ca = Path(mss["ca"])
    context = ssl.create_default_context(cafile=str(ca if ca.is_absolute() else sandbox_dir / ca))
    with imaplib.IMAP4_SSL(mss["imap"]["host"], mss["imap"]["port"], ssl_context=context) as imap:
        imap.login(box["imap_user"], box["password"])
        imap.select("INBOX", readonly=True)
        _, found = imap.uid("SEARCH", "ALL")
        messages: list[Message] = []
        for uid in found[0].split():
            _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = data[0][1]
            assert isinstance(raw, bytes)
            messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return messages


def _cda_in(message: Message) -> etree._Element:
    zipped = next(p for p in message.walk() if p.get_filename() == "IHE_XDM.ZIP")
    payload = zipped.get_payload(decode=True)
    assert isinstance(payload, bytes)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        name = next(
            n
            for n in archive.namelist()
            if n.startswith("IHE_XDM/SUBSET01/") and n.endswith(".XML") and "METADATA" not in n
        )
        return etree.fromstring(archive.read(name))


def test_validating_the_cs9_sends_it_to_the_pmi_mailbox_and_the_dmp(
    practice: Practice, schedule_vaccinations: None
) -> None:
    jade = practice.patient("jade")
    doctor = acting(practice.practitioner("pediatre"))
    today = demo_dataset().reference_date
    with practice.sessions() as session:
        measures = record_measures(
            session, jade.id, Measures(today, 8600, None, None), actor=doctor
        )
        recorded = record_exam(
            session,
            jade.id,
            "m9",
            ExamEntry(
                today,
                {"Accidents domestiques": "Aucun accident"},
                conclusion="Examen normal.",
                measurement_id=measures.id,
            ),
            actor=doctor,
        )
        session.commit()
    assert recorded.certificate is not None
    assert recorded.certificate.certificate == "CS9"  # the prompt
    with practice.sessions() as session:
        report = validate_exam_report(
            session, jade.id, "m9", actor=doctor, options=SendOptions(deferral=timedelta(0))
        )
        session.commit()
        report_id = report.document.unique_id

    with practice.sessions() as session:
        form = certificate_form(session, jade.id, "CS9", actor=doctor, today=today)
        assert isinstance(form.answers, CertificateAnswers)
        assert form.answers.domestic_accident is False  # prefilled from the exam
        answers: CertificateAnswers = replace(
            form.answers,
            mother_birth_date=date(1993, 4, 12),
            mother_activity="PAT-040",
            childcare=False,
            neurodevelopment_orientation=False,
        )
        done = validate_certificate(
            session,
            jade.id,
            "CS9",
            answers,
            actor=doctor,
            options=SendOptions(deferral=timedelta(0)),
        )
        session.commit()
        unique_id = done.document.unique_id
        mss = [o for o in done.orders if o.kind == "mss_send"]
        assert [o.recipient for o in mss] == [pmi_address()]
        message_id = json.loads(mss[0].parameters or "{}")["message_id"]
        assert sorted(o.kind for o in done.orders) == ["dmp_submit", "mss_send"]

    worker = practice.worker().worker
    for _ in range(5):  # no user action: the worker sends both orders
        worker.run_once()
        if practice.in_dmp(unique_id) and practice.in_dmp(report_id):
            break
    assert practice.in_dmp(unique_id) == 1
    assert practice.in_dmp(report_id) == 1  # the CR d'examen too

    delivered = [
        m
        for m in _inbox(Path(practice.sandbox.manifest.directory), pmi_address())
        if m["Message-ID"] == message_id
    ]
    assert len(delivered) == 1
    message = delivered[0]
    assert message["X-MSS-CODECDA"] == "CERT_DECL"
    cda = _cda_in(message)
    ident = cda.find(f"{CDA}id")
    assert ident is not None
    assert (ident.get("root") or "?") in unique_id  # the very certificate validated
    templates = {t.get("root") for t in cda.findall(f"{CDA}templateId")}
    assert "1.2.250.1.213.1.1.1.5.2" in templates  # CSE-CS9
