"""Errors of the sandbox's Pro Santé Connect.

::

    SandboxError                  (esante.sandbox.dmp, until it moves to esante.sandbox)
     └── PscError                 the Pro Santé Connect sandbox cannot start or be configured
          ├── PscClientError      a client registration is refused (identifier taken,
          │                       redirect URI not absolute, not HTTPS off loopback…)
          └── FormError           (pages) a request body that is not a small URL-encoded
                                  form; answered 400

OAuth 2.0 / OpenID Connect refusals (bad code, bad PKCE verifier, unknown client…) are not
exceptions of this tree: they are protocol answers (``error`` / ``error_description``),
built by Authlib, that the endpoints return as PSC would. ``message`` is French,
``detail`` technical.
"""

from __future__ import annotations

from esante.sandbox.dmp.errors import SandboxError


class PscError(SandboxError):
    """The Pro Santé Connect sandbox cannot start or be configured."""


class PscClientError(PscError):
    """A client registration is refused."""
