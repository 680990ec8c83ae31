"""The DMP branch of the exception tree, shaped for the send orders that retry DMP calls.

Whoever retries a DMP call (the outbox worker) needs three answers from a failure: *may
I retry as is?* (:attr:`DmpError.is_transient`), *did the DMP perhaps do it anyway?*
(:attr:`DmpError.outcome_uncertain`: then ask the DMP first, e.g. TD3.1b for a
submission, whose uniqueId is the idempotency key), and *what did the DMP say?*
(:attr:`DmpError.code`, the DMP/XDS error code, and the French ``message``)::

    EsanteError
     └── DmpError                         (esante.dmp) a DMP call failed
          ├── DmpRequestError             the request could not be built: bad input, CDA not
          │                               mappable, XDS rule broken, signing failed (nothing sent)
          ├── DmpRejectedError            the DMP answered and refused: RegistryErrorList,
          │                               HL7 v3 AE/AR, setAuthorization status, soap:Sender
          ├── DmpCommunicationError       the exchange itself is broken and retrying will not help:
          │                               TLS refused, HTTP 4xx, malformed or unexpected response
          └── DmpUnavailableError         transient: unreachable, busy, soap:Receiver, HTTP 5xx
               └── DmpUncertainOutcomeError  the request left, no answer came back: the DMP may
                                          have done it (a write: check before retrying)

``is_transient`` is True for :class:`DmpUnavailableError` (and its subclass) only.
``outcome_uncertain`` is True for :class:`DmpUncertainOutcomeError`, and for a
:class:`DmpCommunicationError` raised when the response to a *write* could not be read.
The transport error or XDS/trust error that caused a DmpError is chained (``__cause__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from esante.errors import EsanteError

if TYPE_CHECKING:
    from esante.xds import RegistryError


class DmpError(EsanteError):
    """A DMP call failed; ``code`` is the DMP/XDS error code when the DMP gave one."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        codes: tuple[str, ...] = (),
        detail: str | None = None,
        field: str | None = None,
        outcome_uncertain: bool = False,
        transaction: str | None = None,
    ):
        super().__init__(message, detail=detail, field=field)
        self.codes: tuple[str, ...] = codes or ((code,) if code else ())
        self.code: str | None = code or (self.codes[0] if self.codes else None)
        self.outcome_uncertain = outcome_uncertain
        self.transaction = transaction

    @property
    def is_transient(self) -> bool:
        """True when retrying the same call later may succeed."""
        return self.transient


class DmpRequestError(DmpError):
    """The request could not be built or was refused before sending; nothing was sent."""


class DmpRejectedError(DmpError):
    """The DMP processed the request and refused it; ``errors`` are its RegistryErrors."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        codes: tuple[str, ...] = (),
        errors: tuple[RegistryError, ...] = (),
        detail: str | None = None,
        field: str | None = None,
        transaction: str | None = None,
    ):
        super().__init__(
            message, code=code, codes=codes, detail=detail, field=field, transaction=transaction
        )
        self.errors = errors


class DmpCommunicationError(DmpError):
    """The exchange failed in a way a retry cannot fix (TLS, HTTP 4xx, unreadable answer)."""


class DmpUnavailableError(DmpError):
    """The DMP could not be reached or could not process the request now: retry later."""

    transient = True


class DmpUncertainOutcomeError(DmpUnavailableError):
    """The request was sent but no answer came back: the DMP may or may not have done it."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        transaction: str | None = None,
    ):
        super().__init__(
            message, code=code, detail=detail, outcome_uncertain=True, transaction=transaction
        )
