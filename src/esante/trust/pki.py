"""A throwaway test PKI: a CA and the three certificates a practice and the sandbox need.

The real DMP trusts certificates of the IGC-Santé (ANS). A practice holds two
"organisation" certificates issued to its structure — one to authenticate its software in
mutual TLS (AUTH), one to sign (VIHF assertions, XAdES submission signatures) — whose
subject names the structure the IGC-Santé way::

    C=FR, O=<structure name>, OU=<structure national id (idNat_Struct)>, CN=<certificate label>

``esante pki init`` (and :func:`generate_test_pki`) creates the same shape from a private
test CA, plus a server certificate for the sandbox (SAN ``localhost``, ``127.0.0.1``,
``::1``). Everything is generated on the machine that runs it — keys are never shipped
or committed — with RSA 2048 keys, SHA-256 signatures, private keys written with mode
0600, and a ``pki.json`` manifest listing the files (paths relative to the manifest).
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from esante.trust.certificates import load_certificate, load_private_key
from esante.trust.errors import PkiError

MANIFEST_NAME = "pki.json"
MANIFEST_FORMAT = "esante-test-pki/1"
DEFAULT_STRUCTURE_ID = "499900000000001"
DEFAULT_STRUCTURE_NAME = "CABINET MEDICAL DE TEST ESANTE"
CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=3 * 365)
_ROLES = ("ca", "authentication", "signature", "server")
_FILES = {"ca": "ca", "authentication": "auth", "signature": "sign", "server": "server"}


@dataclass(frozen=True)
class KeyPairFiles:
    """A certificate (PEM) and its private key (PEM, unencrypted, mode 0600)."""

    certificate: Path
    key: Path

    def load_certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate)

    def load_key(self) -> PrivateKeyTypes:
        return load_private_key(self.key)


@dataclass(frozen=True)
class Pki:
    """The files of a test PKI, as listed by its manifest."""

    directory: Path
    structure_id: str
    structure_name: str
    ca: KeyPairFiles
    authentication: KeyPairFiles
    signature: KeyPairFiles
    server: KeyPairFiles

    @property
    def manifest(self) -> Path:
        return self.directory / MANIFEST_NAME


def generate_test_pki(
    directory: Path,
    *,
    structure_id: str | None = None,
    structure_name: str | None = None,
    now: datetime | None = None,
    key_size: int = 2048,
    overwrite: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Pki:
    """Create a CA and the authentication, signature and server certificates in ``directory``.

    ``structure_id`` / ``structure_name`` default to :data:`DEFAULT_STRUCTURE_ID` /
    :data:`DEFAULT_STRUCTURE_NAME`. ``now`` fixes the start of validity (tests create
    expired PKIs with it). ``on_step`` is called with the role name after each file pair
    is written (for progress bars).
    Raises :class:`PkiError` if a PKI already exists there (unless ``overwrite``) or the
    directory cannot be written.
    """
    structure_id = DEFAULT_STRUCTURE_ID if structure_id is None else structure_id
    structure_name = DEFAULT_STRUCTURE_NAME if structure_name is None else structure_name
    if not structure_id.strip() or not structure_name.strip():
        raise PkiError(
            "L'identifiant et le nom de la structure sont obligatoires.",
            detail=f"structure_id={structure_id!r}, structure_name={structure_name!r}",
        )
    created = now or datetime.now(UTC)
    start = created - timedelta(minutes=5)  # tolerate clocks slightly behind ours
    manifest = directory / MANIFEST_NAME
    if manifest.exists() and not overwrite:
        raise PkiError(
            f"Une PKI de test existe déjà dans {directory} (utilisez --force pour la remplacer).",
            detail=f"{manifest} exists",
            field=str(directory),
        )
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise PkiError(
            f"Impossible de créer le répertoire {directory}.", detail=str(exc), field=str(directory)
        ) from exc

    def step(role: str) -> None:
        if on_step is not None:
            on_step(role)

    ca_key = _new_key(key_size)
    ca_name = _name(
        C="FR",
        O="esante",
        OU="IGC de test esante - ne pas utiliser en production",
        CN="esante AC de test",
    )
    ca_cert = (
        _builder(ca_name, ca_name, ca_key, start, CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = {"ca": _write_pair(directory, "ca", ca_cert, ca_key)}
    step("ca")

    organisation = {"C": "FR", "O": structure_name, "OU": structure_id}
    leaves: dict[str, tuple[x509.Name, list[tuple[x509.ExtensionType, bool]]]] = {
        "authentication": (
            _name(**organisation, CN=f"esante authentification {structure_id}"),
            [
                (_usage(digital_signature=True, key_encipherment=True), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            ],
        ),
        "signature": (
            _name(**organisation, CN=f"esante signature {structure_id}"),
            [(_usage(digital_signature=True, content_commitment=True), True)],
        ),
        "server": (
            _name(C="FR", O="esante bac a sable", CN="localhost"),
            [
                (_usage(digital_signature=True, key_encipherment=True), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                (
                    x509.SubjectAlternativeName(
                        [
                            x509.DNSName("localhost"),
                            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                            x509.IPAddress(ipaddress.ip_address("::1")),
                        ]
                    ),
                    False,
                ),
            ],
        ),
    }
    for role, (subject, extensions) in leaves.items():
        key = _new_key(key_size)
        builder = (
            _builder(subject, ca_name, key, start, LEAF_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        files[role] = _write_pair(
            directory, _FILES[role], builder.sign(ca_key, hashes.SHA256()), key
        )
        step(role)

    document = {
        "format": MANIFEST_FORMAT,
        "created": created.isoformat(),
        "structure": {"id": structure_id, "name": structure_name},
        **{
            role: {"certificate": pair.certificate.name, "key": pair.key.name}
            for role, pair in files.items()
        },
    }
    try:
        manifest.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise PkiError("Impossible d'écrire le manifeste de la PKI.", detail=str(exc)) from exc
    return load_pki(directory)


def load_pki(directory: Path) -> Pki:
    """Read the manifest of a test PKI. Raises PkiError if it is missing or incomplete."""
    manifest = directory / MANIFEST_NAME
    try:
        document: Any = json.loads(manifest.read_text("utf-8"))
    except OSError as exc:
        raise PkiError(
            f"Aucune PKI de test dans {directory} (lancez « esante pki init »).",
            detail=str(exc),
            field=str(manifest),
        ) from exc
    except ValueError as exc:
        raise PkiError("Manifeste de PKI illisible.", detail=str(exc), field=str(manifest)) from exc
    try:
        if document["format"] != MANIFEST_FORMAT:
            raise KeyError("format")
        pairs = {
            role: KeyPairFiles(
                certificate=directory / document[role]["certificate"],
                key=directory / document[role]["key"],
            )
            for role in _ROLES
        }
        structure = document["structure"]
        return Pki(
            directory=directory,
            structure_id=str(structure["id"]),
            structure_name=str(structure["name"]),
            **pairs,
        )
    except (KeyError, TypeError) as exc:
        raise PkiError(
            "Manifeste de PKI incomplet.",
            detail=f"missing or invalid entry {exc} in {manifest}",
            field=str(manifest),
        ) from exc


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _name(**attributes: str) -> x509.Name:
    oids = {
        "C": NameOID.COUNTRY_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "CN": NameOID.COMMON_NAME,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attributes.items()])


def _usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: rsa.RSAPrivateKey,
    start: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _write_pair(
    directory: Path, stem: str, certificate: x509.Certificate, key: rsa.RSAPrivateKey
) -> KeyPairFiles:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        _write_private(key_path, pem_key)
    except OSError as exc:
        raise PkiError(
            f"Impossible d'écrire {cert_path.name} / {key_path.name}.",
            detail=str(exc),
            field=str(directory),
        ) from exc
    return KeyPairFiles(certificate=cert_path, key=key_path)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (0600), even if the file already existed."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(data)
