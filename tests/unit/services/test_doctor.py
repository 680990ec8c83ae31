"""`esante doctor`: what it reports on the structure's certificates, offline, and the
TLS handshakes with the running sandbox online."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from esante.cli.main import app
from esante.config import Settings
from esante.services.checks import EXPIRY_WARNING, Finding, check_offline
from esante.trust import generate_test_pki
from tests.unit.services.conftest import StructureFiles, write_files


def _settings(env: dict[str, str]) -> Settings:
    return Settings(**{k.removeprefix("ESANTE_").lower(): v for k, v in env.items()})


def _check(env: dict[str, str], at: datetime | None = None) -> list[Finding]:
    findings, profile = check_offline(
        _settings(env), now=(lambda: at) if at is not None else lambda: datetime.now(UTC)
    )
    if profile is not None:
        profile.close()
    return findings


def _errors(findings: list[Finding]) -> list[str]:
    return [f"{f.subject} : {f.message}" for f in findings if f.level == "erreur"]


def test_a_good_configuration_has_no_error(structure_files: StructureFiles) -> None:
    findings = _check(structure_files.env)
    assert _errors(findings) == []
    messages = [f.message for f in findings]
    assert "chaîne de certification vérifiée" in messages
    assert "usage nonRepudiation, sans clientAuth" in messages


def test_the_cli_exits_zero_then_one(structure_files: StructureFiles, tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["doctor"], env=structure_files.env)
    assert good.exit_code == 0, good.output
    assert "0 erreur(s)" in good.output
    other = generate_test_pki(tmp_path / "autre")
    bad = runner.invoke(
        app, ["doctor"], env={**structure_files.env, "ESANTE_CA_BUNDLE": str(other.ca.certificate)}
    )
    assert bad.exit_code == 1
    assert "[ERREUR] certificat d'authentification : chaîne de certification invalide" in (
        bad.output
    )
    assert "n'est pas dans ESANTE_CA_BUNDLE" in bad.output


def test_a_bad_chain_is_reported(structure_files: StructureFiles, tmp_path: Path) -> None:
    other = generate_test_pki(tmp_path / "autre")
    errors = _errors(_check({**structure_files.env, "ESANTE_CA_BUNDLE": str(other.ca.certificate)}))
    assert any(e.startswith("certificat d'authentification : chaîne") for e in errors)
    assert any(e.startswith("certificat de signature : chaîne") for e in errors)


def test_expiry_error_and_warning(structure_files: StructureFiles) -> None:
    """The clock is pinned relative to the certificate's own end of validity."""
    end = structure_files.pki.signature.load_certificate().not_valid_after_utc
    after = _errors(_check(structure_files.env, at=end + timedelta(days=1)))
    assert f"certificat de signature : expiré depuis le {end:%d/%m/%Y}" in after
    soon = _check(structure_files.env, at=end - EXPIRY_WARNING + timedelta(days=1))
    warned = [f.message for f in soon if f.level == "avertissement" and "signature" in f.subject]
    assert warned == [f"expire bientôt, le {end:%d/%m/%Y}"]
    assert _errors(soon) == []


def test_an_expired_pki_is_reported(tmp_path: Path) -> None:
    """A PKI made in the past (generate_test_pki's ``now``) is expired today."""
    made = datetime.now(UTC) - timedelta(days=4 * 365)
    pki = generate_test_pki(tmp_path / "pki", now=made)
    errors = _errors(_check(write_files(pki, tmp_path)))
    assert any(e.startswith("certificat d'authentification : expiré depuis le") for e in errors)


def test_a_key_mismatch_is_reported(structure_files: StructureFiles) -> None:
    env = dict(structure_files.env)
    env["ESANTE_SIGN_KEY"] = str(structure_files.pki.authentication.key)
    del env["ESANTE_SIGN_PASSWORD"]
    errors = _errors(_check(env))
    assert errors == ["certificat de signature : la clé privée ne correspond pas au certificat"]


def test_the_authentication_certificate_cannot_sign(structure_files: StructureFiles) -> None:
    env = dict(structure_files.env)
    env["ESANTE_SIGN_CERTIFICATE"] = str(structure_files.pki.authentication.certificate)
    env["ESANTE_SIGN_KEY"] = str(structure_files.pki.authentication.key)
    del env["ESANTE_SIGN_PASSWORD"]
    errors = _errors(_check(env))
    assert "certificat de signature : usage nonRepudiation absent" in errors
    assert any("porte l'usage clientAuth" in e for e in errors)


def test_a_missing_setting_is_one_error(structure_files: StructureFiles) -> None:
    env = dict(structure_files.env)
    del env["ESANTE_AUTH_CERTIFICATE"]
    findings = _check(env)
    assert _errors(findings) == [
        "configuration : Configuration incomplète : le certificat d'authentification "
        "(ESANTE_AUTH_CERTIFICATE)."
    ]


def test_online_against_the_running_sandbox(sandbox_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["doctor", "--online", "--sandbox", str(sandbox_dir)],
        env={"ESANTE_HOME": str(tmp_path), "ESANTE_SERVICES": "sandbox"},
    )
    assert result.exit_code == 0, result.output
    for label in ("DMP", "INSi", "MSSanté (opérateur)"):
        assert f"[ok] {label} : poignée de main TLS réussie" in result.output, result.output
    # the sandbox serves these two over plain HTTP on the loopback: reached, and said so
    for label in ("Annuaire Santé", "Pro Santé Connect"):
        assert f"[AVERTISSEMENT] {label} : connexion réussie, sans TLS" in result.output


def test_online_reports_an_unreachable_endpoint(sandbox_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(
        app,
        ["doctor", "--online", "--sandbox", str(sandbox_dir)],
        env={
            "ESANTE_HOME": str(tmp_path),
            "ESANTE_SERVICES": "sandbox",
            "ESANTE_DMP_URL": f"https://127.0.0.1:{port}/si-dmp-server/v2/services",
        },
    )
    assert result.exit_code == 1
    assert "[ERREUR] DMP : poignée de main TLS impossible" in result.output
    assert "[ok] INSi : poignée de main TLS réussie" in result.output
