"""`esante ins`: check and DataMatrix commands, French output, exit codes (CliRunner and script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app

NIR = "1.2.250.1.213.1.4.8"
runner = CliRunner()
ENCODE = [
    "ins",
    "datamatrix",
    "encode",
    "--matricule",
    "255081416802538",
    "--oid",
    NIR,
    "--nom",
    "D’Artagnan-Müller",
    "--prenoms",
    "Hélène Marie",
    "--sexe",
    "F",
    "--naissance",
    "03-08-1955",
    "--lieu",
    "14168",
]


def test_check_valid() -> None:
    result = runner.invoke(app, ["ins", "check", "255081416802538", "--oid", NIR])
    assert result.exit_code == 0, result.output
    assert "INS valide" in result.output
    assert "NIR (numéro d'inscription au répertoire)" in result.output
    assert "département 14" in result.output


def test_check_wrong_key_asks_to_reread_the_source_without_the_expected_key() -> None:
    result = runner.invoke(app, ["ins", "check", "255081416802539"])
    assert result.exit_code == 1
    assert "Erreur" in result.output
    assert "ne correspond pas" in result.output
    assert "document source" in result.output
    assert "38" not in result.output.replace("255081416802539", "")


def test_check_unknown_oid() -> None:
    result = runner.invoke(app, ["ins", "check", "255081416802538", "--oid", "1.2.3"])
    assert result.exit_code == 1
    assert "OID d'INS inconnu" in result.output


def _script() -> Path:
    script = Path(sys.executable).with_name("esante")
    assert script.exists(), f"console script missing: {script} (is the package installed?)"
    return script


@pytest.mark.parametrize(
    ("matricule", "code", "text"),
    [("255081416802538", 0, "INS valide"), ("255081416802539", 1, "relisez le matricule entier")],
)
def test_console_script_acceptance(matricule: str, code: int, text: str) -> None:
    done = subprocess.run(
        [str(_script()), "ins", "check", matricule],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == code, done.stdout + done.stderr
    assert text in (done.stdout if code == 0 else done.stderr)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_encode_then_decode(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"ins{suffix}"
    written = runner.invoke(app, [*ENCODE, "--out", str(target)])
    assert written.exit_code == 0, written.output
    assert "DataMatrix INS écrit" in written.output
    assert "Attention" not in written.output
    decoded = runner.invoke(app, ["ins", "datamatrix", "decode", str(target)])
    assert decoded.exit_code == 0, decoded.output
    assert "Nom de naissance : D'ARTAGNAN-MULLER" in decoded.output
    assert "Prénoms de naissance : HELENE MARIE" in decoded.output
    assert "Date de naissance : 03/08/1955" in decoded.output
    as_json = runner.invoke(app, ["ins", "datamatrix", "decode", str(target), "--json"])
    assert json.loads(as_json.stdout) == {
        "matricule": "255081416802538",
        "oid": NIR,
        "kind": "NIR",
        "birth_given_names": "HELENE MARIE",
        "birth_family_name": "D'ARTAGNAN-MULLER",
        "sex": "F",
        "birth_date": "1955-08-03",
        "birthplace_cog": "14168",
    }


def test_encode_warns_on_incoherent_traits(tmp_path: Path) -> None:
    args = [a if a != "03-08-1955" else "03-08-1956" for a in ENCODE]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 0, result.output
    assert "Attention : Année de naissance" in result.output


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("--out", "ins.pdf"), "non pris en charge"),
        (("--naissance", "1955-08-03"), "JJ-MM-AAAA"),
        (("--sexe", "I"), "M ou F attendu"),
        (("--nom", "Louis 14"), "caractère « 1 »"),
        (("--matricule", "255081416802539"), "ne correspond pas"),
    ],
)
def test_encode_errors(tmp_path: Path, change: tuple[str, str], fragment: str) -> None:
    args = [*ENCODE, "--out", str(tmp_path / "ins.png")]
    option, value = change
    index = args.index(option)
    args[index + 1] = value if option != "--out" else str(tmp_path / value)
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert fragment in result.output
    assert not (tmp_path / "ins.png").exists()


def test_decode_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ins", "datamatrix", "decode", str(tmp_path / "none.png")])
    assert result.exit_code == 1
    assert "introuvable" in result.output
