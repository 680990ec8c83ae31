"""`esante ins insi` / `esante ins vitale` against a running sandbox's INSi."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.sandbox.insi import sandbox_registry
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory, upgrade
from esante.store.repositories import PatientRepository


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi-cli"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


def _run(running: RunningSandbox, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["ins", *args], env={"ESANTE_SANDBOX": str(running.manifest.directory)}
    )
    return result.exit_code, result.output


def test_insi_prints_the_ins_of_a_demo_person_in_french(running: RunningSandbox) -> None:
    claire = demo_dataset().patient("claire")
    code, output = _run(
        running,
        "insi",
        "--nom", claire.birth_family_name,
        "--prenom", claire.first_given_name,
        "--naissance", claire.birth_date.strftime("%d-%m-%Y"),
        "--sexe", claire.sex,
    )  # fmt: skip
    assert code == 0, output
    assert "Code retour 00" in output
    assert f"INS : {claire.nir}" in output
    assert "Comparez les traits" in output


def test_insi_homonyms_say_02_and_what_to_do(running: RunningSandbox) -> None:
    traits = sandbox_registry().by_key("homonyme-1").traits
    born = traits.birth_date.date
    assert born is not None
    code, output = _run(
        running,
        "insi",
        "--nom", traits.birth_name,
        "--prenom", traits.first_given_name,
        "--naissance", born.strftime("%d-%m-%Y"),
        "--sexe", traits.sex,
        "--json",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["code"] == "02"


def test_vitale_finds_the_child_of_the_card_holder(running: RunningSandbox) -> None:
    lola = demo_dataset().patient("lola")
    parent = next(r for r in lola.legal_representatives if r.patient_key)
    insured = demo_dataset().patient(str(parent.patient_key)).nir
    code, output = _run(
        running, "vitale", "--nir-assure", insured, "--naissance", lola.birth_date.isoformat(),
        "--json",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["ins"]["matricule"] == lola.nir


def test_a_bad_sex_is_refused_in_french_naming_the_option(running: RunningSandbox) -> None:
    code, output = _run(
        running, "insi", "--nom", "X", "--prenom", "Y", "--naissance", "01-01-2000", "--sexe", "Z"
    )
    assert code != 0
    assert "n'accepte que M ou F" in output


def test_qualifier_takes_the_ins_from_insi_into_the_practice_database(
    running: RunningSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'esante.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        load_demo(session, demo_dataset())
        session.commit()
    yasmine = demo_dataset().patient("yasmine")
    env = {
        "ESANTE_SANDBOX": str(running.manifest.directory),
        "ESANTE_HOME": str(tmp_path),
        "ESANTE_DATABASE_URL": url,
    }
    result = CliRunner().invoke(
        app,
        ["ins", "qualifier", yasmine.local_id, "--piece", "PA", "--statut", "QUAL"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Statut de l'identité : QUAL" in result.output
    with session_factory(engine)() as session:
        stored = PatientRepository(session).by_local_id(yasmine.local_id)
        assert stored is not None
        assert stored.ins_matricule == yasmine.nir
    engine.dispose()


def test_sandbox_status_announces_psc_and_insi(tmp_path: Path) -> None:
    from esante.cli.sandbox import mss_addresses

    options = SandboxOptions(
        directory=tmp_path, seed_demo=False, mes=False, mss=False, annuaire=False
    )
    with start_sandbox(options) as sandbox:
        announced = dict(mss_addresses(sandbox.manifest))
        assert sandbox.manifest.insi is not None
        assert sandbox.manifest.psc is not None
        assert announced["INSi (TLS mutuel)"] == sandbox.manifest.insi.url
        assert announced["Pro Santé Connect"] == sandbox.manifest.psc.issuer
