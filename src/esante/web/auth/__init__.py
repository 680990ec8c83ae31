"""Authentication of the web service (issue 12): who is acting, from which credential.

* :mod:`~esante.web.auth.psc` — esante as an OpenID Connect client of Pro Santé Connect
  (code + PKCE, state, nonce, ID and access tokens verified against the JWKS);
* :mod:`~esante.web.auth.sessions` — server-side browser sessions (idle ≤ 2 h, absolute);
* :mod:`~esante.web.auth.deps` — :data:`ActorDep`, the credential of a request (API key,
  PSC bearer token or session cookie), 401 otherwise;
* :mod:`~esante.web.auth.routes` — the sign-in pages, the PSC callback, the local
  sign-in (password + TOTP) and sign-out;
* :mod:`~esante.web.auth.state` — what the app keeps (:class:`AuthState`).

The actor and the rules about it live in :mod:`esante.practice.actors`,
:mod:`esante.practice.staff`, :mod:`esante.practice.apikeys` and
:mod:`esante.practice.access`.
"""

from esante.web.auth.deps import ActorDep, current_actor
from esante.web.auth.sessions import COOKIE_NAME, Timeouts
from esante.web.auth.state import AuthState

__all__ = ["COOKIE_NAME", "ActorDep", "AuthState", "Timeouts", "current_actor"]
