"""Sign-in with Pro Santé Connect: the OpenID Connect relying party (issue 12, SC.PSC.01).

Authorization code flow with PKCE ``S256`` (Authlib's challenge), ``state`` and
``nonce`` drawn per sign-in and checked on return, ``acr_values=eidas1`` asked and
checked, ``scope=openid scope_all``. The ID token and the bearer access tokens are
verified with joserfc against the provider's JWKS (RS256 only, fetched from the
discovery document, fetched again once when a token names an unknown key): issuer,
audience (esante's client id), expiry, issued-at, with a bounded clock skew
(:data:`LEEWAY_SECONDS`). Nothing here parses a JWT by hand.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from esante.practice.actors import AuthenticationError

ACR_EIDAS1: Final = "eidas1"
SCOPE: Final = "openid scope_all"
ALGORITHMS: Final = ["RS256"]
LEEWAY_SECONDS: Final = 30
"""Largest clock difference tolerated with the provider (exp, iat, nbf)."""
_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True)
class PscSettings:
    """How esante reaches Pro Santé Connect and is known to it."""

    discovery_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    ca_file: str | None = None


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser's sign-in carries between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class SignedIn:
    """A completed sign-in: the verified ID token's claims, userinfo, the raw ID token."""

    id_token_claims: dict[str, Any]
    userinfo: dict[str, Any]
    id_token: str

    @property
    def id_nat_ps(self) -> str:
        return str(self.userinfo.get("SubjectNameID") or self.id_token_claims.get("SubjectNameID"))

    @property
    def profession_code(self) -> str | None:
        ref = self.userinfo.get("SubjectRefPro")
        exercises = ref.get("exercices") if isinstance(ref, dict) else None
        if isinstance(exercises, list) and exercises and isinstance(exercises[0], dict):
            code = exercises[0].get("codeProfession")
            return str(code) if code else None
        return None


def _refused(detail: str) -> AuthenticationError:
    return AuthenticationError(
        "La connexion par Pro Santé Connect a échoué ; recommencez.", detail=detail
    )


class PscRelyingParty:
    """esante as a client of one PSC realm; safe to share between requests."""

    def __init__(self, settings: PscSettings, *, clock: Any = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def _http(self) -> httpx.Client:
        verify: Any = self.settings.ca_file or True
        return httpx.Client(timeout=_TIMEOUT_S, verify=verify, follow_redirects=False)

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once)."""
        with self._lock:
            if self._metadata is None:
                try:
                    with self._http() as http:
                        answer = http.get(self.settings.discovery_url)
                        answer.raise_for_status()
                        self._metadata = dict(answer.json())
                except (httpx.HTTPError, ValueError) as exc:
                    raise _refused(f"discovery: {type(exc).__name__}") from exc
            return self._metadata

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            keys = self._keys
        if keys is not None and not refresh:
            return keys
        try:
            with self._http() as http:
                answer = http.get(self.metadata()["jwks_uri"])
                answer.raise_for_status()
                keys = KeySet.import_key_set(answer.json())
        except (httpx.HTTPError, ValueError, KeyError, JoseError) as exc:
            raise _refused(f"jwks: {type(exc).__name__}") from exc
        with self._lock:
            self._keys = keys
        return keys

    def begin(self) -> tuple[str, PendingSignIn]:
        """The authorization URL to send the browser to, and what to keep for the callback."""
        pending = PendingSignIn(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
        )
        params = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": SCOPE,
            "state": pending.state,
            "nonce": pending.nonce,
            "acr_values": ACR_EIDAS1,
            "code_challenge": create_s256_code_challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.metadata()['authorization_endpoint']}?{urlencode(params)}", pending

    def verify(self, token: str, *, nonce: str | None = None) -> dict[str, Any]:
        """The claims of a PSC-signed token for esante (ID or access token): signature
        against the JWKS, issuer, audience, expiry, acr; ``nonce`` when given."""
        now = int(self._clock())
        for refresh in (False, True):
            try:
                decoded = jwt.decode(token, self._key_set(refresh=refresh), algorithms=ALGORITHMS)
                break
            except (JoseError, ValueError) as exc:
                if refresh or "key" not in str(exc).lower():
                    raise _refused(f"token: {type(exc).__name__}") from exc
        claims: dict[str, Any] = dict(decoded.claims)
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": self.metadata()["issuer"]},
            "aud": {"essential": True, "value": self.settings.client_id},
            "exp": {"essential": True},
            "acr": {"essential": True, "value": ACR_EIDAS1},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        try:
            JWTClaimsRegistry(now=now, leeway=LEEWAY_SECONDS, **options).validate(claims)
        except JoseError as exc:
            raise _refused(f"claims: {type(exc).__name__} {exc}") from exc
        iat = claims.get("iat")
        if not isinstance(iat, int) or iat > now + LEEWAY_SECONDS:
            raise _refused("claims: iat missing or in the future")
        return claims

    def finish(self, pending: PendingSignIn, state: str, code: str) -> SignedIn:
        """Exchange the code (PKCE verifier), verify the ID token, read userinfo."""
        if not secrets.compare_digest(pending.state, state):
            raise _refused("state mismatch")
        meta = self.metadata()
        try:
            with self._http() as http:
                answer = http.post(
                    meta["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.settings.redirect_uri,
                        "code_verifier": pending.verifier,
                    },
                    auth=(self.settings.client_id, self.settings.client_secret),
                )
                if answer.status_code != 200:
                    raise _refused(f"token endpoint answered {answer.status_code}")
                tokens = answer.json()
                id_token = str(tokens["id_token"])
                access_token = str(tokens["access_token"])
                claims = self.verify(id_token, nonce=pending.nonce)
                info = http.get(
                    meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
                )
                if info.status_code != 200:
                    raise _refused(f"userinfo answered {info.status_code}")
                userinfo = dict(info.json())
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise _refused(f"exchange: {type(exc).__name__}") from exc
        if userinfo.get("sub") != claims.get("sub"):
            raise _refused("userinfo sub differs from the ID token's")
        return SignedIn(claims, userinfo, id_token)

    def end_session_url(self, id_token: str | None) -> str | None:
        """Where to send the browser to end the PSC session too (or None if unknown)."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": self.settings.post_logout_redirect_uri}
        params["client_id"] = self.settings.client_id
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(params)}"
