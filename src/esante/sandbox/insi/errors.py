"""Errors of the sandbox's INSi teleservice.

::

    SandboxError                  (esante.sandbox.dmp)
     └── InsiFault                a request the INSi service refuses: answered as a SOAP
                                  fault with a ``siram:Erreur`` detail

``message`` is French (it travels in the fault's Reason), ``detail`` technical.
"""

from __future__ import annotations

from esante.sandbox.dmp.errors import SandboxError


class InsiFault(SandboxError):  # noqa: N818 - a SOAP fault, named as the standard does
    """A request the sandbox INSi refuses (``code`` Sender or Receiver, HTTP ``status``)."""

    def __init__(
        self,
        message: str,
        *,
        error_code: str,
        detail: str | None = None,
        field: str | None = None,
        code: str = "Sender",
        status: int = 500,
    ) -> None:
        super().__init__(message, detail=detail, field=field)
        self.error_code = error_code
        self.code = code
        self.status = status
