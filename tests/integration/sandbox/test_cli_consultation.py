"""`esante dmp search` / `get` on a practice database: the consent rules and the trace of
the REST API, against the real sandbox DMP (its own process) — SQLite and PostgreSQL.

Without the patient's consent the consultation is refused in French, nothing reaches the
DMP (its access log is unchanged) and the refusal is traced; with it, the decision and
the consultation are traced naming the ``--ps`` professional, origin ``cli``.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from esante.audit import AuditFilter, iter_entries, verify_chain
from esante.audit.anchor import Anchor
from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from esante.practice import acknowledge_notice, record_consent
from esante.practice.demo import load_demo
from esante.store import Practitioner, make_engine, session_factory
from esante.store.repositories import PatientRepository, PractitionerRepository
from tests.unit.practice.acting import acting

from .test_cli import running  # noqa: F401 - the module's own sandbox process


def _esante(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _dmp_accesses(env: dict[str, str], nir: str) -> list[object]:
    code, output = _esante(env, "sandbox", "dmp", "show", "--ins", nir, "--json")
    assert code == 0, output
    accesses = json.loads(output)["acces"]
    assert isinstance(accesses, list)
    return accesses


def test_consultation_needs_consent_and_is_traced(
    running: Path,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    data = demo_dataset()
    patient_data = data.patient("claire")
    doctor_data = data.practitioner("generaliste")
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session:
        load_demo(session, data)
        patient = PatientRepository(session).by_ins(patient_data.nir)
        doctor = PractitionerRepository(session).by_rpps(doctor_data.rpps)
        assert patient is not None
        assert doctor is not None
        patient_id, doctor_id = patient.id, doctor.id
        acknowledge_notice(session, doctor_id)
        session.commit()
    home = tmp_path / "home"
    env = {"ESANTE_SANDBOX": str(running), "ESANTE_HOME": str(home), "ESANTE_DATABASE_URL": db_url}

    # a document to consult (feeding is not a consultation: no consent needed)
    cda = tmp_path / "note.xml"
    cda.write_bytes(example_document("vsm", patient="claire").xml)
    code, output = _esante(env, "dmp", "send", str(cda), "--ins", patient_data.nir, "--json")
    assert code == 0, output
    unique_id = json.loads(output)["document"]

    # no consent: refused in French, nothing sent to the DMP, the refusal traced
    before = _dmp_accesses(env, patient_data.nir)
    for args in (("search",), ("get", unique_id, "--sortie", str(tmp_path / "x.xml"))):
        code, output = _esante(env, "dmp", *args, "--ins", patient_data.nir)
        assert code == 1, output
        assert "n'a pas consenti à la consultation de son DMP" in output
    assert _dmp_accesses(env, patient_data.nir) == before
    assert not (tmp_path / "x.xml").exists()
    with sessions() as session:
        entries = list(iter_entries(session, AuditFilter(patient=patient_data.nir)))
    refusals = [e for e in entries if e.outcome == "refused"]
    assert len(refusals) == 2
    assert {e.actor_id for e in refusals} == {doctor_data.id_nat_ps}
    assert not [e for e in entries if e.channel == "dmp" and e.action.startswith("TD3")]

    # with consent: consulted, and traced naming the professional
    with sessions() as session:
        record_consent(
            session,
            patient_id,
            informed=True,
            consultation_consent=True,
            actor=acting(session.get_one(Practitioner, doctor_id)),
        )
        session.commit()
    code, output = _esante(env, "dmp", "search", "--ins", patient_data.nir, "--json")
    assert code == 0, output
    assert unique_id in {row["uniqueId"] for row in json.loads(output)}
    target = tmp_path / "copie.xml"
    code, output = _esante(
        env, "dmp", "get", unique_id, "--ins", patient_data.nir, "--sortie", str(target)
    )
    assert code == 0, output
    assert target.exists()
    with sessions() as session:
        entries = list(iter_entries(session, AuditFilter(patient=patient_data.nir, channel="dmp")))
        consultations = [e for e in entries if e.action in ("TD3.1", "TD3.2")]
        assert [(e.action, e.outcome) for e in consultations] == [
            ("TD3.1", "success"),
            ("TD3.2", "success"),
        ]
        for entry in consultations:
            assert entry.actor_id == doctor_data.id_nat_ps
            assert entry.origin == "cli"
            assert entry.access_mode == "normal"
        assert consultations[1].document_unique_id == unique_id
        # every CLI commit was anchored: the trace verifies against the journal
        anchor = Anchor.for_engine(engine, home)
        report = verify_chain(session, anchor=anchor)
        assert report.ok, report.problem
        assert report.anchor is not None
        assert report.anchor.highest is not None
        assert report.anchor.highest.sequence == report.head_sequence
    engine.dispose()
