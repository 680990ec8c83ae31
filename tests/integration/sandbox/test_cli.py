"""``esante sandbox start`` as a real process, driven by ``esante dmp`` and the admin commands.

The sandbox runs as the console script would for a user (its own process, a free port,
``sandbox.json`` written once it answers); the client and admin commands run in this
process (typer's runner) against it, as ``ESANTE_SANDBOX`` users would. SIGTERM stops
it cleanly: exit status 0 and ``sandbox.json`` removed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from tests.waiting import wait_until

ESANTE = Path(sys.executable).with_name("esante")
STARTUP_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("cli-sandbox")
    env = {**os.environ, "ESANTE_HOME": str(directory / "home"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(ESANTE), "sandbox", "start", "--dir", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            process.wait()
            pytest.fail(f"sandbox not ready within {STARTUP_TIMEOUT}s: {seen}")
        if line is None:
            pytest.fail(f"sandbox ended before being ready: {seen}")
        seen.append(line)
        if "Bac à sable prêt" in line:
            break
    assert (directory / "sandbox.json").exists()
    yield directory
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=30)
    assert process.stdout is not None
    process.stdout.close()
    assert status == 0, seen
    assert not (directory / "sandbox.json").exists()


def esante(directory: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"ESANTE_SANDBOX": str(directory)})
    return result.exit_code, result.output


def test_status_of_a_demo_patient(running: Path) -> None:
    robert = demo_dataset().patient("robert")
    code, output = esante(running, "dmp", "status", "--ins", robert.nir, "--json")
    assert code == 0, output
    answer = json.loads(output)
    assert answer["existe"]
    assert answer["ouvert"]
    assert answer["autorisation"] == "VALIDE"  # the généraliste is his médecin traitant DMP
    assert answer["medecin_traitant"] is True


def test_send_search_get_archive_through_the_cli(running: Path, tmp_path: Path) -> None:
    claire = demo_dataset().patient("claire")
    built = example_document("vsm", patient="claire")
    cda = tmp_path / "note.xml"
    cda.write_bytes(built.xml)
    code, output = esante(running, "dmp", "send", str(cda), "--ins", claire.nir, "--json")
    assert code == 0, output
    unique_id = json.loads(output)["document"]
    code, output = esante(running, "dmp", "search", "--ins", claire.nir, "--json")
    assert code == 0, output
    assert unique_id in {row["uniqueId"] for row in json.loads(output)}
    target = tmp_path / "copie.xml"
    code, output = esante(
        running, "dmp", "get", unique_id, "--ins", claire.nir, "--sortie", str(target)
    )
    assert code == 0, output
    assert target.read_bytes() == built.xml
    code, output = esante(running, "dmp", "archive", unique_id, "--ins", claire.nir)
    assert code == 0, output
    assert "archivé" in output
    code, output = esante(running, "dmp", "search", "--ins", claire.nir)
    assert code == 0
    assert unique_id not in output
    code, output = esante(running, "dmp", "search", "--ins", claire.nir, "--archives")
    assert code == 0
    assert "archivé" in output


def test_admin_block_then_the_refusal_in_french(running: Path) -> None:
    paulette = demo_dataset().patient("paulette")
    doctor = demo_dataset().practitioner("generaliste")
    code, output = esante(
        running, "sandbox", "dmp", "block", "--ins", paulette.nir, "--ps", doctor.id_nat_ps
    )
    assert code == 0, output
    code, output = esante(running, "dmp", "search", "--ins", paulette.nir)
    assert code == 1
    assert "bloqué" in output
    code, output = esante(running, "sandbox", "dmp", "show", "--ins", paulette.nir, "--json")
    assert code == 0, output
    accesses = json.loads(output)["acces"]
    assert accesses[0]["code"] == "DMPProfessionalBlocked"


def test_down_and_up_reach_the_running_server(running: Path) -> None:
    mathieu = demo_dataset().patient("mathieu")
    code, output = esante(running, "sandbox", "dmp", "down")
    assert code == 0
    assert "EN PANNE" in output
    try:
        code, output = wait_until(
            lambda: _status_answering(running, mathieu.nir, 1),
            what="the running server applying 'down'",
            interval=0.2,
        )
        assert "indisponible" in output
    finally:
        esante(running, "sandbox", "dmp", "up")
    # Every server process reads the settings again (within a second of its next request):
    # up when several requests in a row, spread over the processes, are answered.
    answered: list[bool] = []

    def up_everywhere() -> bool:
        answered.append(_status_answering(running, mathieu.nir, 0) is not None)
        return answered[-5:] == [True] * 5

    wait_until(up_everywhere, what="every server process applying 'up'", interval=0.2)


def _status_answering(directory: Path, nir: str, expected: int) -> tuple[int, str] | None:
    code, output = esante(directory, "dmp", "status", "--ins", nir)
    return (code, output) if code == expected else None


def test_create_a_dmp_then_authorize_oneself(running: Path) -> None:
    matricule = "279035121518989"
    code, output = esante(running, "sandbox", "dmp", "create", "--ins", matricule, "--nom", "TEST")
    assert code == 0, output
    code, output = esante(running, "dmp", "status", "--ins", matricule, "--json")
    assert json.loads(output)["autorisation"] == "NON_EXISTANTE"
    code, output = esante(running, "dmp", "authorize", "--ins", matricule)
    assert code == 0, output
    assert "DMPOk" in output
    code, output = esante(running, "dmp", "status", "--ins", matricule, "--json")
    assert json.loads(output)["autorisation"] == "VALIDE"


def test_create_sets_the_traits_the_td02_answer_gives(running: Path) -> None:
    matricule = "279035121519088"  # not the one created above: one module sandbox
    code, output = esante(
        running, "sandbox", "dmp", "create", "--ins", matricule, "--nom", "TEST",
        "--prefixe", "MME", "--email", "test@example.org", "--mobile", "0601020304",
        "--compte-internet", "--json",
    )  # fmt: skip
    assert code == 0, output
    shown = json.loads(output[output.index("{") :])
    assert (shown["civilite"], shown["email"], shown["mobile"]) == (
        "MME",
        "test@example.org",
        "0601020304",
    )
    assert shown["compte_internet"] is True


def test_a_missing_sandbox_is_a_french_error(tmp_path: Path) -> None:
    code, output = esante(tmp_path, "dmp", "status", "--ins", "279035121518989")
    assert code == 1
    assert "Aucun bac à sable" in output


def test_bad_options_are_french_errors_and_nothing_is_sent(running: Path) -> None:
    code, output = esante(running, "dmp", "status", "--ins", "279035121518989", "--auth", "x")
    assert code == 1
    assert "Mode d'authentification inconnu" in output
    code, output = esante(running, "dmp", "search", "--ins", "279035121518989", "--ps", "nobody")
    assert code == 1
    assert "Professionnel inconnu" in output
