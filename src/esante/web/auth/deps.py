"""The credential of a request, as a FastAPI dependency (:data:`ActorDep`).

A request is authenticated by one of (issue 12):

* ``Authorization: Bearer <API key>`` — a structure's key (:mod:`esante.practice.apikeys`);
* ``Authorization: Bearer <PSC access token>`` — verified by signature against PSC's
  JWKS, issuer, audience (esante's client id), expiry; the professional must be one of
  the practice's;
* the ``esante_session`` cookie of a signed-in browser (:mod:`.sessions`).

Anything else is a 401 with ``WWW-Authenticate: Bearer``. The security schemes are
declared to OpenAPI through FastAPI's ``HTTPBearer`` and ``APIKeyCookie``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from esante.practice.actors import Actor, AuthenticationError, professional_actor
from esante.practice.apikeys import authenticate_api_key, looks_like_api_key
from esante.web.api.deps import SessionDep
from esante.web.auth.sessions import COOKIE_NAME, actor_of, find_session
from esante.web.auth.state import AuthState

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="Clé d'API de la structure (esk_…) ou jeton d'accès Pro Santé Connect.",
)
cookie_scheme = APIKeyCookie(
    name=COOKIE_NAME,
    auto_error=False,
    scheme_name="session",
    description="Session du navigateur (connexion Pro Santé Connect ou compte local).",
)


def auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


def current_actor(
    request: Request,
    db: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Actor:
    """The authenticated actor of the request; raises :class:`AuthenticationError`."""
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    auth = auth_state(request)
    actor: Actor | None = None
    if bearer is not None:
        token = bearer.credentials
        if looks_like_api_key(token):
            actor = authenticate_api_key(db, token)
        elif auth.psc is not None:
            claims = auth.psc.verify(token)
            actor = professional_actor(db, str(claims.get("SubjectNameID", "")), None)
        else:
            raise AuthenticationError(
                "Jeton non reconnu.", detail="bearer token is neither an API key nor PSC's"
            )
    elif cookie:
        row = find_session(db, cookie, auth.timeouts)
        if row is not None:
            request.state.web_session = row
            actor = actor_of(row)
    if actor is None:
        raise AuthenticationError(
            "Authentification requise : connectez-vous ou présentez une clé d'API.",
            detail="no valid credential (session cookie or bearer token)",
        )
    # where the request came from, as the trace keeps it (the direct peer: behind a
    # trusted proxy, the proxy's middleware has set request.client from X-Forwarded-For)
    actor = replace(actor, origin=(request.client.host if request.client else None) or "inconnue")
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
