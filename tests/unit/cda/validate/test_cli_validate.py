"""`esante cda validate`: tables or JSON, exit status, missing kit (on the synthetic kit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from tests.unit.cda.validate.kitfiles import synthetic_document


@pytest.fixture
def env(synthetic_kit: Path, tmp_path: Path) -> dict[str, str]:
    return {"ESANTE_CISIS_KIT": str(synthetic_kit), "ESANTE_HOME": str(tmp_path / "home")}


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
    env = {"ESANTE_CISIS_KIT": str(tmp_path / "absent"), "ESANTE_HOME": str(tmp_path)}
    result = CliRunner().invoke(app, ["cda", "validate", str(files["bon.xml"])], env=env)
    assert result.exit_code == 1
    assert "Kit CI-SIS de l'ANS inutilisable" in result.output
    assert "ESANTE_CISIS_KIT" in result.output
