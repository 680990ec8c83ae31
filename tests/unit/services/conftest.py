"""A throwaway PKI written as the IGC-Santé hands certificates out: the authentication
certificate as PKCS#12, the signature one as an encrypted PEM pair, and the settings of a
non-sandbox preset pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from esante.trust import generate_test_pki
from esante.trust.pki import Pki

AUTH_PASSPHRASE = "mot de passe du p12"
SIGN_PASSPHRASE = "phrase de la clé de signature"


@dataclass
class StructureFiles:
    pki: Pki
    env: dict[str, str]


def write_files(pki: Pki, directory: Path) -> dict[str, str]:
    """Write ``pki``'s certificates as PKCS#12 / PEM under ``directory``; the settings."""
    auth_key = pki.authentication.load_key()
    p12 = pkcs12.serialize_key_and_certificates(
        b"authentification",
        auth_key,  # type: ignore[arg-type]
        pki.authentication.load_certificate(),
        [pki.ca.load_certificate()],
        serialization.BestAvailableEncryption(AUTH_PASSPHRASE.encode()),
    )
    (directory / "auth.p12").write_bytes(p12)
    (directory / "auth.pass").write_text(AUTH_PASSPHRASE + "\n")
    sign_key = pki.signature.load_key()
    (directory / "sign.pem").write_bytes(pki.signature.certificate.read_bytes())
    (directory / "sign.key").write_bytes(
        sign_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(SIGN_PASSPHRASE.encode()),
        )
    )
    return {
        "ESANTE_SERVICES": "test",
        "ESANTE_HOME": str(directory / "home"),
        "ESANTE_CA_BUNDLE": str(pki.ca.certificate),
        "ESANTE_AUTH_CERTIFICATE": str(directory / "auth.p12"),
        "ESANTE_AUTH_PASSWORD_FILE": str(directory / "auth.pass"),
        "ESANTE_SIGN_CERTIFICATE": str(directory / "sign.pem"),
        "ESANTE_SIGN_KEY": str(directory / "sign.key"),
        "ESANTE_SIGN_PASSWORD": SIGN_PASSPHRASE,
        "ESANTE_STRUCTURE_ID": pki.structure_id,
        "ESANTE_STRUCTURE_NAME": pki.structure_name,
        "ESANTE_LPS_HOMOLOGATION": "HOMOLOGATION-TEST-42",
        "ESANTE_LPS_OID": "1.2.250.1.999.42.7",
        "ESANTE_LPS_ID": "LPS-ID-TEST",
    }


@pytest.fixture(scope="module")
def structure_files(tmp_path_factory: pytest.TempPathFactory) -> StructureFiles:
    directory = tmp_path_factory.mktemp("structure")
    pki = generate_test_pki(directory / "pki")
    return StructureFiles(pki, write_files(pki, directory))


@pytest.fixture(scope="package")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A running sandbox (all its services but Mon espace santé), for the sandbox preset."""
    from esante.sandbox.runtime import SandboxOptions, start_sandbox

    directory = tmp_path_factory.mktemp("services-sandbox")
    with start_sandbox(SandboxOptions(directory=directory, mes=False)) as running:
        yield Path(running.manifest.directory)
