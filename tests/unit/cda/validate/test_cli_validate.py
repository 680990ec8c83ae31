"""`esante cda validate`: tables or JSON, exit status, missing kit (on the synthetic kit)."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from tests.unit.cda.validate.kitfiles import synthetic_document


@pytest.fixture
def env(synthetic_kit: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "ESANTE_CISIS_KIT": str(synthetic_kit),
        "ESANTE_HOME": str(tmp_path / "home"),
        "ESANTE_NO_VALIDATION_SERVER": "1",  # the server is tested in test_server.py
    }


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "bon.xml": synthetic_document(),
        "mauvais.xml": synthetic_document(with_id=False, code="AUTRE"),
        "hostile.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in made}


def test_conforming_document_exits_0(env: dict[str, str], files: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["cda", "validate", str(files["bon.xml"])], env=env)
    assert result.exit_code == 0, result.output
    assert "✔ Conforme" in result.output
    assert "CI-SIS_VSM_2023.01.sch" in result.output


def test_findings_table_and_exit_1(env: dict[str, str], files: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["cda", "validate", str(files["mauvais.xml"])], env=env)
    assert result.exit_code == 1
    out = result.output
    assert "✘ Non conforme : 2 erreur(s)" in out
    for words in ("Sévérité", "Message", "Emplacement", "Erreur", "(min) Le document doit"):
        assert words in out


def test_several_files_as_json(env: dict[str, str], files: dict[str, Path]) -> None:
    paths = [str(files[n]) for n in ("bon.xml", "mauvais.xml", "hostile.xml")]
    result = CliRunner().invoke(app, ["cda", "validate", *paths, "--json"], env=env)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [item["ok"] for item in data] == [True, False, False]
    assert data[0]["report"]["volets"] == ["CI-SIS_VSM_2023.01.sch"]
    assert data[1]["report"]["counts"]["errors"] == 2
    assert {f["message"] for f in data[1]["report"]["findings"]} == {
        "(min) Le document doit avoir un identifiant.",
        "[VSM] Le code du document doit être SYNTH.",
    }
    assert "DOCTYPE/ENTITY sont refusées" in data[2]["error"]["message"]


def test_worker_processes(env: dict[str, str], files: dict[str, Path]) -> None:
    paths = [str(files[n]) for n in ("bon.xml", "mauvais.xml", "bon.xml")]
    result = CliRunner().invoke(
        app, ["cda", "validate", *paths, "--json", "--workers", "2"], env=env
    )
    assert result.exit_code == 1
    assert [item["ok"] for item in json.loads(result.stdout)] == [True, False, True]


def test_missing_kit_is_a_french_error(tmp_path: Path, files: dict[str, Path]) -> None:
    env = {"ESANTE_CISIS_KIT": str(tmp_path / "absent"), "ESANTE_HOME": str(tmp_path / "h")}
    result = CliRunner().invoke(app, ["cda", "validate", str(files["bon.xml"])], env=env)
    assert result.exit_code == 1
    assert "Kit CI-SIS de l'ANS inutilisable" in result.output
    assert "ESANTE_CISIS_KIT" in result.output


def test_through_the_validation_server(env: dict[str, str], files: dict[str, Path]) -> None:
    """Without --no-server, the command starts the local server and gets its verdicts."""
    env = {**env, "ESANTE_NO_VALIDATION_SERVER": ""}
    paths = [str(files[n]) for n in ("bon.xml", "mauvais.xml", "hostile.xml")]
    result = CliRunner().invoke(app, ["cda", "validate", *paths, "--json"], env=env)
    sockets = list((Path(env["ESANTE_HOME"]) / "run").glob("vs-*.sock"))
    try:
        assert result.exit_code == 1, result.output
        data = json.loads(result.stdout)
        assert [item["ok"] for item in data] == [True, False, False]
        assert data[1]["report"]["counts"]["errors"] == 2
        assert data[2]["file"] == paths[2]
        assert "DOCTYPE/ENTITY sont refusées" in data[2]["error"]["message"]
        assert len(sockets) == 1  # the server was used, and is still there for the next one
    finally:
        for sock in sockets:  # stop the server this test started
            with socket.socket(socket.AF_UNIX) as conn:
                conn.connect(str(sock))
                creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            os.kill(struct.unpack("3i", creds)[0], signal.SIGTERM)
