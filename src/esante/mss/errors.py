"""The MSSanté branch of the exception tree, shaped like the DMP's for the send orders.

Whoever sends or receives MSSanté messages needs to know whether a failure is worth
retrying, whether the message may have left anyway, and which input was at fault::

    EsanteError
     └── MssError                      (esante.mss) an MSSanté package, message or exchange failed
          ├── MssFormatError           bad input: an XDM package, a message, an acknowledgement
          │    │                       or a directory answer that breaks the rules (nothing
          │    │                       imported; ``field`` names the part at fault)
          │    └── XdmError            the IHE XDM zip itself (layout, names, hash, size, bomb)
          ├── MssSendError             the message could not be composed or was refused for good
          │                            (recipient unknown, authentication refused, policy)
          ├── MssUnavailableError      transient: server unreachable, 4xx SMTP reply, timeout
          │    └── MssUncertainOutcomeError  the message left but no final reply came back
          └── MssDirectoryError        the Annuaire Santé could not answer the question
"""

from __future__ import annotations

from typing import ClassVar

from esante.errors import EsanteError


class MssError(EsanteError):
    """An MSSanté operation failed."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        field: str | None = None,
        code: str | None = None,
        outcome_uncertain: bool = False,
    ):
        super().__init__(message, detail=detail, field=field)
        self.code = code
        self.outcome_uncertain = outcome_uncertain

    @property
    def is_transient(self) -> bool:
        """True when doing the same thing later may succeed."""
        return self.transient


class MssFormatError(MssError):
    """An MSSanté package, message or acknowledgement breaks the rules; nothing was imported."""


class XdmError(MssFormatError):
    """The IHE XDM zip is unusable (layout, names, hashes, sizes, compression bomb)."""


class MssSendError(MssError):
    """The message cannot be sent as is (refused for good, or could not be composed)."""


class MssUnavailableError(MssError):
    """The MSSanté server could not be reached or asked to try again later."""

    transient = True


class MssUncertainOutcomeError(MssUnavailableError):
    """The message was handed over but no final reply came back: it may have been accepted."""

    def __init__(self, message: str, *, detail: str | None = None, code: str | None = None):
        super().__init__(message, detail=detail, code=code, outcome_uncertain=True)


class MssDirectoryError(MssError):
    """The Annuaire Santé directory could not be queried or gave an unusable answer."""
