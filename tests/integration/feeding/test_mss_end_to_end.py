"""Two practices over the MSSanté sandbox, each with its own esante home.

Practice A (the cardiologist's centre) validates a consultation report: the worker sends
it to the patient's médecin traitant. Practice B (the médecin traitant's cabinet, a
second database) fetches his mailbox over IMAP with ``esante mss fetch``: the document
enters B's record with its provenance and B acknowledges it. A fetches its own mailbox:
A's send order now shows the report was received.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.practice.documents import validate_document
from esante.store import Document, SendOrder, make_engine, session_factory, upgrade
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR

pytestmark = pytest.mark.xdist_group("feeding")


def _cli(env: dict[str, str], *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_report_from_practice_a_reaches_practice_b_and_comes_back_acknowledged(
    practice: Practice, tmp_path: Path
) -> None:
    people = demo_dataset()
    doctor = people.practitioner("generaliste").mssante_address
    centre = next(s for s in people.structures if s.key == "centre").mssante_address
    assert doctor is not None
    assert centre is not None
    mss = practice.sandbox.mss
    assert mss is not None
    mss.operator.set_auto_mdn(False, doctor)  # B's own software acknowledges
    sandbox_dir = str(practice.sandbox.manifest.directory)

    # Practice A validates; its worker sends the report to the médecin traitant.
    report = example_document("n1", patient="robert", author="cardiologue")
    with practice.sessions() as session:
        done = validate_document(
            session,
            report.xml,
            patient_id=practice.patient("robert").id,
            deferral=timedelta(0),
            actor=ACTOR,
        )
        session.commit()
        order_id = next(o.id for o in done.orders if o.kind == "mss_send")
    practice.worker().worker.run_once()

    # Practice B: another home, another database, the same demo people.
    b_url = f"sqlite:///{tmp_path / 'b.db'}"
    engine = make_engine(b_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        load_demo(session, people)
        session.commit()
    b_env = {
        "ESANTE_HOME": str(tmp_path / "b"),
        "ESANTE_DATABASE_URL": b_url,
        "ESANTE_SANDBOX": sandbox_dir,
    }
    fetched = _cli(b_env, "mss", "fetch", "--mailbox", doctor)
    imported = fetched["documents_integres"]
    assert isinstance(imported, list)
    assert [d["document"] for d in imported] == [str(report.document_id)]
    with session_factory(engine)() as session:
        document = session.scalar(
            select(Document).where(Document.unique_id == str(report.document_id))
        )
        assert document is not None
        assert document.provenance == "mssante"
        assert centre in (document.provenance_detail or "")
        assert document.patient.ins_matricule == people.patient("robert").nir
    engine.dispose()

    # Practice A fetches its mailbox: the acknowledgement lands on its order.
    a_env = {
        "ESANTE_HOME": str(tmp_path / "a"),
        "ESANTE_DATABASE_URL": practice.url,
        "ESANTE_SANDBOX": sandbox_dir,
    }
    acknowledged = _cli(a_env, "mss", "fetch", "--mailbox", centre)
    assert acknowledged["accuses_recus"]
    with practice.sessions() as session:
        order = session.get(SendOrder, order_id)
        assert order is not None
        assert order.state == "sent"
        assert order.acknowledgement == "processed"
        assert order.acknowledged_at is not None
    # Fetching again changes nothing: nothing is imported twice.
    again = _cli(b_env, "mss", "fetch", "--mailbox", doctor)
    assert again["documents_integres"] == []
