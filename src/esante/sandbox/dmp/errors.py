"""Errors of the DMP sandbox: the national service saying no, or its own database failing.

::

    EsanteError
     └── SandboxError               (esante.sandbox)    the simulator of the national services
          ├── SandboxDatabaseError   the sandbox database is unreachable or cannot be migrated
          └── DmpRefusal             the DMP refuses a request; ``code`` is the DMP/XDS error
                                     code the real service answers with, ``message`` its
                                     French text (see ``data/error_codes.json``)

A :class:`DmpRefusal` is what the HTTP layer turns into a ``RegistryError`` (XDS
transactions), a SOAP fault or an HL7 v3 application error, and what the DMP client maps
back: both sides key on ``code``. ``SandboxError`` lives here until a second sandbox
service needs it (it then moves to ``esante.sandbox``).
"""

from __future__ import annotations

from esante.errors import EsanteError
from esante.sandbox.dmp.codes import DmpErrorCode, error_message


class SandboxError(EsanteError):
    """Base class of the errors raised by the national services' sandbox."""


class SandboxDatabaseError(SandboxError):
    """The sandbox database could not be reached, created or migrated."""


class DmpRefusal(SandboxError):  # noqa: N818 - a refusal is the DMP's answer, not a fault
    """The DMP refuses the request with ``code`` (and its official French text).

    ``message`` defaults to the catalogue text of ``code``; pass ``message`` to say more
    (it stays French, for the clinician). ``detail`` is technical, for the developer.
    """

    def __init__(
        self,
        code: DmpErrorCode,
        *,
        message: str | None = None,
        detail: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message or error_message(code), detail=detail, field=field)
        self.code = code

    def __repr__(self) -> str:
        return f"DmpRefusal({self.code.value!r}, {self.message!r})"
