"""Writing and validating at the console, and the record's documents (issue 14, "Writing and
validating", "Print").

* ``GET /patients/{id}/documents`` — the record's documents sorted by type then date (newest
  first), each with its origin (produced here, imported from the DMP, received by MSSanté:
  SC.CDA/INT.08) and its DMP state in French; a fragment for the record page (htmx), a page
  otherwise.
* ``GET/POST /patients/{id}/rediger`` — the editor: consultation report or prescription
  note (N1 from the text, :mod:`esante.practice.authoring`). Before the click the page
  says what "Valider" will send (the catalogue's rules, what holds the DMP send, and on a
  first send to this patient's DMP the documents that may be sent: EX_2.1-1190); the DMP
  visibility is chosen on this validation (EX_2.1-1050). **Valider** stores and queues
  the sends in one click; **Ne pas envoyer** is the second button of the same form — one
  more click, on this validation only, never remembered. An empty or untouched document
  is refused, nothing stored (EX_GEN-1060), the text kept.
* ``GET /documents/{id}`` — metadata, provenance, its send orders with their history and
  the MSSanté acknowledgements, the content and the print.
* ``GET /documents/{id}/imprimer`` — the PDF to print: an N1's own PDF/A; an N3 rendered
  (:func:`esante.cda.render.render_html`) then made PDF by WeasyPrint, so that the print
  is the same kind of file for every document (an HTML page would lose its styles under
  the console's Content-Security-Policy).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from esante.cda.build.pdf import render_pdf
from esante.cda.read import extract_pdf
from esante.cda.render import render_html
from esante.errors import EsanteError
from esante.outbox import STATE_LABELS
from esante.practice import orders
from esante.practice.authoring import KINDS, VISIBILITY_LABELS, send_plan, write_document
from esante.practice.conformance import kit_validator
from esante.practice.documents import dmp_delivery, patient_documents, read_stored_document
from esante.practice.order_steps import actor_names, last_steps
from esante.practice.patients import read_patient
from esante.practice.received import provenance_of
from esante.practice.record_lists import KIND_LABELS as LIST_LABELS
from esante.practice.record_lists import record_items
from esante.practice.vsm_update import write_vsm
from esante.store import Document, utcnow
from esante.terminology import TerminologyError, document_type
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.forms import form_fields
from esante.web.ui.pages.queue import DOCUMENT_ORDERS, error_page, order_view
from esante.web.ui.templating import court, render

router = APIRouter()

VALIDATED_SENT: Final = 1
VALIDATED_NOT_SENT: Final = 2
"""``?valide=`` after the click: « Valider » (sends queued) or « Ne pas envoyer »."""
MAX_DOCUMENTS: Final = 200
"""Documents listed on the record (newest first; the API pages further)."""


def _type_label(document: Document) -> str:
    try:
        return document_type(document.type_code).label
    except TerminologyError:
        return document.type_code


def _dmp_label(session: SessionDep, document: Document) -> str:
    if document.provenance != "produced":
        return "—"
    delivery = dmp_delivery(session, document.id)
    if delivery.state == "sent" and delivery.sent_at is not None:
        return f"dans le DMP depuis le {court(delivery.sent_at)}"
    return delivery.label


@router.get("/patients/{patient_id}/documents")
def documents_fragment(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The record's documents by type and date, with origin and DMP state."""
    fragment = bool(request.headers.get("hx-request"))
    try:
        patient = read_patient(session, patient_id, actor=console.actor)
        total, documents = patient_documents(
            session, patient_id, actor=console.actor, limit=MAX_DOCUMENTS, offset=0
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    documents.sort(key=lambda d: d.effective_time, reverse=True)
    documents.sort(key=_type_label)
    rows = [
        {
            "document": d,
            "type": _type_label(d),
            "provenance": provenance_of(d),
            "dmp": _dmp_label(session, d),
        }
        for d in documents
    ]
    return render(
        request,
        console,
        "writing/documents_fragment.html" if fragment else "writing/documents_page.html",
        title="Documents du dossier",
        patient=patient,
        rows=rows,
        total=total,
    )


def _editor(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    values: dict[str, str],
    *,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    key = values.get("type") if values.get("type") in KINDS else "compte-rendu"
    plan = None
    plan_error = None
    try:
        plan = send_plan(session, console.actor, patient_id, key or "compte-rendu")
    except EsanteError as exc:
        plan_error = exc
    lists = None
    if KINDS[key or "compte-rendu"].level == "N3":
        lists = record_items(session, console.actor, patient_id)
    session.commit()
    if "texte" not in values:
        values = {**values, "texte": KINDS[key or "compte-rendu"].model}
    return render(
        request,
        console,
        "writing/editor.html",
        status=status,
        title="Rédiger un document",
        patient=patient,
        kinds=KINDS,
        kind=key,
        visibilities=VISIBILITY_LABELS,
        values=values,
        plan=plan,
        plan_error=plan_error,
        error=error,
        lists=lists,
        list_labels=LIST_LABELS,
    )


@router.get("/patients/{patient_id}/rediger")
def editor_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    type: str = "compte-rendu",
) -> Response:
    """The editor, prefilled with the document type's model, and what "Valider" sends."""
    try:
        return _editor(request, session, console, patient_id, {"type": type})
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


@router.post("/patients/{patient_id}/rediger")
async def validate_written(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """« Valider » (store + queue the catalogue's sends) or « Ne pas envoyer » (store
    only, this validation): then the document's page, which offers the print."""
    form = await request.form()
    fields = await form_fields(request)
    visibility = [v for v in form.getlist("visibilite") if isinstance(v, str)]
    send = fields.get("action") != "sans-envoi"
    try:
        if fields.get("type") == "synthese":
            done = write_vsm(
                session,
                console.actor,
                patient_id,
                fields.get("texte", ""),
                send=send,
                visibility=visibility,
                default_deferral=timedelta(seconds=settings.deferral_seconds),
                feed_auth=settings.feed_auth,
                kit=kit_validator(settings),
            )
        else:
            done = write_document(
                session,
                console.actor,
                patient_id,
                fields.get("type", ""),
                fields.get("texte", ""),
                title=fields.get("titre"),
                send=send,
                visibility=visibility,
                default_deferral=timedelta(seconds=settings.deferral_seconds),
                feed_auth=settings.feed_auth,
                pmi_address=settings.pmi_address,
                kit=kit_validator(settings),
            )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _editor(
                request,
                session,
                console,
                patient_id,
                {**fields, "visibilite": " ".join(visibility)},
                error=exc,
                status=422 if exc.field in ("texte", "type", "visibilite") else status_for(exc),
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    flag = VALIDATED_SENT if send else VALIDATED_NOT_SENT
    return RedirectResponse(f"/documents/{done.document.id}?valide={flag}", status_code=303)


@router.get("/documents/{document_id}")
def document_page(
    document_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    valide: int = 0,
) -> Response:
    """A document: metadata, provenance, DMP state, its orders with their history and
    acknowledgements, the print and the CDA."""
    try:
        document = read_stored_document(session, document_id, actor=console.actor)
        page = orders.list_orders(
            session, actor=console.actor, document_id=document_id, limit=DOCUMENT_ORDERS
        )
        steps = last_steps(session, [o.id for o in page.items])
        names = actor_names(session, (e.by for o in page.items for e in o.events if e.by))
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    now = utcnow()
    rules: tuple[str, ...] = ()
    if valide == VALIDATED_SENT:
        rules = _rules_applied(session, console, document)
    return render(
        request,
        console,
        "writing/document.html",
        title=document.title,
        document=document,
        type_label=_type_label(document),
        provenance=provenance_of(document),
        dmp=_dmp_label(session, document),
        rows=[order_view(console.actor, o, now, steps.get(o.id)) for o in page.items],
        validated=valide in (VALIDATED_SENT, VALIDATED_NOT_SENT),
        not_sent=valide == VALIDATED_NOT_SENT,
        rules=rules,
        state_labels=STATE_LABELS,
        back=f"/documents/{document_id}",
        document_id=document_id,
        names=names,
        now=now,
    )


def _rules_applied(session: SessionDep, console: Console, document: Document) -> tuple[str, ...]:
    """Right after « Valider »: the catalogue's rules for this document, so that the
    professional sees why a copy was or was not sent (no médecin traitant, no mailbox…)."""
    key = next((k for k, kind in KINDS.items() if kind.code.code == document.type_code), None)
    if key is None:
        return ()
    try:
        plan = send_plan(session, console.actor, document.patient_id, key)
    except EsanteError:
        session.rollback()
        return ()
    session.commit()
    return plan.rules + ((f"Envoi au DMP bloqué : {plan.held}",) if plan.held else ())


@router.get("/documents/{document_id}/imprimer")
def print_document(
    document_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The document's PDF to print (an N1's own PDF; an N3 rendered, then made PDF)."""
    try:
        document = read_stored_document(session, document_id, actor=console.actor)
        session.commit()
        if document.level == "N1":
            pdf = extract_pdf(document.content)
        else:
            pdf = render_pdf(render_html(document.content))
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="document-{document_id}.pdf"'},
    )
