"""The audit branch of the exception tree::

EsanteError
 └── AuditError                 (esante.audit) the access trace could not be written or read
      └── AuditChainError       the hash chain is broken (altered, inserted or deleted record)
"""

from __future__ import annotations

from esante.errors import EsanteError


class AuditError(EsanteError):
    """The access trace could not be written, read or exported."""


class AuditChainError(AuditError):
    """The hash chain of the access trace does not hold."""
