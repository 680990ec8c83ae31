"""Reading keys and certificates, and checking that a certificate chains to a trusted CA.

Signatures (VIHF, XAdES) carry their signer's certificate in ``ds:KeyInfo``; trusting the
signature means trusting that certificate: issued (directly or through the given
intermediates) by one of the caller's CAs, valid at the time of use, and allowed to sign
(key usage ``digitalSignature`` or ``nonRepudiation``, RFC 5280 §4.2.1.3). This module
does that check with ``cryptography`` and reports failures in French as
:class:`CertificateError`; file problems are :class:`PkiError`.

Revocation (CRL/OCSP) is not checked: the test PKI publishes none, and the national
services check revocation of real IGC-Santé certificates themselves.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from esante.trust.errors import CertificateError, PkiError

MAX_CHAIN_LENGTH = 5


def load_certificate(path: Path) -> x509.Certificate:
    """The first certificate of a PEM file. Raises PkiError if absent or unreadable."""
    certificates = load_certificates(path)
    return certificates[0]


def load_certificates(path: Path) -> list[x509.Certificate]:
    """All certificates of a PEM file (a CA bundle or a chain). Raises PkiError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PkiError(
            f"Fichier de certificat introuvable ou illisible : {path.name}.",
            detail=str(exc),
            field=str(path),
        ) from exc
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise PkiError(
            f"Fichier de certificat invalide : {path.name}.", detail=str(exc), field=str(path)
        ) from exc
    return certificates


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKeyTypes:
    """A PEM private key. Raises PkiError if absent, unreadable or protected by another password."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PkiError(
            f"Clé privée introuvable ou illisible : {path.name}.", detail=str(exc), field=str(path)
        ) from exc
    try:
        return load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise PkiError(
            f"Clé privée invalide ou mot de passe incorrect : {path.name}.",
            detail=str(exc),
            field=str(path),
        ) from exc


def certificate_from_base64(text: str) -> x509.Certificate:
    """A DER certificate from the base64 text of ``ds:X509Certificate``. Raises CertificateError."""
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise CertificateError(
            "Certificat du signataire illisible.",
            detail=f"ds:X509Certificate cannot be decoded: {exc}",
        ) from exc


def describe(certificate: x509.Certificate) -> str:
    """Subject DN (RFC 4514) and serial number, for messages."""
    return f"{certificate.subject.rfc4514_string()} (n° {certificate.serial_number:x})"


def check_validity(certificate: x509.Certificate, at: datetime, *, role: str) -> None:
    """Raise CertificateError if ``certificate`` is not valid at ``at`` (timezone-aware)."""
    if at < certificate.not_valid_before_utc:
        raise CertificateError(
            f"Le certificat {role} n'est pas encore valide.",
            detail=f"{describe(certificate)} valid from {certificate.not_valid_before_utc}",
        )
    if at > certificate.not_valid_after_utc:
        raise CertificateError(
            f"Le certificat {role} a expiré.",
            detail=f"{describe(certificate)} expired on {certificate.not_valid_after_utc}",
        )


def check_signing_usage(certificate: x509.Certificate) -> None:
    """Raise CertificateError unless the key usage allows signing (when the extension exists)."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateError(
            "Le certificat du signataire n'est pas un certificat de signature.",
            detail=f"{describe(certificate)}: KeyUsage has neither digitalSignature "
            "nor nonRepudiation",
        )


def verify_chain(
    certificate: x509.Certificate,
    trusted: Sequence[x509.Certificate],
    *,
    at: datetime,
    intermediates: Sequence[x509.Certificate] = (),
) -> x509.Certificate:
    """Check that ``certificate`` chains to one of ``trusted``, every link valid at ``at``.

    Returns the trusted CA at the top of the chain. Raises CertificateError (in French)
    for an expired link, a signature that does not verify, or no trusted issuer.
    """
    if not trusted:
        raise CertificateError(
            "Aucune autorité de certification de confiance n'est configurée.",
            detail="verify_chain called with an empty trusted list",
        )
    check_validity(certificate, at, role="du signataire")
    current = certificate
    for _ in range(MAX_CHAIN_LENGTH):
        for ca in trusted:
            if _issued_by(current, ca):
                check_validity(ca, at, role="de l'autorité de certification")
                _check_is_ca(ca)
                return ca
        parent = next((c for c in intermediates if _issued_by(current, c)), None)
        if parent is None or parent == current:
            break
        check_validity(parent, at, role="de l'autorité intermédiaire")
        _check_is_ca(parent)
        current = parent
    raise CertificateError(
        "Le certificat du signataire n'a pas été émis par une autorité de confiance.",
        detail=f"{describe(certificate)} issued by {certificate.issuer.rfc4514_string()}; "
        f"trusted: {[c.subject.rfc4514_string() for c in trusted]}",
    )


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _check_is_ca(certificate: x509.Certificate) -> None:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise CertificateError(
            "Le certificat émetteur n'est pas une autorité de certification.",
            detail=f"{describe(certificate)} lacks BasicConstraints CA:TRUE",
        )
