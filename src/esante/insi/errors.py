"""The INSi branch of the exception tree: what a failed call means for whoever retries.

::

    EsanteError
     └── InsiError                 (esante.insi) an INSi call failed
          ├── InsiRequestError     the request could not be built (bad traits, card data):
          │                        nothing was sent; correct the input
          ├── InsiRejectedError    the service refused the request (SOAP Sender fault with
          │                        its siram error code): retrying as is will not help
          ├── InsiAnswerError      the answer is unreadable or breaks the schema's rules
          │                        (e.g. a forged or altered answer): not used, not retried
          └── InsiUnavailableError transient: unreachable, timeout, HTTP 5xx, Receiver
                                   fault — retrying later may help

``retryable`` says whether trying again may help (only :class:`InsiUnavailableError`).
The transport or identity error that caused it is chained (``__cause__``).
"""

from __future__ import annotations

from typing import ClassVar

from esante.errors import EsanteError


class InsiError(EsanteError):
    """An INSi call failed; ``code`` is the service's error code when it gave one."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, detail=detail, field=field)
        self.code = code


class InsiRequestError(InsiError):
    """The request could not be built: nothing was sent."""


class InsiRejectedError(InsiError):
    """The service refused the request."""


class InsiAnswerError(InsiError):
    """The answer is unreadable or incoherent: it is not used."""


class InsiUnavailableError(InsiError):
    """The service could not be reached or could not answer: retry later."""

    retryable: ClassVar[bool] = True
