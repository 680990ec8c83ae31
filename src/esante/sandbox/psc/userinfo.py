"""The userinfo endpoint: who the bearer of an access token is, in PSC's claims.

OpenID Connect Core §5.3: the client presents the access token (``Authorization:
Bearer …``, RFC 6750 §2.1) and gets the professional's claims as JSON
(:func:`~esante.sandbox.psc.claims.userinfo_claims`, filtered by the token's scope). The
token must be a JWT signed by the realm (joserfc), issued by this realm, unexpired,
known to the store and neither revoked nor of an ended session. A refusal is a 401 with
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3).
"""

from __future__ import annotations

from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from esante.sandbox.psc.authorization import OAuthAnswer
from esante.sandbox.psc.claims import userinfo_claims
from esante.sandbox.psc.realm import REALM, SCOPE_OPENID
from esante.sandbox.psc.state import PscState

JSON_HEADERS = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))


def _refusal(error: str, description: str, status: int = 401) -> OAuthAnswer:
    challenge = f'Bearer realm="{REALM}", error="{error}", error_description="{description}"'
    return OAuthAnswer(
        status,
        {"error": error, "error_description": description},
        (*JSON_HEADERS, ("WWW-Authenticate", challenge)),
    )


def userinfo(state: PscState, issuer: str, authorization: str | None) -> OAuthAnswer:
    """The userinfo answer for the ``Authorization`` header ``authorization``."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        challenge = f'Bearer realm="{REALM}"'
        return OAuthAnswer(
            401,
            {"error": "invalid_request", "error_description": "Missing bearer access token"},
            (*JSON_HEADERS, ("WWW-Authenticate", challenge)),
        )
    claims = state.key.verified_claims(token.strip())
    if claims is None:
        return _refusal("invalid_token", "Token signature invalid")
    registry = JWTClaimsRegistry(
        now=lambda: int(state.clock()),
        iss={"essential": True, "value": issuer},
        exp={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError:
        return _refusal("invalid_token", "Token expired or not issued by this realm")
    record = state.store.access_token(str(claims["jti"]))
    if record is None or not record.is_active():
        return _refusal("invalid_token", "Token revoked or session ended")
    if SCOPE_OPENID not in record.scope.split():
        return _refusal("insufficient_scope", "The 'openid' scope is required", 403)
    professional = state.professional(record.get_user().id_nat_ps)
    if professional is None:
        return _refusal("invalid_token", "Unknown subject")
    return OAuthAnswer(
        200, userinfo_claims(professional, state.dataset, record.scope), JSON_HEADERS
    )
