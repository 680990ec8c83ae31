"""Request and response bodies of ``/api/outbox``: send orders, their history, user actions.

Orders carry their French labels (``state_label``, ``kind_label``) next to the codes, so
that a client shows what the console shows without a table of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from esante.outbox import KIND_LABELS, STATE_LABELS
from esante.store import SendOrder, SendOrderEvent
from esante.web.api.schemas.common import InputModel

OrderState = Literal["scheduled", "due", "in_flight", "sent", "blocked", "cancelled", "failed"]
"""States of :class:`esante.store.SendOrder` (a unit test keeps them in step)."""
OrderKind = Literal["dmp_submit", "dmp_delete", "mss_send"]
"""Kinds of :class:`esante.store.SendOrder` (a unit test keeps them in step)."""

MAX_ACTOR = 120
"""Longest ``by`` accepted (``send_order_event.by``), though ignored."""

_IGNORED_BY = (
    "Ignoré : l'auteur de l'action, gardé dans l'historique, est la personne de "
    "l'identifiant présenté (session, jeton, clé d'API)"
)


class OrderPublic(BaseModel):
    """A send order: what, for whom, in which state and why."""

    id: int
    kind: str = Field(description="dmp_submit, dmp_delete ou mss_send")
    kind_label: str = Field(description="Nature de l'envoi, en français")
    state: str = Field(description="scheduled, due, in_flight, sent, blocked, cancelled, failed")
    state_label: str = Field(description="État de l'envoi, en français")
    reason: str | None = Field(description="Pourquoi l'envoi est dans cet état (blocage...)")
    document_id: int | None
    patient_id: int
    practitioner_id: int | None
    episode_id: int | None
    historical: bool = Field(description="Alimentation historique (épisode antérieur)")
    authentication_mode: str = Field(description="indirecte ou directe")
    deferral_until: datetime = Field(description="Fin du délai pendant lequel bloquer/annuler")
    available_at: datetime = Field(description="Date à partir de laquelle l'envoi peut partir")
    attempts: int = Field(description="Tentatives d'envoi déjà faites")
    last_error_code: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, order: SendOrder) -> OrderPublic:
        return cls(
            id=order.id,
            kind=order.kind,
            kind_label=KIND_LABELS.get(order.kind, order.kind),
            state=order.state,
            state_label=STATE_LABELS.get(order.state, order.state),
            reason=order.state_reason,
            document_id=order.document_id,
            patient_id=order.patient_id,
            practitioner_id=order.practitioner_id,
            episode_id=order.episode_id,
            historical=order.historical,
            authentication_mode=order.authentication_mode,
            deferral_until=order.deferral_until,
            available_at=order.available_at,
            attempts=order.attempts,
            last_error_code=order.last_error_code,
            last_error=order.last_error,
            created_at=order.created_at,
            updated_at=order.updated_at,
            sent_at=order.sent_at,
        )


class OrderEventPublic(BaseModel):
    """One step of an order's life: when, from which state to which, who, why."""

    at: datetime
    from_state: str | None
    to_state: str
    to_label: str = Field(description="Nouvel état, en français")
    by: str | None = Field(
        description="Auteur : identifiant de la personne connectée (idNat_PS, compte local, "
        "apikey:<préfixe>) ou du worker"
    )
    reason: str | None
    error_code: str | None

    @classmethod
    def of(cls, event: SendOrderEvent) -> OrderEventPublic:
        return cls(
            at=event.at,
            from_state=event.from_state,
            to_state=event.to_state,
            to_label=STATE_LABELS.get(event.to_state, event.to_state),
            by=event.by,
            reason=event.reason,
            error_code=event.error_code,
        )


class OrderDetailPublic(OrderPublic):
    """A send order with its whole history, oldest step first."""

    events: list[OrderEventPublic]

    @classmethod
    def detail(cls, order: SendOrder) -> OrderDetailPublic:
        return cls(
            **OrderPublic.of(order).model_dump(),
            events=[OrderEventPublic.of(e) for e in order.events],
        )


class OutboxPublic(BaseModel):
    """Orders matching the filters (newest first) and the counts of every state."""

    items: list[OrderPublic]
    counts: dict[str, int] = Field(
        description="Nombre d'envois par état, sur tous les envois (pas seulement les filtrés)"
    )
    state_labels: dict[str, str] = Field(description="Libellé français de chaque état")


class OrderActionIn(InputModel):
    """Why the order is blocked or cancelled (optional). ``by`` is accepted for older
    clients and ignored: who acts is the authenticated actor (issue 12)."""

    by: str | None = Field(
        default=None,
        max_length=MAX_ACTOR,
        json_schema_extra={"deprecated": True},
        description=_IGNORED_BY,
    )
    reason: str | None = Field(
        default=None, max_length=2000, description="Motif, gardé dans l'historique de l'envoi"
    )


class OrderActorIn(InputModel):
    """The body of unblock, send now, retry: nothing to say. ``by`` is accepted for older
    clients and ignored: who acts is the authenticated actor (issue 12)."""

    by: str | None = Field(
        default=None,
        max_length=MAX_ACTOR,
        json_schema_extra={"deprecated": True},
        description=_IGNORED_BY,
    )
