"""Re-verification of held INS against the sandbox's INSi, over real sockets (mutual TLS).

Real parts: a started sandbox (its INSi over mutual TLS on loopback), the esante
application in process (ASGI) and the ``esante`` command, the practice database (SQLite
and PostgreSQL) with the demo data. The identities' last INSi verification is dated
before the default period by moving their history rows back (the demo people's ages are
relative to today, so they are loaded today);
the sandbox's person whose NIA was replaced by a NIR is added, held with the old NIA. An
outage is an ``ESANTE_INSI_URL`` on a loopback port where nothing listens.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.audit import AuditFilter, latest_entries
from esante.cli.main import app
from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import NewPatient, create_patient, load_demo
from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.practice.reverification import ACTION, DEFAULT_PERIOD
from esante.sandbox.insi import sandbox_registry
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from esante.store.models import IdentityStatusChange, Patient, Practitioner
from esante.store.repositories import PatientRepository
from tests.unit.practice.acting import acting
from tests.unit.web.conftest import AppClient, open_client

AGE = DEFAULT_PERIOD + timedelta(days=30)
"""How long ago the identities of the practice were last verified."""


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi-reverify"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"https://127.0.0.1:{port}/insi/ICIR"


@pytest.fixture
def ids(db_url: str) -> dict[str, int]:
    """The demo practice verified long ago, plus the replaced NIA held as QUAL."""
    person = sandbox_registry().by_key("ins-change")
    traits = person.traits.identity_traits()
    old = person.individual.history[0].ins
    dataset = demo_dataset()
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            load_demo(session, dataset)
            session.commit()
            doctor = (
                session.query(Practitioner)
                .filter_by(rpps=dataset.practitioner("generaliste").rpps)
                .one()
            )
            changed = create_patient(
                session,
                NewPatient(
                    birth_family_name=traits.birth_family_name,
                    birth_given_names=traits.birth_given_names,
                    sex=traits.sex,
                    birth_date=traits.birth_date,
                    birthplace_cog=traits.birthplace_cog,
                    local_id="IPP-INS-CHANGE",
                    ins_matricule=old.matricule,
                    ins_oid=old.oid,
                    insi_reference="INSi:import",
                    identity_document="PA",
                    identity_status="QUAL",
                ),
                actor=acting(doctor),
            )
            session.commit()
            for row in session.query(IdentityStatusChange):  # verified a period ago
                row.at = row.at - AGE
            session.commit()
            claire = PatientRepository(session).by_local_id(dataset.patient("claire").local_id)
            assert claire is not None
            return {"doctor": doctor.id, "claire": claire.id, "changed": changed.id}
    finally:
        engine.dispose()


def _client(settings: Settings, db_url: str, doctor_id: int) -> AppClient:
    """Signed in as the demo GP (PSC): INSi is called on his behalf."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        doctor = session.get(Practitioner, doctor_id)
        assert doctor is not None
        actor = Actor(
            kind="psc",
            actor_id=doctor.id_nat_ps,
            name="Médecin généraliste",
            role=ROLE_MEDECIN,
            structure_id=doctor.structure_id,
            practitioner_id=doctor.id,
        )
    engine.dispose()
    return open_client(settings, actor=actor)


@pytest.fixture
def client(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> Iterator[AppClient]:
    settings = Settings(home=tmp_path, database_url=db_url, sandbox=running.manifest.directory)
    app_client = _client(settings, db_url, ids["doctor"])
    yield app_client
    app_client.close()


def test_rest_a_confirmed_ins_stays_qualified_with_a_new_reference(
    client: AppClient, ids: dict[str, int]
) -> None:
    before = client.get(f"/api/patients/{ids['claire']}/identity/history").json()
    answer = client.post(f"/api/patients/{ids['claire']}/identity/reverify")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "confirmed", body["message"]
    assert body["retry"] is False
    assert (body["from_status"], body["to_status"]) == ("QUAL", "QUAL")
    assert body["patient"]["ins_matricule"] == demo_dataset().patient("claire").nir
    history = client.get(f"/api/patients/{ids['claire']}/identity/history").json()
    assert len(history) == len(before) + 1
    assert history[-1]["insi_reference"] == body["insi_reference"]
    assert history[-1]["insi_reference"].startswith("INSi:")
    assert history[-1]["insi_reference"] not in {row["insi_reference"] for row in before}
    assert (history[-1]["from_status"], history[-1]["to_status"]) == ("QUAL", "QUAL")


def test_rest_a_changed_ins_is_reported_and_downgraded(
    client: AppClient, ids: dict[str, int]
) -> None:
    new_ins = sandbox_registry().by_key("ins-change").individual.active.matricule
    answer = client.post(f"/api/patients/{ids['changed']}/identity/reverify")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "replaced"
    assert body["new_ins"] == new_ins
    assert new_ins in body["message"]
    assert (body["from_status"], body["to_status"]) == ("QUAL", "VALI")
    assert body["patient"]["ins_matricule"] is None
    last = client.get(f"/api/patients/{ids['changed']}/identity/history").json()[-1]
    assert (last["from_status"], last["to_status"]) == ("QUAL", "VALI")
    assert last["insi_reference"] == body["insi_reference"]
    assert new_ins in last["reason"]


def test_rest_an_outage_leaves_the_status_and_says_retry(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> None:
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        sandbox=running.manifest.directory,
        insi_url=_closed_port_url(),
    )
    client = _client(settings, db_url, ids["doctor"])
    try:
        before = client.get(f"/api/patients/{ids['claire']}/identity/history").json()
        answer = client.post(f"/api/patients/{ids['claire']}/identity/reverify")
        after = client.get(f"/api/patients/{ids['claire']}/identity/history").json()
    finally:
        client.close()
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["outcome"] == "unavailable"
    assert body["retry"] is True
    assert "réessayez" in body["message"]
    assert (body["from_status"], body["to_status"]) == ("QUAL", "QUAL")
    assert body["patient"]["ins_matricule"] == demo_dataset().patient("claire").nir
    assert after == before
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        trace = latest_entries(session, AuditFilter(action=ACTION), limit=1)[0]
    engine.dispose()
    assert trace.outcome == "failure"
    assert trace.actor_id == "8" + demo_dataset().practitioner("generaliste").rpps


def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ins", "reverifier", *args], env=env)
    return result.exit_code, result.output


def _env(db_url: str, tmp_path: Path, running: RunningSandbox) -> dict[str, str]:
    return {
        "ESANTE_SANDBOX": str(running.manifest.directory),
        "ESANTE_HOME": str(tmp_path),
        "ESANTE_DATABASE_URL": db_url,
    }


def _statuses(db_url: str) -> dict[str, tuple[str, str | None]]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        found = {
            p.local_id: (p.identity_status, p.ins_matricule) for p in session.query(Patient).all()
        }
    engine.dispose()
    return found


def test_cli_reverifies_the_due_identities_with_a_summary(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> None:
    before = _statuses(db_url)
    holding = sorted(k for k, (status, _) in before.items() if status in ("RECUP", "QUAL"))
    code, output = _cli(_env(db_url, tmp_path, running), "--json")
    assert code == 0, output
    report = json.loads(output[output.index("{") :])
    assert sorted(r["ipp"] for r in report["resultats"]) == holding
    assert report["bilan"]["replaced"] == 1
    assert report["bilan"]["confirmed"] == len(holding) - 1
    replaced = next(r for r in report["resultats"] if r["resultat"] == "replaced")
    assert replaced["ipp"] == "IPP-INS-CHANGE"
    after = _statuses(db_url)
    assert after["IPP-INS-CHANGE"] == ("VALI", None)
    assert all(after[k] == before[k] for k in holding if k != "IPP-INS-CHANGE")
    code, output = _cli(_env(db_url, tmp_path, running))
    assert code == 0, output
    assert "Aucune INS à revérifier" in output


def test_cli_stops_at_an_outage_and_says_retry(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> None:
    before = _statuses(db_url)
    env = _env(db_url, tmp_path, running) | {"ESANTE_INSI_URL": _closed_port_url()}
    code, output = _cli(env)
    assert code == 1, output
    assert "téléservice indisponible : à réessayer" in output
    holding = sum(status in ("RECUP", "QUAL") for status, _ in before.values())
    assert f"{holding - 1} non vérifiées après l'indisponibilité" in output
    assert _statuses(db_url) == before


def test_cli_reverifies_one_patient_by_ipp_in_french(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> None:
    code, output = _cli(_env(db_url, tmp_path, running), "--ipp", "IPP-INS-CHANGE")
    assert code == 0, output
    new_ins = sandbox_registry().by_key("ins-change").individual.active.matricule
    assert "IPP IPP-INS-CHANGE : INS remplacée : statut abaissé." in output
    assert new_ins in output
    assert "1 INS remplacées" in output
    code, output = _cli(_env(db_url, tmp_path, running), "--ipp", "INCONNU")
    assert code == 1
    assert "Aucun patient d'IPP « INCONNU »" in output
