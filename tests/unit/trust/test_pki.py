"""The test PKI: files, permissions, subjects, usages, chains; the `esante pki` commands."""

from __future__ import annotations

import ipaddress
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner

from esante.cli.main import app
from esante.trust import (
    CertificateError,
    Pki,
    PkiError,
    generate_test_pki,
    load_pki,
    load_private_key,
    verify_chain,
)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    return str(name.get_attributes_for_oid(oid)[0].value)


def test_manifest_lists_relative_files_that_exist(pki: Pki) -> None:
    manifest = json.loads(pki.manifest.read_text("utf-8"))
    assert manifest["structure"] == {"id": pki.structure_id, "name": pki.structure_name}
    for role in ("ca", "authentication", "signature", "server"):
        entry = manifest[role]
        assert not Path(entry["certificate"]).is_absolute()
        assert (pki.directory / entry["certificate"]).is_file()
        assert (pki.directory / entry["key"]).is_file()
    assert load_pki(pki.directory) == pki


def test_private_keys_are_readable_by_the_owner_only(pki: Pki) -> None:
    for pair in (pki.ca, pki.authentication, pki.signature, pki.server):
        assert stat.S_IMODE(pair.key.stat().st_mode) == 0o600
        assert pair.key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        key = load_private_key(pair.key)
        assert key.public_key() == pair.load_certificate().public_key()  # type: ignore[union-attr]


def test_structure_certificates_name_the_structure_like_igc_sante(pki: Pki) -> None:
    for pair in (pki.authentication, pki.signature):
        subject = pair.load_certificate().subject
        assert _attr(subject, NameOID.COUNTRY_NAME) == "FR"
        assert _attr(subject, NameOID.ORGANIZATION_NAME) == pki.structure_name
        assert _attr(subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == pki.structure_id


def test_usages_match_the_roles(pki: Pki) -> None:
    def eku(cert: x509.Certificate) -> list[x509.ObjectIdentifier]:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)

    def usage(cert: x509.Certificate) -> x509.KeyUsage:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value

    ca = pki.ca.load_certificate()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert usage(ca).key_cert_sign
    assert eku(pki.authentication.load_certificate()) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert eku(pki.server.load_certificate()) == [ExtendedKeyUsageOID.SERVER_AUTH]
    signature = usage(pki.signature.load_certificate())
    assert signature.digital_signature
    assert signature.content_commitment


def test_server_certificate_names_the_loopback(pki: Pki) -> None:
    names = (
        pki.server.load_certificate()
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)


def test_every_certificate_chains_to_its_own_ca_only(pki: Pki, other_pki: Pki) -> None:
    ca = pki.ca.load_certificate()
    now = datetime.now(UTC)
    for pair in (pki.authentication, pki.signature, pki.server):
        assert verify_chain(pair.load_certificate(), [ca], at=now) == ca
    with pytest.raises(CertificateError) as err:
        verify_chain(other_pki.signature.load_certificate(), [ca], at=now)
    assert "autorité de confiance" in err.value.message


def test_expired_certificates_are_refused(expired_pki: Pki) -> None:
    with pytest.raises(CertificateError) as err:
        verify_chain(
            expired_pki.signature.load_certificate(),
            [expired_pki.ca.load_certificate()],
            at=datetime.now(UTC),
        )
    assert "expiré" in err.value.message


def test_a_leaf_is_not_a_certification_authority(pki: Pki) -> None:
    fake_ca = pki.signature.load_certificate()
    with pytest.raises(CertificateError):
        verify_chain(pki.authentication.load_certificate(), [fake_ca], at=datetime.now(UTC))
    with pytest.raises(CertificateError):
        verify_chain(pki.authentication.load_certificate(), [], at=datetime.now(UTC))


def test_existing_pki_is_not_overwritten_silently(pki: Pki) -> None:
    before = pki.ca.certificate.read_bytes()
    with pytest.raises(PkiError) as err:
        generate_test_pki(pki.directory)
    assert "--force" in err.value.message
    assert pki.ca.certificate.read_bytes() == before


def test_missing_or_broken_manifest_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PkiError) as err:
        load_pki(tmp_path)
    assert "esante pki init" in err.value.message
    (tmp_path / "pki.json").write_text('{"format": "esante-test-pki/1"}')
    with pytest.raises(PkiError) as err:
        load_pki(tmp_path)
    assert "incomplet" in err.value.message


def test_cli_init_then_show(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "pki"
    result = runner.invoke(
        app,
        ["pki", "init", str(target), "--structure-id", "10B0012345", "--structure-name", "CDS X"],
    )
    assert result.exit_code == 0, result.output
    assert "PKI de test créée" in result.output
    assert load_pki(target).structure_id == "10B0012345"
    shown = runner.invoke(app, ["pki", "show", str(target)])
    assert shown.exit_code == 0
    assert "OU=10B0012345,O=CDS X,C=FR" in shown.output
    again = runner.invoke(app, ["pki", "init", str(target)])
    assert again.exit_code == 1
    assert "--force" in again.output
