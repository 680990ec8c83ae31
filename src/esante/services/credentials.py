"""The structure's certificates, read from PKCS#12 or PEM files.

A structure holds two certificates from the IGC-Santé (ANS, PGSSI-S): an
*authentication* one (TLS client, EKU ``clientAuth``) and a *signature* one
(``nonRepudiation``, no ``clientAuth``: the VIHF and submissions are signed with it; the
DMP refuses the other way round). The IGC-Santé hands them out as PKCS#12 files; PEM
pairs (certificate + key) are accepted too. The passphrase comes from an environment
variable or a file (a container secret), never from the command line.

TLS wants files (:class:`esante.transport.TlsConfig`): a PKCS#12 is re-written as PEM
in a private temporary directory (0700), its key encrypted with a random password held
only in memory, and removed by :meth:`Credential.close`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pydantic import SecretStr

from esante.errors import ConfigError
from esante.trust.certificates import load_certificates, load_private_key

PKCS12_SUFFIXES = (".p12", ".pfx")


@dataclass
class Credential:
    """A private key, its certificate and the chain that came with it."""

    key: PrivateKeyTypes
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    source: Path
    certificate_file: Path
    key_file: Path
    key_password: bytes | None = None
    _scratch: Path | None = field(default=None, repr=False)

    def close(self) -> None:
        """Remove the PEM copy of a PKCS#12 (nothing for PEM files)."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def passphrase(secret: SecretStr | None, file: Path | None, variable: str) -> bytes | None:
    """The passphrase from the environment value, else from the file's first line."""
    if secret is not None:
        return secret.get_secret_value().encode("utf-8")
    if file is None:
        return None
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Fichier de mot de passe illisible : {file.name}.",
            detail=str(exc),
            field=variable + "_FILE",
        ) from exc
    lines = text.splitlines()
    return lines[0].encode("utf-8") if lines else b""


def load_credential(
    certificate: Path, key: Path | None, password: bytes | None, *, variable: str
) -> Credential:
    """Read a PKCS#12 (``.p12``/``.pfx``) or a PEM certificate (chain) with its PEM key.

    Raises :class:`ConfigError` (French) naming the variable at fault (``variable`` is the
    prefix, ``ESANTE_AUTH`` or ``ESANTE_SIGN``) when a file is missing, the passphrase
    wrong or the key absent.
    """
    if certificate.suffix.lower() in PKCS12_SUFFIXES:
        return _from_pkcs12(certificate, password, variable)
    if key is None:
        raise ConfigError(
            f"Clé privée manquante pour le certificat {certificate.name}.",
            detail=f"{variable}_KEY is required with a PEM certificate",
            field=variable + "_KEY",
        )
    try:
        chain = load_certificates(certificate)
        private_key = load_private_key(key, password)
    except Exception as exc:  # PkiError, in French already
        message = getattr(exc, "message", str(exc))
        raise ConfigError(message, detail=str(exc), field=variable + "_CERTIFICATE") from exc
    return Credential(private_key, chain[0], chain[1:], certificate, certificate, key, password)


def _from_pkcs12(path: Path, password: bytes | None, variable: str) -> Credential:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"Certificat introuvable ou illisible : {path.name}.",
            detail=str(exc),
            field=variable + "_CERTIFICATE",
        ) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise ConfigError(
            f"Le fichier PKCS#12 {path.name} ne s'ouvre pas : mot de passe erroné ou fichier "
            "endommagé.",
            detail=str(exc),
            field=variable + "_PASSWORD",
        ) from exc
    if key is None or cert is None:
        raise ConfigError(
            f"Le fichier PKCS#12 {path.name} ne contient pas de clé privée et son certificat.",
            detail="PKCS#12 without key or certificate",
            field=variable + "_CERTIFICATE",
        )
    scratch = Path(tempfile.mkdtemp(prefix="esante-cred-"))
    os.chmod(scratch, 0o700)
    inner = secrets.token_urlsafe(32).encode("ascii")
    cert_file, key_file = scratch / "certificate.pem", scratch / "key.pem"
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *extra])
    _write_private(cert_file, pem)
    _write_private(
        key_file,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(inner),
        ),
    )
    return Credential(
        key,
        cert,
        list(extra),
        path,
        cert_file,
        key_file,
        inner,
        _scratch=scratch,
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
