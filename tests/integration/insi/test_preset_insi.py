"""REST and ``esante ins`` reach INSi through a non-sandbox preset (issue 16 part 2).

The configuration is what a practice writes for the CNAM's test platform
(``ESANTE_SERVICES=test``, the structure's authentication certificate as PKCS#12 with
its passphrase in a file, the signature one as an encrypted PEM pair, the LPS
settings), with ``ESANTE_INSI_URL`` pointing at the sandbox's INSi: the certificates are
the sandbox PKI's, so the mutual TLS handshake succeeds on loopback. No ``ESANTE_SANDBOX``
is given: nothing reads ``sandbox.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from esante.store.models import Patient, Practitioner
from esante.trust.pki import load_pki
from tests.unit.services.conftest import write_files
from tests.unit.web.conftest import AppClient, open_client


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi-preset"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def preset_env(running: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The ``ESANTE_*`` settings of the ``test`` preset, INSi at the sandbox's address."""
    assert running.manifest.insi is not None
    directory = tmp_path_factory.mktemp("structure")
    env = write_files(load_pki(running.manifest.pki.directory), directory)
    return env | {"ESANTE_INSI_URL": running.manifest.insi.url}


def _settings(env: dict[str, str], **more: object) -> Settings:
    values: dict[str, object] = {k.removeprefix("ESANTE_").lower(): v for k, v in env.items()}
    return Settings(**(values | more))  # type: ignore[arg-type]


def test_rest_qualifies_through_the_preset(preset_env: dict[str, str], db_url: str) -> None:
    yasmine = demo_dataset().patient("yasmine")
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        load_demo(session, demo_dataset())
        session.commit()
        patient = session.query(Patient).filter_by(local_id=yasmine.local_id).one()
        doctor = (
            session.query(Practitioner)
            .filter_by(rpps=demo_dataset().practitioner("generaliste").rpps)
            .one()
        )
        patient_id = patient.id
        actor = Actor(
            kind="psc",
            actor_id=doctor.id_nat_ps,
            name="Médecin généraliste",
            role=ROLE_MEDECIN,
            structure_id=doctor.structure_id,
            practitioner_id=doctor.id,
        )
    engine.dispose()
    settings = _settings(preset_env, database_url=db_url)
    assert settings.services == "test"
    assert settings.sandbox is None
    client: AppClient = open_client(settings, actor=actor)
    try:
        answer = client.post(
            f"/api/patients/{patient_id}/identity/evidence",
            json={"insi_reference": "recherche", "identity_document": "PA"},
        )
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    assert answer.json()["identity_status"] == "QUAL"
    assert answer.json()["ins_matricule"] == yasmine.nir


def test_cli_searches_through_the_preset_for_an_rpps(preset_env: dict[str, str]) -> None:
    claire = demo_dataset().patient("claire")
    rpps = demo_dataset().practitioner("generaliste").rpps
    result = CliRunner().invoke(
        app,
        [
            "ins", "insi",
            "--nom", claire.birth_family_name,
            "--prenom", claire.first_given_name,
            "--naissance", claire.birth_date.strftime("%d-%m-%Y"),
            "--sexe", claire.sex,
            "--ps", rpps,
        ],
        env=preset_env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"INS : {claire.nir}" in result.output


def test_cli_names_the_variable_when_the_preset_lacks_a_certificate(
    preset_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(preset_env)
    del env["ESANTE_AUTH_CERTIFICATE"]
    claire = demo_dataset().patient("claire")
    result = CliRunner().invoke(
        app,
        [
            "ins", "insi",
            "--nom", claire.birth_family_name,
            "--prenom", claire.first_given_name,
            "--naissance", claire.birth_date.strftime("%d-%m-%Y"),
            "--sexe", claire.sex,
        ],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "ESANTE_AUTH_CERTIFICATE" in result.output
