"""Pro Santé Connect in the sandbox: an OpenID Connect provider that behaves like PSC.

PSC is the national identity federation of health professionals (ANS): an OpenID
Connect provider (Keycloak realm ``esante-wallet``) where a professional signs in with
the CPS card or the e-CPS app, and whose userinfo says who they are in the directory's
words (``SubjectNameID`` idNat_PS, ``SubjectRefPro`` exercises and activities…). The
sandbox serves the same paths and claims for the demo professionals:

* :mod:`~esante.sandbox.psc.realm` — PSC's paths, scopes, ``acr`` and discovery document;
* :mod:`~esante.sandbox.psc.claims` — the userinfo claims of a demo professional;
* :mod:`~esante.sandbox.psc.keys`, :mod:`~esante.sandbox.psc.clients`,
  :mod:`~esante.sandbox.psc.ecps` — signing key, registered clients, e-CPS TOTP seeds,
  kept 0600 in ``DIR/psc``; :mod:`~esante.sandbox.psc.store` — sessions, codes, tokens;
  :class:`PscState` bundles them;
* :mod:`~esante.sandbox.psc.authorization` (Authlib's server),
  :mod:`~esante.sandbox.psc.tokens`, :mod:`~esante.sandbox.psc.userinfo` — the protocol;
* :mod:`~esante.sandbox.psc.wallet`, :mod:`~esante.sandbox.psc.app` — the sign-in pages
  standing in for the e-CPS app, and the ASGI app (:func:`create_psc_app`);
* :mod:`~esante.sandbox.psc.server` — :class:`PscServer` and :func:`start_psc`.
"""

from esante.sandbox.psc.app import create_psc_app
from esante.sandbox.psc.clients import ClientRegistry, PscClient
from esante.sandbox.psc.ecps import EcpsApp
from esante.sandbox.psc.errors import PscClientError, PscError
from esante.sandbox.psc.realm import (
    ACR_EIDAS1,
    DISCOVERY_PATH,
    REALM_PATH,
    SCOPE_ALL,
    discovery_document,
)
from esante.sandbox.psc.server import PSC_DIRECTORY, PscServer, TlsFiles, start_psc
from esante.sandbox.psc.state import ESANTE_CLIENT_ID, PscState
from esante.sandbox.psc.store import Lifetimes

__all__ = [
    "ACR_EIDAS1",
    "ClientRegistry",
    "DISCOVERY_PATH",
    "ESANTE_CLIENT_ID",
    "EcpsApp",
    "Lifetimes",
    "PSC_DIRECTORY",
    "PscClient",
    "PscClientError",
    "PscError",
    "PscServer",
    "PscState",
    "REALM_PATH",
    "SCOPE_ALL",
    "TlsFiles",
    "create_psc_app",
    "discovery_document",
    "start_psc",
]
