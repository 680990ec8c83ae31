"""Client certificates of the sandbox's application and organisational mailboxes.

Software reaches an application or organisational MSSanté mailbox with a certificate of
its structure (IGC-Santé "ORG AUTH_CLI"), which the operator has associated with the
mailbox. The sandbox issues one such certificate per certificate-authenticated mailbox
from its test CA (``DIR/pki``), shaped the IGC-Santé way plus the mailbox address::

    C=FR, O=<structure name>, OU=<idNat_Struct>, CN=<mailbox address>
    subjectAltName: rfc822Name=<mailbox address>; extendedKeyUsage: clientAuth

The operator maps a TLS client certificate to a mailbox by that ``rfc822Name`` (the
chain has already been checked by TLS against the sandbox CA). Files are written once
(``DIR/mss/certs/<address>.pem`` / ``.key``, keys mode 0600) and reused at later starts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from esante.sandbox.mss.errors import MailboxError
from esante.trust import KeyPairFiles, load_certificate, load_private_key

VALIDITY = timedelta(days=3 * 365)


@dataclass(frozen=True)
class MailboxCertificate:
    """The certificate and key files of one mailbox."""

    address: str
    certificate: Path
    key: Path


@dataclass(frozen=True)
class CertificateRequest:
    """Who a mailbox certificate is for."""

    address: str
    organisation: str
    organisation_id: str


def ensure_mailbox_certificates(
    directory: Path,
    ca: KeyPairFiles,
    requests: Sequence[CertificateRequest],
    *,
    key_size: int = 2048,
) -> dict[str, MailboxCertificate]:
    """The certificate of each request in ``directory``, issued by ``ca`` when missing.

    Keys of the missing ones are generated concurrently (OpenSSL releases the GIL), so a
    first start stays short.
    """
    found: dict[str, MailboxCertificate] = {}
    missing: list[CertificateRequest] = []
    for request in requests:
        certificate = directory / f"{request.address}.pem"
        key = directory / f"{request.address}.key"
        if certificate.exists() and key.exists():
            found[request.address] = MailboxCertificate(request.address, certificate, key)
        else:
            missing.append(request)
    if not missing:
        return found
    try:
        ca_certificate = load_certificate(ca.certificate)
        ca_key = load_private_key(ca.key)
    except Exception as exc:
        raise MailboxError(
            "Autorité de certification du bac à sable illisible.",
            detail=f"{ca.certificate}: {type(exc).__name__}",
        ) from exc
    if not isinstance(ca_key, rsa.RSAPrivateKey):
        raise MailboxError(
            "Autorité de certification du bac à sable inattendue.", detail="CA key is not RSA"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise MailboxError(
            "Impossible de créer le répertoire des certificats MSSanté.", detail=str(exc)
        ) from exc
    with ThreadPoolExecutor(max_workers=min(4, len(missing))) as pool:
        keys = list(
            pool.map(
                lambda _: rsa.generate_private_key(public_exponent=65537, key_size=key_size),
                missing,
            )
        )
    for request, new_key in zip(missing, keys, strict=True):
        found[request.address] = _issue(directory, ca_certificate, ca_key, request, new_key)
    return found


def _issue(
    directory: Path,
    ca_certificate: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    request: CertificateRequest,
    key: rsa.RSAPrivateKey,
) -> MailboxCertificate:
    address = request.address
    certificate_path = directory / f"{address}.pem"
    key_path = directory / f"{address}.key"
    start = datetime.now(UTC) - timedelta(minutes=5)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, request.organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, request.organisation_id),
            x509.NameAttribute(NameOID.COMMON_NAME, address),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(pem_key)
        certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise MailboxError(
            "Impossible d'écrire le certificat d'une boîte aux lettres du bac à sable.",
            detail=f"{directory}: {exc}",
        ) from exc
    return MailboxCertificate(address, certificate_path, key_path)


def certificate_addresses(der: bytes) -> tuple[str, ...]:
    """The e-mail addresses (``rfc822Name``) a DER client certificate names, lower-cased."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, x509.ExtensionNotFound):
        return ()
    return tuple(name.lower() for name in names.value.get_values_for_type(x509.RFC822Name))
