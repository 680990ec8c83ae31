"""What an attempt to carry out a send order came to.

A handler (the DMP sender, the MSSanté sender) never writes to the orders table: it
returns one of these, and the worker records it under its lease (see
:func:`esante.outbox.claim.record`). The trace records of the calls made travel with the
outcome, so that the trace and the order's new state commit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from esante.audit import AuditEvent


@dataclass(frozen=True)
class Sent:
    """Done: the service holds it. ``result`` keeps the service's references."""

    result: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    audit: tuple[AuditEvent, ...] = ()


@dataclass(frozen=True)
class Retry:
    """A transient failure: try again later (after the backoff)."""

    message: str
    code: str | None = None
    uncertain: bool = False
    audit: tuple[AuditEvent, ...] = ()


@dataclass(frozen=True)
class Failed:
    """A permanent failure: stop, with the French reason the user will read."""

    message: str
    code: str | None = None
    audit: tuple[AuditEvent, ...] = ()


@dataclass(frozen=True)
class Blocked:
    """Not allowed now (opposition of the patient, INS not qualified…): held until released."""

    reason: str
    audit: tuple[AuditEvent, ...] = ()


Outcome = Sent | Retry | Failed | Blocked

OUTCOME_TYPES = (Sent, Retry, Failed, Blocked)
"""The outcome classes, for ``isinstance`` (a handler's preparation may settle an order)."""
