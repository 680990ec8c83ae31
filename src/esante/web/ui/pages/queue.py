"""The send queue at the console: the structure's orders and each document's, with the
deferral countdown, the states in plain French and the actions the signed-in person may
take (issue 14, "Send queue").

``GET /envois`` is the page (filters: state, patient; a limit, so that a structure with
thousands of orders stays fast), ``GET /envois/liste`` the fragment the page polls every
5 s with htmx (``hx-trigger="every 5s"``; ``GET /envois/document/{id}`` for a document's
page): the countdown and the states move without a reload, and the page works without
script (the countdown is computed server-side, a reload refreshes it).
``POST /envois/{id}/{action}`` blocks, unblocks, cancels, sends now or retries through
:mod:`esante.practice.orders`, which checks the role (a secretary may hold a send;
releasing or cancelling is a professional's decision) and traces; a refusal is a French
page with the HTTP status of the error (403, 409).

Every button has a stable ``id``: htmx puts the focus back on the element of the same id
after a swap, so a keyboard user keeps their place while the list refreshes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, get_args

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from esante.errors import EsanteError
from esante.outbox import ACKNOWLEDGEMENT_LABELS, KIND_LABELS, STATE_LABELS
from esante.practice import orders
from esante.practice.access import allowed
from esante.practice.actors import Actor
from esante.practice.order_steps import LastStep, last_steps
from esante.practice.patients import read_patient
from esante.store import SendOrder, utcnow
from esante.web.api.deps import SessionDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.forms import form_fields
from esante.web.ui.templating import court, render

router = APIRouter()

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 1000
DOCUMENT_ORDERS: Final = 100
"""Orders shown for one document (a handful in practice: DMP, MSSanté copies, deletion)."""
VERB_LABELS: Final[dict[orders.Verb, str]] = {
    "block": "Bloquer",
    "unblock": "Débloquer",
    "send_now": "Envoyer maintenant",
    "retry": "Relancer",
    "cancel": "Annuler l'envoi",
}
ACTIONS: Final[dict[str, orders.Verb]] = {
    "bloquer": "block",
    "debloquer": "unblock",
    "envoyer": "send_now",
    "relancer": "retry",
    "annuler": "cancel",
}
"""The French URL segment of each action (``POST /envois/{id}/bloquer``)."""
_SLUG: Final = {verb: slug for slug, verb in ACTIONS.items()}
_FROM_STATES: Final[dict[orders.Verb, tuple[str, ...]]] = {
    "block": ("scheduled", "due"),
    "unblock": ("blocked",),
    "send_now": ("scheduled", "due"),
    "retry": ("failed",),
    "cancel": ("scheduled", "due", "blocked", "failed"),
}
"""The states each action applies to (:mod:`esante.outbox.orders`): a button is offered
only where the action can succeed."""
STATE_FILTERS: Final = {
    "": "Tous les états",
    "scheduled": "Programmés (délai de réflexion)",
    "due": "À envoyer ou en attente",
    "in_flight": "En cours d'envoi",
    "blocked": "Bloqués",
    "failed": "En échec",
    "sent": "Envoyés",
    "cancelled": "Annulés",
}
assert set(get_args(orders.Verb)) == set(VERB_LABELS)


@dataclass(frozen=True)
class Action:
    """A button of an order row: the verb, its label and URL segment."""

    verb: str
    label: str
    slug: str


@dataclass(frozen=True)
class OrderView:
    """An order as the queue shows it: what, to whom, the state in a French sentence."""

    order: SendOrder
    what: str
    state: str
    tone: str
    detail: str | None
    acknowledgement: str | None
    actions: tuple[Action, ...]


def countdown(remaining: timedelta) -> str:
    """``4 min 30 s``, ``45 s``, ``1 h 05 min`` — the time left in the deferral window."""
    seconds = max(0, int(remaining.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _who(step: LastStep | None) -> str | None:
    if step is None:
        return None
    return step.name or step.by


def _recipient(order: SendOrder) -> str:
    return order.recipient or "destinataire inconnu"


def _target(order: SendOrder) -> str:
    if order.kind == "mss_send":
        return f"par MSSanté à {_recipient(order)}"
    return "au DMP"


def state_sentence(
    order: SendOrder, now: datetime, step: LastStep | None = None
) -> tuple[str, str, str | None]:
    """The order's state as a French sentence, its tone (ok / ko / neutre / attente) and
    a detail (the reason): "Envoyé au DMP le 6 déc. à 10:42", "Envoi dans 4 min 30 s",
    "En attente : DMP indisponible, nouvel essai à 10:47", "Bloqué par …" (``step``: the
    order's latest event, :func:`esante.practice.order_steps.last_steps`)."""
    state = order.state
    if state == "scheduled":
        left = countdown(order.available_at - now)
        return f"Envoi dans {left} (à {court(order.available_at)})", "attente", None
    if state == "due":
        if order.attempts and order.last_error:
            reason = order.last_error.rstrip(".")
            at = court(order.available_at)
            return f"En attente : {reason}, nouvel essai le {at}", "attente", None
        return "Envoi imminent (délai de réflexion terminé)", "attente", None
    if state == "in_flight":
        return "En cours d'envoi", "attente", None
    if state == "sent":
        when = court(order.sent_at or order.updated_at)
        if order.kind == "dmp_delete":
            return f"Supprimé du DMP le {when}", "ok", None
        return f"Envoyé {_target(order)} le {when}", "ok", None
    if state == "blocked":
        by = _who(step)
        text = f"Bloqué par {by}" if by else "Bloqué"
        return f"{text} le {court(order.updated_at)}", "ko", order.state_reason
    if state == "cancelled":
        by = _who(step)
        text = f"Annulé par {by}" if by else "Annulé"
        return f"{text} le {court(order.updated_at)}", "neutre", order.state_reason
    if state == "failed":
        return "En échec : envoi abandonné", "ko", order.last_error or order.state_reason
    return STATE_LABELS.get(state, state), "neutre", None


def _acknowledgement(order: SendOrder) -> str | None:
    if order.kind != "mss_send" or order.acknowledgement is None:
        return None
    label = ACKNOWLEDGEMENT_LABELS.get(order.acknowledgement, order.acknowledgement)
    return f"Accusé de réception reçu le {court(order.acknowledged_at)} : {label}"


def actions_for(actor: Actor, order: SendOrder) -> tuple[Action, ...]:
    """The buttons ``actor`` gets on ``order``: the actions its state allows and the
    access policy grants (a secretary sees "Bloquer", never "Débloquer")."""
    found = []
    for verb, label in VERB_LABELS.items():
        if order.state not in _FROM_STATES[verb]:
            continue
        needed = orders.required_actions(order, verb)
        if all(allowed(actor, action) for action in needed):
            found.append(Action(verb, label, _SLUG[verb]))
    return tuple(found)


def order_view(
    actor: Actor, order: SendOrder, now: datetime, step: LastStep | None = None
) -> OrderView:
    """The French row of ``order`` for ``actor`` at ``now``."""
    state, tone, detail = state_sentence(order, now, step)
    what = KIND_LABELS.get(order.kind, order.kind)
    if order.kind == "mss_send":
        what = f"{what} à {_recipient(order)}"
    visibility = json.loads(order.parameters).get("visibility") if order.parameters else None
    if visibility:
        what += " (visibilité : " + ", ".join(visibility) + ")"
    return OrderView(
        order, what, state, tone, detail, _acknowledgement(order), actions_for(actor, order)
    )


def _limit(value: int) -> int:
    return min(max(value, 1), MAX_LIMIT)


def _query(etat: str, patient: int | None, limit: int) -> str:
    parts = []
    if etat:
        parts.append(f"etat={etat}")
    if patient is not None:
        parts.append(f"patient={patient}")
    if limit != DEFAULT_LIMIT:
        parts.append(f"limite={limit}")
    return "&".join(parts)


def _listing(
    request: Request,
    session: SessionDep,
    console: Console,
    template: str,
    etat: str,
    patient: int | None,
    limite: int,
) -> Response:
    limit = _limit(limite)
    state = etat if etat in STATE_FILTERS else ""
    try:
        patient_row = None
        if patient is not None:
            patient_row = read_patient(session, patient, actor=console.actor)
        page = orders.list_orders(
            session,
            actor=console.actor,
            states=(state,) if state else (),
            patient_id=patient,
            limit=limit,
        )
        steps = last_steps(session, [o.id for o in page.items])
        session.commit()  # the trace of the page
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    now = utcnow()
    query = _query(state, patient, limit)
    return render(
        request,
        console,
        template,
        title="Envois",
        rows=[order_view(console.actor, o, now, steps.get(o.id)) for o in page.items],
        counts=page.counts,
        state_labels=STATE_LABELS,
        filters=STATE_FILTERS,
        etat=state,
        patient=patient_row,
        limit=limit,
        more=len(page.items) >= limit and limit < MAX_LIMIT,
        more_query=_query(state, patient, min(limit + DEFAULT_LIMIT, MAX_LIMIT)),
        query=query,
        back="/envois" + (f"?{query}" if query else ""),
        now=now,
    )


@router.get("/envois")
def queue_page(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    etat: str = "",
    patient: int | None = None,
    limite: int = DEFAULT_LIMIT,
) -> Response:
    """The structure's send orders (newest first), filtered by state and patient."""
    return _listing(request, session, console, "queue/page.html", etat, patient, limite)


@router.get("/envois/liste")
def queue_fragment(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    etat: str = "",
    patient: int | None = None,
    limite: int = DEFAULT_LIMIT,
) -> Response:
    """The list alone, polled by the page every 5 s (countdowns, states)."""
    return _listing(request, session, console, "queue/list.html", etat, patient, limite)


@router.get("/envois/document/{document_id}")
def document_orders_fragment(
    document_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """A document's orders alone, polled by the document's page every 5 s."""
    try:
        page = orders.list_orders(
            session, actor=console.actor, document_id=document_id, limit=DOCUMENT_ORDERS
        )
        steps = last_steps(session, [o.id for o in page.items])
        session.commit()  # the trace of the page
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    now = utcnow()
    return render(
        request,
        console,
        "queue/document_list.html",
        rows=[order_view(console.actor, o, now, steps.get(o.id)) for o in page.items],
        document_id=document_id,
        back=f"/documents/{document_id}",
        now=now,
    )


def error_page(request: Request, console: Console, exc: EsanteError) -> Response:
    """A refused action or read, in French, with the error's HTTP status."""
    return render(
        request,
        console,
        "queue/error.html",
        status=status_for(exc),
        title="Action impossible",
        error=exc,
        back=_safe_back(request.headers.get("referer", "")) or "/envois",
    )


def _safe_back(target: str) -> str | None:
    """A same-site path to return to (never another site: no open redirect)."""
    if "://" in target:
        _, _, rest = target.partition("://")
        _, slash, path = rest.partition("/")
        target = slash + path
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.post("/envois/{order_id}/{action}")
async def order_action(
    order_id: int, action: str, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Block, unblock, cancel, send now or retry the order, as the signed-in person;
    back to where the form was (``retour``), or the French refusal."""
    fields = await form_fields(request)
    verb = ACTIONS.get(action)
    if verb is None:
        return Response("Action inconnue.", status_code=404)
    actor = console.actor
    reason = (fields.get("motif") or "").strip() or None
    try:
        if verb == "block":
            orders.block_order(session, order_id, actor=actor, reason=reason)
        elif verb == "unblock":
            orders.unblock_order(session, order_id, actor=actor)
        elif verb == "cancel":
            orders.cancel_order(session, order_id, actor=actor, reason=reason)
        elif verb == "send_now":
            orders.send_order_now(session, order_id, actor=actor)
        else:
            orders.retry_order(session, order_id, actor=actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    back = _safe_back(fields.get("retour", "")) or "/envois"
    return RedirectResponse(back, status_code=303)
