"""Errors of the MSSanté operator sandbox.

::

    EsanteError
     └── SandboxError                 (esante.sandbox.dmp.errors, shared by the sandbox)
          └── MssSandboxError         the MSSanté operator sandbox
               ├── MailboxError       unknown mailbox, bad address, mail store failure
               ├── AccessTokenError   a Pro Santé Connect access token is refused
               └── ImapProtocolError  a client's IMAP command cannot be parsed (answered BAD)

``message`` is French; ``detail`` is technical and never holds a password or a token.
"""

from __future__ import annotations

from esante.sandbox.dmp.errors import SandboxError


class MssSandboxError(SandboxError):
    """Base class of the MSSanté operator sandbox's errors."""


class MailboxError(MssSandboxError):
    """A mailbox is unknown, an address is malformed, or the mail store failed."""


class AccessTokenError(MssSandboxError):
    """A Pro Santé Connect access token is malformed, forged, expired or for someone else."""


class ImapProtocolError(MssSandboxError):
    """An IMAP command line cannot be parsed; the server answers ``BAD`` with ``message``."""
