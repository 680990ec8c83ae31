"""The checks of ``esante doctor``: is this configuration able to talk to the services?

Offline, for each of the structure's certificates: dates (an error once expired, a
warning within :data:`EXPIRY_WARNING` of the end), the chain up to a CA of
``ESANTE_CA_BUNDLE`` (each signature checked), the private key matching the
certificate, and the usages the national services require — the authentication
certificate carries the ``clientAuth`` EKU (TLS client, PGSSI-S / IGC-Santé "ORG AUTH"),
the signature certificate ``nonRepudiation`` and no ``clientAuth`` (the DMP refuses a
VIHF signed with a TLS certificate). Then the settings' coherence: HTTPS endpoints,
the structure named by the certificates, the preset and ``ESANTE_ENV`` agreeing.

Online (:func:`check_online`), a TLS handshake with each configured endpoint, presenting
the authentication certificate: the server's certificate verified against the bundle.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from esante.config import Settings
from esante.errors import EsanteError
from esante.services.credentials import Credential
from esante.services.profile import SERVICES, ServiceProfile, resolve
from esante.trust.certificates import load_certificates

EXPIRY_WARNING = timedelta(days=30)
HANDSHAKE_TIMEOUT_S = 10.0
Level = Literal["ok", "avertissement", "erreur"]
LABELS = {
    "dmp": "DMP",
    "insi": "INSi",
    "mss": "MSSanté (opérateur)",
    "annuaire": "Annuaire Santé",
    "psc": "Pro Santé Connect",
}


@dataclass(frozen=True)
class Finding:
    """One result, in French for the administrator."""

    level: Level
    subject: str
    message: str


def check_offline(
    settings: Settings,
    *,
    sandbox: Path | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[list[Finding], ServiceProfile | None]:
    """The offline findings, and the profile (the caller closes it) when it resolved."""
    try:
        profile = resolve(settings, sandbox=sandbox)
    except EsanteError as exc:
        return [Finding("erreur", "configuration", exc.message)], None
    findings = [Finding("ok", "configuration", f"préréglage « {profile.preset} » chargé")]
    try:
        roots = load_certificates(profile.ca_bundle)
    except EsanteError as exc:
        findings.append(Finding("erreur", "autorités de certification", exc.message))
        roots = []
    at = now()
    findings += _certificate(profile.authentication, "certificat d'authentification", roots, at)
    findings += _usages_authentication(profile.authentication)
    findings += _certificate(profile.signature, "certificat de signature", roots, at)
    findings += _usages_signature(profile.signature)
    findings += _coherence(settings, profile)
    return findings, profile


def _certificate(
    credential: Credential, subject: str, roots: list[x509.Certificate], at: datetime
) -> list[Finding]:
    cert = credential.certificate
    out: list[Finding] = []
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    shown = end.strftime("%d/%m/%Y")
    if at < start:
        out.append(Finding("erreur", subject, f"pas encore valide (à partir du {start:%d/%m/%Y})"))
    elif at > end:
        out.append(Finding("erreur", subject, f"expiré depuis le {shown}"))
    elif end - at <= EXPIRY_WARNING:
        out.append(Finding("avertissement", subject, f"expire bientôt, le {shown}"))
    else:
        out.append(Finding("ok", subject, f"valide jusqu'au {shown}"))
    if _public(cert.public_key()) != _public(credential.key.public_key()):
        out.append(Finding("erreur", subject, "la clé privée ne correspond pas au certificat"))
    else:
        out.append(Finding("ok", subject, "clé privée correspondante"))
    problem = _chain_problem(cert, credential.chain, roots)
    if problem:
        out.append(Finding("erreur", subject, problem))
    else:
        out.append(Finding("ok", subject, "chaîne de certification vérifiée"))
    return out


def _public(key: object) -> bytes:
    public_bytes = getattr(key, "public_bytes", None)
    if public_bytes is None:  # pragma: no cover - every key type of cryptography has it
        return b""
    data: bytes = public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _chain_problem(
    cert: x509.Certificate, chain: list[x509.Certificate], roots: list[x509.Certificate]
) -> str | None:
    """Walk issuer by issuer up to a CA of the bundle; the French problem, or None."""
    pool = chain + roots
    current = cert
    for _ in range(8):
        verified = next(
            (c for c in pool if c.subject == current.issuer and _issued_by(current, c)), None
        )
        if verified is None:
            return (
                "chaîne de certification invalide : émetteur "
                f"« {current.issuer.rfc4514_string()} » introuvable ou signature fausse "
                "dans ESANTE_CA_BUNDLE"
            )
        if verified in roots:
            return None
        if verified.subject == verified.issuer:
            return (
                "chaîne de certification invalide : l'autorité racine "
                f"« {verified.subject.rfc4514_string()} » n'est pas dans ESANTE_CA_BUNDLE"
            )
        current = verified
    return "chaîne de certification trop longue"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _eku(cert: x509.Certificate) -> list[x509.ObjectIdentifier]:
    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []


def _usages_authentication(credential: Credential) -> list[Finding]:
    subject = "certificat d'authentification"
    if ExtendedKeyUsageOID.CLIENT_AUTH not in _eku(credential.certificate):
        return [Finding("erreur", subject, "usage clientAuth absent : refusé en TLS mutuel")]
    return [Finding("ok", subject, "usage clientAuth (TLS client)")]


def _usages_signature(credential: Credential) -> list[Finding]:
    subject = "certificat de signature"
    out: list[Finding] = []
    try:
        usage = credential.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        non_repudiation = usage.content_commitment
    except x509.ExtensionNotFound:
        non_repudiation = False
    if not non_repudiation:
        out.append(Finding("erreur", subject, "usage nonRepudiation absent"))
    if ExtendedKeyUsageOID.CLIENT_AUTH in _eku(credential.certificate):
        out.append(
            Finding(
                "erreur",
                subject,
                "porte l'usage clientAuth : c'est un certificat d'authentification, le DMP "
                "refuse un VIHF signé avec lui",
            )
        )
    if not out:
        out.append(Finding("ok", subject, "usage nonRepudiation, sans clientAuth"))
    return out


def _coherence(settings: Settings, profile: ServiceProfile) -> list[Finding]:
    out: list[Finding] = []
    for service in SERVICES:
        url = profile.urls.get(service)
        label = LABELS[service]
        if not url:
            out.append(Finding("avertissement", label, "aucune adresse configurée"))
        elif urlsplit(url).scheme not in ("https", "imaps"):
            level: Level = "avertissement" if _sandbox_loopback(profile, url) else "erreur"
            out.append(Finding(level, label, f"adresse non chiffrée : {url}"))
        else:
            out.append(Finding("ok", label, url))
    for credential, subject in (
        (profile.authentication, "certificat d'authentification"),
        (profile.signature, "certificat de signature"),
    ):
        values = [str(a.value) for a in credential.certificate.subject]
        if not any(profile.structure_id in v for v in values):
            out.append(
                Finding(
                    "avertissement",
                    subject,
                    f"ne nomme pas la structure {profile.structure_id} (ESANTE_STRUCTURE_ID)",
                )
            )
    if settings.env == "production" and profile.preset != "production":
        out.append(
            Finding(
                "avertissement",
                "configuration",
                f"ESANTE_ENV=production mais services « {profile.preset} »",
            )
        )
    if profile.preset == "production" and settings.env != "production":
        out.append(
            Finding(
                "avertissement",
                "configuration",
                "services de production avec ESANTE_ENV=development",
            )
        )
    return out


def check_online(profile: ServiceProfile) -> list[Finding]:
    """A TLS handshake with each configured endpoint (client certificate presented)."""
    from esante.transport import TlsConfig
    from esante.transport.tls import client_ssl_context

    out: list[Finding] = []
    mutual = client_ssl_context(
        TlsConfig(
            ca_bundle=profile.ca_bundle,
            certificate=profile.authentication.certificate_file,
            key=profile.authentication.key_file,
            key_password=profile.authentication.key_password,
        )
    )
    for service in SERVICES:
        url = profile.urls.get(service)
        if not url:
            continue
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (993 if parts.scheme == "imaps" else 443)
        if parts.scheme == "http":
            out.append(_plain_connect(LABELS[service], host, port))
            continue
        # PSC and the Annuaire Santé answer with certificates of public web CAs
        context = mutual if service in ("dmp", "insi", "mss") else _public_context(profile)
        try:
            with (
                socket.create_connection((host, port), timeout=HANDSHAKE_TIMEOUT_S) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                version = tls.version()
        except (OSError, ssl.SSLError) as exc:
            out.append(
                Finding("erreur", LABELS[service], f"poignée de main TLS impossible : {exc}")
            )
        else:
            out.append(Finding("ok", LABELS[service], f"poignée de main TLS réussie ({version})"))
    return out


def _sandbox_loopback(profile: ServiceProfile, url: str) -> bool:
    """The sandbox serves its Annuaire Santé and Pro Santé Connect over plain HTTP on the
    loopback: tolerated there (a warning), an error anywhere else."""
    host = urlsplit(url).hostname or ""
    return profile.preset == "sandbox" and host in ("127.0.0.1", "localhost", "::1")


def _plain_connect(label: str, host: str, port: int) -> Finding:
    try:
        with socket.create_connection((host, port), timeout=HANDSHAKE_TIMEOUT_S):
            pass
    except OSError as exc:
        return Finding("erreur", label, f"connexion impossible : {exc}")
    return Finding("avertissement", label, "connexion réussie, sans TLS (bac à sable)")


def _public_context(profile: ServiceProfile) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(profile.ca_bundle))
    return context
