"""REST: a patient qualified through ``/identity/evidence`` with the sandbox's INSi.

Real parts: the esante application (ASGI, in process) configured with ``ESANTE_SANDBOX``
pointing at a started sandbox whose INSi answers over mutual TLS on loopback; the demo
data loaded in the practice database (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from esante.store.models import Patient, Practitioner
from tests.unit.web.conftest import AppClient, open_client


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi-rest"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


@pytest.fixture
def ids(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            load_demo(session, demo_dataset())
            session.commit()
            yasmine = (
                session.query(Patient)
                .filter_by(local_id=demo_dataset().patient("yasmine").local_id)
                .one()
            )
            doctor = (
                session.query(Practitioner)
                .filter_by(rpps=demo_dataset().practitioner("generaliste").rpps)
                .one()
            )
            return {"patient": yasmine.id, "doctor": doctor.id}
    finally:
        engine.dispose()


@pytest.fixture
def client(
    db_url: str, tmp_path: Path, running: RunningSandbox, ids: dict[str, int]
) -> Iterator[AppClient]:
    """Signed in as the demo GP (PSC): INSi is queried on behalf of the signed-in
    professional, never of one named in the request body."""
    doctor = demo_dataset().practitioner("generaliste")
    actor = Actor(
        kind="psc",
        actor_id="8" + doctor.rpps,
        name="Médecin généraliste",
        role=ROLE_MEDECIN,
        practitioner_id=ids["doctor"],
    )
    settings = Settings(home=tmp_path, database_url=db_url, sandbox=running.manifest.directory)
    app_client = open_client(settings, actor=actor)
    yield app_client
    app_client.close()


def test_evidence_with_insi_qualifies_with_the_ins_of_the_answer(
    client: AppClient, ids: dict[str, int]
) -> None:
    yasmine = demo_dataset().patient("yasmine")
    answer = client.post(
        f"/api/patients/{ids['patient']}/identity/evidence",
        json={
            "insi_reference": "recherche",
            "identity_document": "PA",
            "identity_status": "QUAL",
            "practitioner_id": ids["doctor"],
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["identity_status"] == "QUAL"
    assert answer.json()["ins_matricule"] == yasmine.nir
    history = client.get(f"/api/patients/{ids['patient']}/identity/history").json()
    assert history[-1]["insi_reference"].startswith("INSi:")


def test_a_typed_ins_that_insi_does_not_confirm_is_refused(
    client: AppClient, ids: dict[str, int]
) -> None:
    other = demo_dataset().patient("claire")
    answer = client.post(
        f"/api/patients/{ids['patient']}/identity/evidence",
        json={
            "ins_matricule": other.nir,
            "ins_oid": other.ins_oid,
            "practitioner_id": ids["doctor"],
        },
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "ins_matricule"
