"""The access trace at the console (issue 14, "Access trace"): the structure's and one
patient's (the patient's right to know who accessed their data), with filters (period,
professional, action, channel), French labels, times in Paris, pages of
:data:`~esante.practice.trace_reading.PAGE_SIZE` newest first, the CSV export for
spreadsheets and the state of the trace's hash chain.

Handlers read the query and call :mod:`esante.practice.trace_reading`, which authorises
(the health professionals of the structure), traces the reading and builds the CSV
(UTF-8 with BOM, ``;``: see that module). The chain check walks the whole trace: it is a
fragment of its own (``/traces/integrite``) loaded after the page, so a long trace never
delays the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from esante import audit
from esante.audit.anchor import Anchor
from esante.errors import EsanteError
from esante.practice.patients import get_patient
from esante.practice.trace_reading import (
    CHANNEL_LABELS,
    read_trace,
    trace_csv,
    trace_integrity,
    traced_actions,
)
from esante.store.models import Patient
from esante.web.api.deps import EngineDep, SessionDep, SettingsDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import ConsoleDep
from esante.web.ui.templating import PARIS, render

router = APIRouter()

FILTERS = ("du", "au", "professionnel", "action", "canal")


def _criteria(query: dict[str, str]) -> audit.AuditFilter:
    """The filter of the form's fields (days in Paris, the end day included).

    Raises :class:`~esante.audit.AuditError` naming the field."""
    since = query.get("du") or None
    until = query.get("au") or None
    return audit.AuditFilter(
        professional=query.get("professionnel") or None,
        action=query.get("action") or None,
        channel=query.get("canal") or None,
        since=None if since is None else audit.parse_moment(since, field="du"),
        until=None if until is None else audit.parse_moment(until, end=True, field="au"),
    )


def _query(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:80] for name in FILTERS}


def _before(request: Request) -> int | None:
    value = request.query_params.get("avant", "").strip()
    return int(value) if value.isdigit() else None


def _page(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    patient: Patient | None,
) -> Response:
    query = _query(request)
    base = "/traces" if patient is None else f"/patients/{patient.id}/traces"
    title = (
        "Traces d'accès de la structure"
        if patient is None
        else f"Accès aux données de {patient.birth_family_name} "
        f"{patient.first_given_name or patient.birth_given_names}"
    )
    context: dict[str, Any] = {
        "patient": patient,
        "query": query,
        "base": base,
        "channels": CHANNEL_LABELS,
        "page": None,
        "error": None,
        "actions": [],
        "kept": urlencode({k: v for k, v in query.items() if v}),
    }
    status = 200
    try:
        criteria = _criteria(query)
        context["page"] = read_trace(
            session, console.actor, criteria, patient=patient, before=_before(request)
        )
        context["actions"] = traced_actions(session)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        context["error"] = exc
        status = status_for(exc) if getattr(exc, "field", None) is None else 422
    return render(request, console, "traces/list.html", status=status, title=title, **context)


def _csv(
    request: Request, session: SessionDep, console: ConsoleDep, patient: Patient | None
) -> Response:
    try:
        text = trace_csv(session, console.actor, _criteria(_query(request)), patient=patient)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return render(
            request,
            console,
            "traces/error.html",
            status=status_for(exc) if getattr(exc, "field", None) is None else 422,
            title="Export de la trace impossible",
            error=exc,
        )
    day = datetime.now(PARIS).strftime("%Y%m%d")
    who = "structure" if patient is None else f"patient-{patient.local_id}"
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="trace-acces-{who}-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _patient(session: SessionDep, patient_id: int) -> Patient:
    return get_patient(session, patient_id)


@router.get("/traces")
def structure_traces(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    """The structure's access trace, newest first, filtered."""
    return _page(request, session, console, None)


@router.get("/traces.csv")
def structure_traces_csv(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    """The structure's access trace (filtered) as a CSV for spreadsheets."""
    return _csv(request, session, console, None)


@router.get("/traces/integrite")
def trace_chain(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> Response:
    """Whether the trace's hash chain holds (checked against the anchoring journal)."""
    report = None
    error = None
    try:
        report = trace_integrity(session, console.actor, Anchor.for_engine(engine, settings.home))
    except EsanteError as exc:
        session.rollback()
        error = exc
    fragment = bool(request.headers.get("hx-request"))
    template = "traces/chain.html" if fragment else "traces/chain_page.html"
    return render(
        request,
        console,
        template,
        title="Intégrité de la trace d'accès",
        report=report,
        error=error,
    )


def _patient_or_error(
    request: Request, session: SessionDep, console: ConsoleDep, patient_id: int
) -> Patient | Response:
    try:
        return _patient(session, patient_id)
    except EsanteError as exc:
        return render(
            request,
            console,
            "traces/error.html",
            status=status_for(exc),
            title="Patient introuvable",
            error=exc,
        )


@router.get("/patients/{patient_id}/traces")
def patient_traces(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Every access to one patient's data (what the patient may ask for)."""
    found = _patient_or_error(request, session, console, patient_id)
    if isinstance(found, Response):
        return found
    return _page(request, session, console, found)


@router.get("/patients/{patient_id}/traces.csv")
def patient_traces_csv(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """One patient's accesses as a CSV for spreadsheets (to hand to the patient)."""
    found = _patient_or_error(request, session, console, patient_id)
    if isinstance(found, Response):
        return found
    return _csv(request, session, console, found)
