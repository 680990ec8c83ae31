"""Durable send orders (the transactional outbox) and the workers that carry them out.

* :mod:`~esante.outbox.orders` — create an order in the caller's transaction; block,
  unblock, cancel, send now, retry;
* :mod:`~esante.outbox.claim` — claim due orders (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, ``UPDATE … RETURNING`` on SQLite) under a lease, record outcomes;
* :mod:`~esante.outbox.worker` — the claiming loop, one or many threads and processes;
* :mod:`~esante.outbox.policy` — exponential backoff with jitter, lease, give-up time.

The outbox is a generic durable queue: it knows no client and no practice rule. The
handlers that carry orders out know the practice (its records, consent, actors, MSSanté
composition) and live on the practice side — :mod:`esante.practice.dmp_sender`,
:mod:`esante.practice.mss_sender` — registered into the worker by
:mod:`esante.practice.send_handlers`.
"""

from esante.outbox.claim import ClaimedOrder, claim, record, record_many, renew
from esante.outbox.errors import OrderStateError, OutboxError
from esante.outbox.orders import (
    ACKNOWLEDGEMENT_LABELS,
    ACKNOWLEDGEMENTS,
    ACTIVE_STATES,
    DEFAULT_DEFERRAL,
    FINAL_STATES,
    KIND_LABELS,
    STATE_LABELS,
    NewOrder,
    block,
    cancel,
    count_by_state,
    create_order,
    get_order,
    list_orders,
    record_acknowledgement,
    retry,
    send_now,
    unblock,
)
from esante.outbox.outcome import Blocked, Failed, Outcome, Retry, Sent
from esante.outbox.policy import RetryPolicy
from esante.outbox.worker import DEFAULT_CREDENTIALS, Handler, Worker, WorkerStats

__all__ = [
    "ACKNOWLEDGEMENTS",
    "ACKNOWLEDGEMENT_LABELS",
    "ACTIVE_STATES",
    "DEFAULT_CREDENTIALS",
    "DEFAULT_DEFERRAL",
    "FINAL_STATES",
    "KIND_LABELS",
    "STATE_LABELS",
    "Blocked",
    "ClaimedOrder",
    "Failed",
    "Handler",
    "NewOrder",
    "OrderStateError",
    "OutboxError",
    "Outcome",
    "Retry",
    "RetryPolicy",
    "Sent",
    "Worker",
    "WorkerStats",
    "block",
    "cancel",
    "claim",
    "count_by_state",
    "create_order",
    "get_order",
    "list_orders",
    "record",
    "record_many",
    "renew",
    "record_acknowledgement",
    "retry",
    "send_now",
    "unblock",
]
