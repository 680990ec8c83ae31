"""The store's branch of the exception tree."""

from __future__ import annotations

from esante.errors import EsanteError


class StoreError(EsanteError):
    """The database could not be reached, migrated or queried."""


class NotFoundError(StoreError):
    """The requested record does not exist."""


class ConflictError(StoreError):
    """The change would break a uniqueness rule (same INS, same RPPS...)."""
