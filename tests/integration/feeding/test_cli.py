"""`esante feed`, `esante outbox` and `esante worker` against the sandbox DMP.

The commands run in-process (typer's runner) with the practice database and sandbox of
the test; the sandbox is the real server over mutual TLS.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.sandbox.runtime import RunningSandbox
from esante.store import make_engine, session_factory, upgrade
from tests.integration.feeding.conftest import Practice

pytestmark = pytest.mark.xdist_group("feeding")


def _env(practice: Practice, tmp_path: Path) -> dict[str, str]:
    return {
        "ESANTE_HOME": str(tmp_path),
        "ESANTE_DATABASE_URL": practice.url,
        "ESANTE_SANDBOX": str(practice.sandbox.manifest.directory),
    }


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_feed_block_release_and_send_from_the_command_line(
    practice: Practice, tmp_path: Path
) -> None:
    env = _env(practice, tmp_path)
    lola = demo_dataset().patient("lola").nir
    files = []
    for n in range(2):
        path = tmp_path / f"vsm{n}.xml"
        path.write_bytes(example_document("vsm", patient="lola").xml)
        files.append(str(path))
    code, out = _run(env, "feed", *files, "--ins", lola, "--delay", "600", "--no-check")
    assert code == 0, out
    assert out.count("envoi au DMP programmé") == 2
    assert "dans 10 min" in out
    code, out = _run(env, "outbox", "list", "--json")
    orders = json.loads(out)["ordres"]
    assert [o["etat"] for o in orders] == ["scheduled", "scheduled"]
    first, second = sorted(o["id"] for o in orders)
    assert _run(env, "outbox", "block", str(first), "--par", "810003986931")[0] == 0
    # making an order leave is a professional's decision: the local operator may not
    code, out = _run(env, "outbox", "now", str(second))
    assert code == 1
    assert "Votre rôle ne permet pas de débloquer, envoyer, relancer ou annuler" in out
    assert _run(env, "outbox", "now", str(second), "--ps", "generaliste")[0] == 0
    code, out = _run(env, "worker", "--once")
    assert code == 0, out
    assert "1 envoyé(s)" in out
    code, out = _run(env, "outbox", "show", str(first))
    assert "bloqué par 810003986931" in out
    # released and sent now
    assert _run(env, "outbox", "unblock", str(first), "--ps", "generaliste")[0] == 0
    assert _run(env, "outbox", "now", str(first), "--ps", "810003986931")[0] == 0
    assert "1 envoyé(s)" in _run(env, "worker", "--once")[1]
    states = {
        o["id"]: o["etat"] for o in json.loads(_run(env, "outbox", "list", "--json")[1])["ordres"]
    }
    assert states == {first: "sent", second: "sent"}
    # a sent order cannot be cancelled any more: French error, exit 1
    code, out = _run(env, "outbox", "cancel", str(first), "--ps", "generaliste")
    assert code == 1
    assert "Impossible d'annuler cet envoi : il est envoyé." in out


def test_feed_refuses_an_unknown_patient_and_a_document_of_another(
    practice: Practice, tmp_path: Path
) -> None:
    env = _env(practice, tmp_path)
    path = tmp_path / "vsm.xml"
    path.write_bytes(example_document("vsm", patient="lola").xml)
    code, out = _run(env, "feed", str(path), "--ins", "299999999999999", "--no-check")
    assert code == 1
    assert "Aucun patient du cabinet" in out
    other = demo_dataset().patient("claire").nir
    code, out = _run(env, "feed", str(path), "--ins", other, "--no-check")
    assert code == 1
    assert "autre patient" in out
    code, out = _run(env, "outbox", "list", "--json")
    assert json.loads(out)["ordres"] == []


@pytest.mark.kit
def test_feed_checks_the_document_with_the_kit(
    sandbox: RunningSandbox, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Once, on SQLite (the database plays no part in the check). The compiled kit is
    shared with the other kit tests of this test process (same cache directory)."""
    from tests.conftest import shared_path

    kit = shared_path("cisis-kit")
    cache = tmp_path_factory.getbasetemp() / "schematron-cache"
    cache.mkdir(exist_ok=True)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "schematron").symlink_to(cache)
    url = f"sqlite:///{tmp_path / 'esante.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        load_demo(session, demo_dataset())
        session.commit()
    engine.dispose()
    env = {
        "ESANTE_HOME": str(tmp_path),
        "ESANTE_DATABASE_URL": url,
        "ESANTE_SANDBOX": str(sandbox.manifest.directory),
        "ESANTE_CISIS_KIT": str(kit),
    }
    good = tmp_path / "good.xml"
    good.write_bytes(example_document("vac-note", patient="lola").xml)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        example_document("vac-note", patient="lola").xml.replace(b"87273-9", b"11111-1", 1)
    )
    lola = demo_dataset().patient("lola").nir
    code, out = _run(env, "feed", str(good), str(broken), "--ins", lola, "--delay", "0")
    assert code == 1
    assert "good.xml : envoi au DMP programmé" in out
    assert "broken.xml : non programmé — Document non conforme au kit CI-SIS" in out
    orders = json.loads(_run(env, "outbox", "list", "--json")[1])["ordres"]
    assert len(orders) == 1
