"""The realm's signing key: RS256, made at first start, kept 0600, published as a JWKS.

PSC signs its ID and access tokens with RS256 and publishes the verification keys at
``…/protocol/openid-connect/certs``. The sandbox makes one 2048-bit RSA key with joserfc
the first time it starts (``DIR/psc/signing-key.pem``, PKCS#8, mode 0600) and reuses it
afterwards, so tokens and cached JWKS stay valid across restarts. The key id is its
RFC 7638 thumbprint. Signing and verification are joserfc's; nothing here builds a JWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization, RSAKey

from esante.sandbox.psc._files import read_bounded, write_private
from esante.sandbox.psc.errors import PscError
from esante.sandbox.psc.realm import SIGNING_ALGORITHM

KEY_SIZE = 2048


class SigningKey:
    """The realm's RSA key: signs JWTs, publishes its public half."""

    def __init__(self, key: RSAKey) -> None:
        if not key.is_private:
            raise PscError(
                "Clé de signature Pro Santé Connect du bac à sable invalide.",
                detail="the signing key has no private part",
            )
        self.kid = key.thumbprint()
        self._key = RSAKey.import_key(
            key.as_pem(private=True),
            parameters={"kid": self.kid, "use": "sig", "alg": SIGNING_ALGORITHM},
        )
        self._public = KeySet.import_key_set(KeySet([self._key]).as_dict(private=False))

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """The key at ``path``, made (mode 0600) when absent."""
        if path.exists():
            try:
                return cls(RSAKey.import_key(read_bounded(path)))
            except (JoseError, ValueError, TypeError) as exc:
                raise PscError(
                    "Clé de signature Pro Santé Connect du bac à sable illisible.",
                    detail=f"{path}: {type(exc).__name__}",
                    field=str(path),
                ) from exc
        key = RSAKey.generate_key(KEY_SIZE, private=True)
        write_private(path, key.as_pem(private=True))
        return cls(key)

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set (what ``…/certs`` serves)."""
        serialised: KeySetSerialization = self._public.as_dict(private=False)
        return dict(serialised)

    def public_key_set(self) -> KeySet:
        """The public keys, for verifying what the realm signed."""
        return self._public

    def sign(self, claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
        """A compact RS256 JWT of ``claims``, with this key's ``kid``."""
        header = {"alg": SIGNING_ALGORITHM, "typ": typ, "kid": self.kid}
        return jwt.encode(header, dict(claims), self._key, algorithms=[SIGNING_ALGORITHM])

    def verified_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of ``token`` if this key signed it (RS256), else None.

        Only the signature is checked here; expiry, issuer and audience are the caller's.
        """
        if len(token) > 16_384:
            return None
        try:
            decoded = jwt.decode(token, self._public, algorithms=[SIGNING_ALGORITHM])
        except (JoseError, ValueError):
            return None
        return dict(decoded.claims)
