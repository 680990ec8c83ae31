"""Mutual TLS contexts for the DMP: TLS 1.2 or later, the DMP cipher suites, a client certificate.

The DMP accepts TLS 1.2 or later, and only four suites for software access ("Accès LPS",
GIE SESAM-Vitale PDT-INF-579 v4)::

    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   ECDHE-RSA-CHACHA20-POLY1305
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256         ECDHE-RSA-AES128-GCM-SHA256
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384         ECDHE-RSA-AES256-SHA384
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384         ECDHE-RSA-AES256-GCM-SHA384

(IANA name, OpenSSL name). The client authenticates with the structure's authentication
certificate (IGC-Santé "AUTH" certificate, or the one ``esante pki init`` generates) and
trusts only the CA bundle it is given — never the system store. :func:`server_ssl_context`
builds the matching server side for the sandbox: same versions and suites, client
certificate required. Unreadable or mismatched files raise :class:`TlsError`.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from esante.transport.errors import TlsError

DMP_CIPHER_SUITES: tuple[str, ...] = (
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
)
"""OpenSSL names of the TLS 1.2 suites the DMP accepts (PDT-INF-579 v4, "Accès LPS")."""

MINIMUM_TLS_VERSION = ssl.TLSVersion.TLSv1_2


@dataclass(frozen=True)
class TlsConfig:
    """The TLS material of one side: its certificate and key, and the CAs it trusts.

    ``certificate`` may hold the chain (leaf first). Leave ``certificate``/``key`` unset only
    for a client that must not authenticate (tests of refusal).
    """

    ca_bundle: Path
    certificate: Path | None = None
    key: Path | None = None
    key_password: bytes | None = None
    cipher_suites: tuple[str, ...] = DMP_CIPHER_SUITES
    minimum_version: ssl.TLSVersion = MINIMUM_TLS_VERSION
    maximum_version: ssl.TLSVersion | None = None


def client_ssl_context(config: TlsConfig) -> ssl.SSLContext:
    """An SSLContext for calling the DMP: verifies the server, presents the client certificate.

    Raises :class:`TlsError` when the CA bundle, certificate or key cannot be loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    _configure(context, config)
    return context


def server_ssl_context(
    config: TlsConfig, *, require_client_certificate: bool = True
) -> ssl.SSLContext:
    """An SSLContext for a DMP-like server (the sandbox): client certificate required by default.

    Raises :class:`TlsError` when the files cannot be loaded or no certificate is given.
    """
    if config.certificate is None or config.key is None:
        raise TlsError(
            "Certificat serveur TLS manquant.",
            detail="server_ssl_context needs TlsConfig.certificate and TlsConfig.key",
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_OPTIONAL
    _configure(context, config)
    return context


def _configure(context: ssl.SSLContext, config: TlsConfig) -> None:
    if config.minimum_version < MINIMUM_TLS_VERSION:
        raise TlsError(
            "Version TLS minimale refusée : TLS 1.2 au moins est exigé.",
            detail=f"minimum_version {config.minimum_version.name} < TLSv1_2",
        )
    context.minimum_version = config.minimum_version
    if config.maximum_version is not None:
        context.maximum_version = config.maximum_version
    context.options |= ssl.OP_NO_COMPRESSION
    try:
        context.set_ciphers(":".join(config.cipher_suites))
    except ssl.SSLError as exc:
        raise TlsError(
            "Suites cryptographiques TLS invalides.", detail=f"{config.cipher_suites}: {exc}"
        ) from exc
    try:
        context.load_verify_locations(cafile=str(config.ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(
            "Fichier des autorités de confiance (CA) TLS illisible.",
            detail=f"{config.ca_bundle}: {exc}",
            field=str(config.ca_bundle),
        ) from exc
    if config.certificate is not None:
        if config.key is None:
            raise TlsError(
                "Clé privée TLS manquante.",
                detail="TlsConfig.certificate is set but TlsConfig.key is not",
            )
        try:
            context.load_cert_chain(config.certificate, config.key, password=config.key_password)
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(
                "Certificat ou clé TLS illisible, ou clé ne correspondant pas au certificat.",
                detail=f"{config.certificate}, {config.key}: {exc}",
                field=str(config.certificate),
            ) from exc
