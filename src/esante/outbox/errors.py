"""The outbox branch of the exception tree::

EsanteError
 └── OutboxError              (esante.outbox) a send order could not be created or changed
      └── OrderStateError     the action does not apply to the order's current state
                              (cancel a sent order, unblock a cancelled one...)
"""

from __future__ import annotations

from esante.errors import EsanteError


class OutboxError(EsanteError):
    """A send order could not be created, found or changed."""


class OrderStateError(OutboxError):
    """The requested action does not apply to the order in its current state."""
