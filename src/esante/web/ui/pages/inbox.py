"""The MSSanté inbox at the console (issue 14, "MSSanté inbox").

``/messagerie`` shows the documents received by MSSanté in patients' records (with their
provenance, a link to the document and to the patient), then — loaded after the page,
since it opens an IMAP session — the mailbox's "à rapprocher" tray (unknown patient) and
its refused messages with their reason (``/messagerie/a-traiter``). "Relever la
messagerie" (POST ``/messagerie/relever``) runs
:func:`esante.practice.inbox.fetch_mailbox` through
:func:`esante.practice.inbox_view.fetch_for` and shows what it did.

The mailbox is the signed-in professional's or their structure's
(:func:`esante.practice.inbox_view.mailboxes_of`); its client is the configured one
(:func:`mailbox_client`): an embedder's (``app.state.mss_mailboxes``, a callable from an
address to an :class:`~esante.mss.MssClient` or None), else the running sandbox's
(``ESANTE_SANDBOX``). Without one the page says so in French; an unreachable operator
is a notice, never an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from esante.config import Settings
from esante.errors import EsanteError
from esante.mss import MssClient, MssError
from esante.practice.errors import PracticeError
from esante.practice.inbox import InboxReport
from esante.practice.inbox_view import (
    Mailbox,
    fetch_for,
    mailbox_trays,
    mailboxes_of,
    received_documents,
)
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import ConsoleDep
from esante.web.ui.forms import form_fields
from esante.web.ui.templating import render

router = APIRouter()

NOT_CONFIGURED = (
    "Aucune messagerie MSSanté n'est configurée pour ce service : la boîte ne peut pas être "
    "relevée d'ici. Les documents déjà reçus restent consultables ci-dessous."
)
NO_MAILBOX = (
    "Aucune adresse MSSanté n'est enregistrée pour vous ni pour votre structure : "
    "renseignez-la dans la fiche du professionnel ou de la structure."
)


def mailbox_client(request: Request, settings: Settings, address: str) -> MssClient | None:
    """The configured MSSanté client of ``address``, or None when there is none."""
    embedder: Callable[[str], MssClient | None] | None = getattr(
        request.app.state, "mss_mailboxes", None
    )
    if embedder is not None:
        return embedder(address)
    if settings.services != "sandbox" or settings.sandbox is None:
        return None
    from esante.services import sandbox_mailboxes

    try:
        return sandbox_mailboxes(settings.sandbox)(address)
    except EsanteError:
        return None


def _chosen(mailboxes: list[Mailbox], wanted: str | None) -> Mailbox | None:
    """The mailbox asked for, if it is one of the actor's; else the first one."""
    wanted = (wanted or "").strip().lower()
    for mailbox in mailboxes:
        if mailbox.address == wanted:
            return mailbox
    return mailboxes[0] if mailboxes else None


def _page(
    request: Request,
    session: Session,
    console: ConsoleDep,
    settings: Settings,
    wanted: str | None,
    *,
    report: InboxReport | None = None,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {"report": report, "error": error, "notice": None}
    try:
        mailboxes = mailboxes_of(session, console.actor)
        chosen = _chosen(mailboxes, wanted)
        context["received"] = received_documents(session, console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return render(
            request,
            console,
            "inbox/error.html",
            status=status_for(exc),
            title="Messagerie MSSanté",
            error=exc,
        )
    configured = chosen is not None and mailbox_client(request, settings, chosen.address)
    if chosen is None:
        context["notice"] = NO_MAILBOX
    elif not configured:
        context["notice"] = NOT_CONFIGURED
    return render(
        request,
        console,
        "inbox/page.html",
        status=status,
        title="Messagerie MSSanté",
        mailboxes=mailboxes,
        chosen=chosen,
        configured=bool(configured),
        **context,
    )


@router.get("/messagerie")
def inbox_page(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    settings: SettingsDep,
    boite: str = "",
) -> Response:
    """The received documents, the trays of the mailbox, the "Relever" button."""
    return _page(request, session, console, settings, boite or None)


@router.get("/messagerie/a-traiter")
def inbox_trays(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    settings: SettingsDep,
    boite: str = "",
) -> Response:
    """The "à rapprocher" and refused trays of the mailbox (an IMAP read, read-only)."""
    trays = None
    notice = None
    error = None
    try:
        chosen = _chosen(mailboxes_of(session, console.actor), boite or None)
        client = None if chosen is None else mailbox_client(request, settings, chosen.address)
        if chosen is None:
            notice = NO_MAILBOX
        elif client is None:
            notice = NOT_CONFIGURED
        else:
            trays = mailbox_trays(session, console.actor, client)
        session.commit()
    except MssError as exc:
        session.rollback()
        notice = f"Messagerie injoignable : {exc.message} Réessayez plus tard."
    except EsanteError as exc:
        session.rollback()
        error = exc
    fragment = bool(request.headers.get("hx-request"))
    return render(
        request,
        console,
        "inbox/trays.html" if fragment else "inbox/trays_page.html",
        status=200 if error is None else status_for(error),
        title="Messages à traiter",
        trays=trays,
        notice=notice,
        error=error,
    )


@router.post("/messagerie/relever")
async def fetch_inbox(
    request: Request, session: SessionDep, console: ConsoleDep, settings: SettingsDep
) -> Response:
    """Fetch the mailbox now: documents imported with their provenance, the rest left
    in the mailbox with the reason; the page shows what was done."""
    fields = await form_fields(request)
    wanted = fields.get("boite") or None
    chosen = _chosen(mailboxes_of(session, console.actor), wanted)
    session.rollback()
    client = None if chosen is None else mailbox_client(request, settings, chosen.address)
    if client is None:
        return _page(request, session, console, settings, wanted)
    sessions: sessionmaker[Session] = request.app.state.session_factory
    try:
        report = fetch_for(
            sessions,
            console.actor,
            client,
            product_reference=settings.mss_product_reference,
        )
    except MssError as exc:
        error: EsanteError = PracticeError(
            f"Relève impossible : {exc.message} Les messages restent dans la boîte ; "
            "réessayez plus tard.",
            detail=exc.detail,
        )
        return _page(request, session, console, settings, wanted, error=error, status=503)
    except EsanteError as exc:
        return _page(request, session, console, settings, wanted, error=exc, status=status_for(exc))
    return _page(request, session, console, settings, wanted, report=report)
