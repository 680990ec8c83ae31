"""The tokens the realm issues: JWT access tokens, ID tokens, opaque refresh tokens.

PSC is Keycloak: its access token is a JWT signed RS256 by the realm (the bearer value
that userinfo, introspection and resource servers such as the MSSanté operators
check), carrying ``iss``, ``sub``, ``aud`` / ``azp`` (the client), ``exp``, ``iat``,
``auth_time``, ``jti``, ``typ`` ``Bearer``, ``sid``, ``acr`` ``eidas1``, ``scope`` and the
professional's ``SubjectNameID`` / ``preferred_username`` / ``otherIds``; it lives two
minutes. The ID token (OpenID Connect Core §2) adds ``nonce``, ``at_hash`` and the names.
Refresh tokens here are opaque random values, rotated at each use (a refresh token
works once) and bounded by the session. The token response carries, as Keycloak's,
``refresh_expires_in`` and ``session_state``.

Every JWT is signed by :class:`~esante.sandbox.psc.keys.SigningKey` (joserfc);
``at_hash`` is Authlib's ``create_half_hash``.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oidc.core.util import create_half_hash

from esante.sandbox.psc.claims import identity_claims
from esante.sandbox.psc.clients import PscClient
from esante.sandbox.psc.realm import ACR_EIDAS1, SCOPE_OPENID, SIGNING_ALGORITHM
from esante.sandbox.psc.state import PscState
from esante.sandbox.psc.store import IssuedToken, PscUser, Session, new_secret


class TokenIssuer:
    """Issues the realm's tokens for the issuer ``issuer`` (the realm's URL)."""

    def __init__(self, state: PscState, issuer: str) -> None:
        self.state = state
        self.issuer = issuer

    def _session(self, user: PscUser) -> Session:
        session = self.state.store.session(user.session_id)
        if session is None:  # ended between the grant's checks and now
            raise InvalidGrantError("The session has ended.")
        return session

    def _identity(self, user: PscUser) -> dict[str, Any]:
        professional = self.state.professional(user.id_nat_ps)
        return identity_claims(professional) if professional else {"sub": user.subject}

    def token_response(
        self, client: PscClient, user: PscUser, scope: str, *, include_refresh_token: bool
    ) -> dict[str, Any]:
        """Issue an access token (and a refresh token) for ``user``; the body of the
        token response, ``id_token`` aside (see :meth:`id_token`)."""
        session = self._session(user)
        lifetimes = self.state.store.lifetimes
        now = int(self.state.clock())
        identity = self._identity(user)
        claims: dict[str, Any] = {
            "exp": now + lifetimes.access_token,
            "iat": now,
            "auth_time": user.auth_time,
            "jti": new_secret(16),
            "iss": self.issuer,
            "aud": client.client_id,
            "sub": user.subject,
            "typ": "Bearer",
            "azp": client.client_id,
            "sid": user.session_id,
            "acr": ACR_EIDAS1,
            "scope": scope,
            "SubjectNameID": user.id_nat_ps,
            "preferred_username": identity.get("preferred_username", user.id_nat_ps),
            "otherIds": [{"identifiant": user.id_nat_ps, "origine": "RPPS", "qualite": 1}],
        }
        access = self.state.key.sign(claims)
        self.state.store.record(
            IssuedToken(
                kind="access_token",
                key=claims["jti"],
                client_id=client.client_id,
                session=session,
                scope=scope,
                issued_at=now,
                expires_at=claims["exp"],
                clock=self.state.clock,
                claims=claims,
            )
        )
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": lifetimes.access_token,
            "token_type": "Bearer",
            "scope": scope,
            "session_state": user.session_id,
        }
        if include_refresh_token:
            refresh_end = min(now + lifetimes.refresh_token, int(session.expires_at))
            refresh = new_secret(48)
            self.state.store.record(
                IssuedToken(
                    kind="refresh_token",
                    key=refresh,
                    client_id=client.client_id,
                    session=session,
                    scope=scope,
                    issued_at=now,
                    expires_at=refresh_end,
                    clock=self.state.clock,
                )
            )
            body["refresh_token"] = refresh
            body["refresh_expires_in"] = refresh_end - now
        return body

    def id_token(self, client: PscClient, user: PscUser, scope: str, access_token: str) -> str:
        """The signed ID token that goes with ``access_token``."""
        session = self._session(user)
        now = int(self.state.clock())
        claims: dict[str, Any] = {
            "exp": now + self.state.store.lifetimes.access_token,
            "iat": now,
            "auth_time": user.auth_time,
            "jti": new_secret(16),
            "iss": self.issuer,
            "aud": client.client_id,
            "typ": "ID",
            "azp": client.client_id,
            "sid": user.session_id,
            "acr": ACR_EIDAS1,
        }
        if session.nonce:
            claims["nonce"] = session.nonce
        half_hash = create_half_hash(access_token, SIGNING_ALGORITHM)
        if half_hash is not None:
            claims["at_hash"] = half_hash.decode("ascii")
        claims.update(self._identity(user))
        return self.state.key.sign(claims)

    def add_id_token(self, body: dict[str, Any], client: PscClient, user: PscUser) -> None:
        """Add ``id_token`` to a token response whose scope includes ``openid``."""
        if SCOPE_OPENID in str(body.get("scope", "")).split():
            body["id_token"] = self.id_token(client, user, body["scope"], body["access_token"])
