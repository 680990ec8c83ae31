"""The bar through its interfaces: ``GET /api/patients/{id}/dmp`` (the esante app in
process, configured with the running sandbox) and ``esante dmp bar`` — SQLite and
PostgreSQL, the sandbox DMP over mutual TLS on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.config import Settings
from esante.practice.actors import ROLE_SECRETAIRE, Actor
from esante.practice.dmp_counters import snapshot_cache
from esante.sandbox.runtime import RunningSandbox
from tests.unit.web.conftest import open_client

from .test_dica import World, _world, running  # noqa: F401 - the module's sandbox


@pytest.fixture
def world(db_url: str, running: RunningSandbox) -> Iterator[World]:  # noqa: F811
    snapshot_cache.clear()  # the process's cache: ids repeat from one database to the next
    yield from _world(db_url, running)
    snapshot_cache.clear()


def test_rest_bar(world: World, db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    client = open_client(settings, actor=world.doctor)
    try:
        answer = client.get(f"/api/patients/{world.patient_id}/dmp")
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["acces_possible"] is True
    assert [(c["lettre"], c["ok"]) for c in body["conditions"]] == [
        ("D", True),
        ("I", True),
        ("C", True),
        ("A", True),
    ]
    counters = body["compteurs"]
    assert counters["documents"] == 0
    assert counters["nouveaux_libelle"] == "0 nouveau document"
    assert counters["mon_espace_sante"] is True
    assert datetime.fromisoformat(body["calcule_le"]).utcoffset() is not None

    client = open_client(settings, actor=world.doctor)
    try:
        missing = client.get(f"/api/patients/{world.patient_id + 1000}/dmp")
    finally:
        client.close()
    assert missing.status_code == 404, missing.text


def test_rest_bar_for_a_secretary_is_a_ko_a(world: World, db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    secretary = Actor(kind="local", actor_id="sec-1", name="Secrétariat", role=ROLE_SECRETAIRE)
    before = world.dmp_calls()
    client = open_client(settings, actor=secretary)
    try:
        answer = client.get(f"/api/patients/{world.patient_id}/dmp")
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    a = next(c for c in answer.json()["conditions"] if c["lettre"] == "A")
    assert a["ok"] is False
    assert a["motif"] == "vous n'êtes pas habilité à consulter le DMP de votre patient"
    assert answer.json()["compteurs"] is None
    assert world.dmp_calls() == before


def test_cli_bar(world: World, db_url: str, tmp_path: Path) -> None:
    env = {
        "ESANTE_SANDBOX": str(world.sandbox.manifest.directory),
        "ESANTE_HOME": str(tmp_path / "home"),
        "ESANTE_DATABASE_URL": db_url,
    }
    runner = CliRunner()
    args = ["dmp", "bar", "--ins", world.patient.matricule, "--ps", "generaliste"]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "✓ D — DMP" in result.output
    assert "✓ A — Authentification" in result.output
    assert "0 nouveau document" in result.output
    assert "Mon espace santé : oui" in result.output

    # the professional is not authorised on this DMP any more: C ✗ with the action
    world.admin.set_authorization(world.ins, world.doctor.actor_id, authorized=False)
    snapshot_cache.clear()
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    c = next(x for x in body["conditions"] if x["lettre"] == "C")
    assert (c["ok"], c["action"]) == (False, "declarer_autorisation")


def test_rest_bar_without_a_dmp_configured(world: World, db_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=db_url, sandbox=tmp_path / "absent")
    client = open_client(settings, actor=world.doctor)
    try:
        answer = client.get(f"/api/patients/{world.patient_id}/dmp")
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    d = answer.json()["conditions"][0]
    assert (d["lettre"], d["ok"]) == ("D", False)
    assert d["motif"] == "le DMP de votre patient n'est pas accessible : aucun DMP n'est configuré"


def test_cli_import(world: World, db_url: str, tmp_path: Path) -> None:
    from esante.cda.examples import example_document
    from esante.cda.read import read_document
    from esante.practice.dmp_access import dmp_actor_of

    with world.sessions() as session:
        actor = dmp_actor_of(session, world.doctor, world.dmp)
    built = example_document("vsm", ins=world.patient.matricule)
    world.dmp.client.submit(world.patient, built.xml, actor=actor)
    unique_id = str(read_document(built.xml).document_id)
    env = {
        "ESANTE_SANDBOX": str(world.sandbox.manifest.directory),
        "ESANTE_HOME": str(tmp_path / "home"),
        "ESANTE_DATABASE_URL": db_url,
    }
    args = ["dmp", "import", unique_id, "--ins", world.patient.matricule, "--ps", "generaliste"]
    runner = CliRunner()
    first = runner.invoke(app, [*args, "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert [row["statut"] for row in json.loads(first.output)] == ["importe"]
    second = runner.invoke(app, args, env=env)  # the table a person reads
    assert second.exit_code == 0, second.output
    assert "Import dans le dossier" in second.output
    again = runner.invoke(app, [*args, "--json"], env=env)
    (row,) = json.loads(again.output)
    assert row["statut"] == "deja_present"
    assert row["message"].startswith("Déjà dans le dossier")
    missing = runner.invoke(app, [*args[:2], "1.2.250.1.999.1", *args[3:], "--json"], env=env)
    assert missing.exit_code == 1
    (row,) = json.loads(missing.output)
    assert "pas dans le DMP" in row["message"]
