"""Pro Santé Connect access tokens, as the sandbox issues and checks them (JWT, RS256).

A health professional reaches their personal MSSanté mailbox with a Pro Santé Connect
(PSC) access token: the practice software obtains it by OpenID Connect and presents it
to the operator with SASL ``XOAUTH2`` (SMTP and IMAP). The sandbox plays PSC too: at
first start it generates an RSA key (``DIR/mss/psc-signing.key``, mode 0600) and, at
each start, issues one token per demo personal mailbox, listed in ``sandbox.json``.

Claims follow PSC's access tokens where they matter to the operator: ``sub`` is the
professional's national identifier (idNat_PS), ``email`` the mailbox, ``exp`` the end of
validity; ``iss``/``aud`` name the sandbox. :meth:`AccessTokens.verify` accepts only
RS256 signed by that key, unexpired, with the expected issuer and audience; the operator
then checks that ``email`` and ``sub`` match the mailbox asked for. The token is never
logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from esante.sandbox.mss.errors import AccessTokenError, MailboxError

ISSUER = "https://psc.esante-sandbox.localhost/auth/realms/esante-wallet"
AUDIENCE = "esante-mssante-sandbox"
DEFAULT_LIFETIME = timedelta(hours=24)
MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class AccessTokenClaims:
    """What the operator needs of a verified token."""

    subject: str
    email: str
    expires: datetime
    issued_at: datetime
    token_id: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


class AccessTokens:
    """Issue and verify sandbox PSC access tokens with one RSA key."""

    def __init__(self, key: rsa.RSAPrivateKey, *, issuer: str = ISSUER, audience: str = AUDIENCE):
        self._key = key
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def load_or_create(cls, path: Path) -> AccessTokens:
        """The signing key at ``path`` (created, mode 0600, on first use)."""
        try:
            if path.exists():
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
                if not isinstance(key, rsa.RSAPrivateKey):
                    raise MailboxError(
                        "Clé de signature Pro Santé Connect du bac à sable invalide.",
                        detail=f"{path} is not an RSA key",
                    )
                return cls(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(pem)
            return cls(key)
        except (OSError, ValueError) as exc:
            raise MailboxError(
                "Clé de signature Pro Santé Connect du bac à sable illisible.",
                detail=f"{path}: {type(exc).__name__}",
            ) from exc

    def public_key_pem(self) -> bytes:
        """The verification key (PEM), for whoever wants to check tokens themselves."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue(
        self,
        *,
        subject: str,
        email: str,
        now: datetime | None = None,
        lifetime: timedelta = DEFAULT_LIFETIME,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A signed access token for ``subject`` (idNat_PS) and ``email`` (the mailbox)."""
        issued = (now or datetime.now(UTC)).astimezone(UTC)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "email": email,
            "preferred_username": subject,
            "iat": int(issued.timestamp()),
            "exp": int((issued + lifetime).timestamp()),
            "jti": secrets.token_hex(12),
            "scope": "openid scope_all",
        }
        if extra:
            claims.update(extra)
        header = {"alg": "RS256", "typ": "JWT"}
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode("utf-8"))
            for part in (header, claims)
        )
        signature = self._key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{_b64url(signature)}"

    def verify(self, token: str, *, now: datetime | None = None) -> AccessTokenClaims:
        """The claims of ``token``; raises :class:`AccessTokenError` when it must be refused."""
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise AccessTokenError("Jeton d'accès mal formé.", detail="not a compact JWS")
        head, body, signature = token.split(".")
        try:
            header = json.loads(_unb64url(head))
            claims = json.loads(_unb64url(body))
            raw_signature = _unb64url(signature)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise AccessTokenError("Jeton d'accès mal formé.", detail="undecodable JWS") from exc
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise AccessTokenError(
                "Jeton d'accès refusé : algorithme de signature non accepté.",
                detail=f"alg={header.get('alg') if isinstance(header, dict) else None!r}",
            )
        try:
            self._key.public_key().verify(
                raw_signature,
                f"{head}.{body}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature as exc:
            raise AccessTokenError(
                "Jeton d'accès refusé : signature invalide.", detail="bad RS256 signature"
            ) from exc
        if not isinstance(claims, dict):
            raise AccessTokenError("Jeton d'accès mal formé.", detail="claims not an object")
        if claims.get("iss") != self.issuer or claims.get("aud") != self.audience:
            raise AccessTokenError(
                "Jeton d'accès refusé : émetteur ou audience inattendus.",
                detail="iss/aud mismatch",
            )
        try:
            expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
            issued = datetime.fromtimestamp(int(claims.get("iat", 0)), UTC)
            subject, email = str(claims["sub"]), str(claims["email"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise AccessTokenError(
                "Jeton d'accès incomplet.", detail=f"missing or invalid claim {exc}"
            ) from exc
        if expires <= (now or datetime.now(UTC)):
            raise AccessTokenError(
                "Jeton d'accès expiré : reconnectez-vous à Pro Santé Connect.",
                detail=f"expired at {expires.isoformat()}",
            )
        return AccessTokenClaims(
            subject=subject,
            email=email,
            expires=expires,
            issued_at=issued,
            token_id=str(claims.get("jti", "")),
        )
