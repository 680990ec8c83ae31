"""The submission set's clinical activity (contentTypeCode) follows the care episode.

A GP's consultation report written during an ambulatory consultation goes to the sandbox
DMP and, by MSSanté, to the cardiologist who referred the patient: both submission sets
say 07 "Consultation Soins Externes" (the CI-SIS mapping for outpatient care). The
cardiologist's report written during a day hospitalisation goes to the médecin traitant
and says 04. Read back from what the sandbox
stored: the DMP's submission set row, and the METADATA.XML of the IHE_XDM.ZIP in the
recipient's mailbox (parsed with ``email``, ``zipfile`` and lxml only).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from lxml import etree
from sqlalchemy import select

from esante.cda.examples import example_document
from esante.demo import demo_dataset
from esante.practice.documents import validate_document
from esante.sandbox.dmp.models import DmpDocument, DmpSubmissionSet
from esante.store import CareEpisode, session_factory
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR

pytestmark = pytest.mark.xdist_group("feeding")

SS_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
"""ebRIM classification scheme of SubmissionSet.contentTypeCode (IHE ITI TF-3 4.2.3.3)."""


def _send(
    practice: Practice, episode_kind: str, author: str, referrer: str | None = None
) -> tuple[str, str, str]:
    """Validate a consultation report of Robert by ``author`` during an episode of
    ``episode_kind`` (``referrer``: who referred him), let the worker send it; (uniqueId,
    Message-ID and recipient of the MSSanté order)."""
    report = example_document("n1", patient="robert", author=author)
    patient = practice.patient("robert")
    writer = practice.practitioner(author)
    with practice.sessions() as session:
        episode = CareEpisode(patient_id=patient.id, practitioner_id=writer.id, kind=episode_kind)
        session.add(episode)
        session.flush()
        done = validate_document(
            session,
            report.xml,
            patient_id=patient.id,
            episode_id=episode.id,
            referrer_id=practice.practitioner(referrer).id if referrer else None,
            deferral=timedelta(0),
            actor=ACTOR,
        )
        session.commit()
        assert sorted(o.kind for o in done.orders) == ["dmp_submit", "mss_send"]
        mss = next(o for o in done.orders if o.kind == "mss_send")
        message_id = json.loads(mss.parameters or "{}")["message_id"]
        unique_id, recipient = done.document.unique_id, mss.recipient
        assert recipient is not None
    worker = practice.worker().worker
    while worker.run_once():
        pass
    return unique_id, message_id, recipient


def _dmp_activity(practice: Practice, unique_id: str) -> tuple[str | None, str | None]:
    with session_factory(practice.sandbox.engine)() as session:
        row = session.execute(
            select(DmpSubmissionSet.content_type_code, DmpSubmissionSet.content_type_scheme)
            .join(DmpDocument, DmpDocument.submission_set_id == DmpSubmissionSet.id)
            .where(DmpDocument.unique_id == unique_id)
        ).one()
        return row[0], row[1]


def _xdm_activity(practice: Practice, message_id: str, recipient: str) -> list[str]:
    """The contentTypeCode of the submission set in the METADATA.XML ``recipient`` got."""
    mss = practice.sandbox.mss
    assert mss is not None
    for _, raw in mss.operator.inbox(recipient):
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        if str(message["Message-ID"]) != message_id:
            continue
        package = next(p for p in message.walk() if p.get_filename() == "IHE_XDM.ZIP")
        data = package.get_payload(decode=True)
        assert isinstance(data, bytes)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            metadata = etree.fromstring(archive.read("IHE_XDM/SUBSET01/METADATA.XML"))
        codes = metadata.xpath(
            "//*[local-name()='Classification'][@classificationScheme=$scheme]/@nodeRepresentation",
            scheme=SS_CONTENT_TYPE,
        )
        assert isinstance(codes, list)
        return [str(c) for c in codes]
    raise AssertionError(f"{message_id} not delivered to {recipient}")


def test_a_gp_consultation_is_07_in_the_dmp_and_in_the_xdm(practice: Practice) -> None:
    unique_id, message_id, recipient = _send(
        practice, "consultation", "generaliste", referrer="cardiologue"
    )
    assert recipient == demo_dataset().practitioner("cardiologue").mssante_address
    assert _dmp_activity(practice, unique_id) == ("07", "1.2.250.1.213.2.2")
    assert _xdm_activity(practice, message_id, recipient) == ["07"]


def test_a_day_hospitalisation_is_04_in_the_dmp_and_in_the_xdm(practice: Practice) -> None:
    unique_id, message_id, recipient = _send(practice, "hospitalisation_jour", "cardiologue")
    assert recipient == demo_dataset().practitioner("generaliste").mssante_address
    assert _dmp_activity(practice, unique_id) == ("04", "1.2.250.1.213.2.2")
    assert _xdm_activity(practice, message_id, recipient) == ["04"]
