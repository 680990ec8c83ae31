"""How a practice authenticates to its MSSanté operator, and the SASL XOAUTH2 response.

An MSSanté mailbox is reached one of three ways, all over TLS:

* a **client certificate** (IGC-Santé "ORG AUTH_CLI" of the structure) for an
  application or organisational mailbox: presented during the TLS handshake (SMTP after
  STARTTLS, IMAP with ``AUTHENTICATE EXTERNAL``);
* a **Pro Santé Connect access token** for a professional's personal mailbox, with SASL
  ``XOAUTH2`` (SMTP ``AUTH`` and IMAP ``AUTHENTICATE``);
* an **IMAP password**, where the operator gives one (the sandbox does, for every
  mailbox), with IMAP ``LOGIN`` over TLS.

:class:`MssCredentials` holds what one mailbox uses; secrets never appear in its ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from esante.mss.errors import MssSendError


@dataclass(frozen=True)
class MssCredentials:
    """The credentials of one mailbox (``address``): certificate, token and/or password.

    SMTP uses the access token when there is one, else the certificate. IMAP uses the
    access token, else the password, else the certificate (EXTERNAL).
    """

    address: str
    certificate: Path | None = None
    key: Path | None = None
    key_password: bytes | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    imap_user: str | None = None
    imap_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if (self.certificate is None) != (self.key is None):
            raise MssSendError(
                "Certificat et clé privée doivent être fournis ensemble.",
                detail="MssCredentials.certificate and .key go together",
                field="certificate",
            )
        if not (self.certificate or self.access_token or self.imap_password):
            raise MssSendError(
                "Aucun moyen d'authentification pour cette boîte aux lettres.",
                detail="give a certificate, an access token or an IMAP password",
                field="address",
            )

    @property
    def login(self) -> str:
        """The IMAP user name (the address unless the operator gave another)."""
        return self.imap_user or self.address


def xoauth2_response(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial client response (before base64)."""
    if any(c in user or c in token for c in "\x01\r\n"):
        raise MssSendError(
            "Identifiant ou jeton d'accès invalide.", detail="control character", field="token"
        )
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
