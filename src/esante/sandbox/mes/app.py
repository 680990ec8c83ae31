"""The Mon espace santé patient page of the sandbox, as a small FastAPI application.

:func:`create_mes_app` builds the app on the DMP sandbox's session factory (the caller
owns the engine; nothing happens at import time). Pages, all French and server-rendered
(Jinja2, autoescaped, inline CSS, no script and no external resource):

* ``GET /`` — the sandbox's patients: name as the DMP knows it, INS partly masked, DMP
  open or closed, attached to Mon espace santé or not;
* ``GET /patients/{ins}`` — « Mon espace santé — Prénom NOM »: documents, access
  history, vaccinations, the child's measurements (what and why:
  :mod:`esante.sandbox.mes.views`);
* ``GET /patients/{ins}/documents/{unique_id}`` — a document the patient may see: a CDA
  rendered by :func:`esante.cda.render_html`, a bare PDF as is;
* ``GET /patients/{ins}/courbes/{curve}.svg`` — a growth curve of the child (``poids``,
  ``taille``, ``perimetre-cranien``, ``imc``): the measures of the « Mesures de
  l'enfant » documents on the WHO references, an SVG with its French text alternative
  (``<title>``, ``<desc>``; the page's ``<img>`` carries it as ``alt`` too).

An unknown patient, or a document that does not exist, was deleted or is not visible by
the patient, gets the same French 404 page. Every response forbids scripts, framing and
caching (Content-Security-Policy, ``Cache-Control: no-store``): the pages hold health
data. The app logs nothing itself, and never patient data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from esante.cda.errors import CdaReadError
from esante.cda.render import render_html
from esante.sandbox.dmp import SandboxDatabaseError
from esante.sandbox.dmp.models import utcnow
from esante.sandbox.mes import views, wording
from esante.sandbox.mes.errors import MesError, UnknownPatientError
from esante.sandbox.mes.measurements import curve_svg

__all__ = ["SECURITY_HEADERS", "create_mes_app"]

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src data:; "
        "frame-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Headers of every response: no script, nothing fetched from elsewhere, not framed,
not cached (the pages hold health data)."""

_INS_SHAPE = re.compile(r"[0-9A-Za-z]{1,32}")
_CDA_TYPES = frozenset({"text/xml", "application/xml", "application/hl7-cda+xml"})
_STATUS_HEADINGS = {
    404: "Page introuvable",
    405: "Action non permise",
    415: "Document non affichable",
    422: "Document illisible",
    503: "Service momentanément indisponible",
}


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("esante.sandbox.mes", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        french_date=wording.french_date,
        quantity=wording.quantity,
        dose_label=wording.dose_label,
    )
    return env


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def create_mes_app(
    session_factory: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The Mon espace santé patient page on the DMP sandbox database of ``session_factory``.

    ``clock`` (aware datetimes) dates the pages; inject it in tests.
    """
    env = _environment()

    def page(template: str, status_code: int = 200, **context: object) -> Response:
        html = env.get_template(template).render(**context)
        return _secured(HTMLResponse(html, status_code=status_code))

    def error_page(status_code: int, message: str) -> Response:
        heading = _STATUS_HEADINGS.get(status_code, "Erreur")
        return page("error.html", status_code, heading=heading, message=message)

    app = FastAPI(
        title="Mon espace santé — bac à sable esante",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(MesError)
    async def not_found(_request: Request, exc: MesError) -> Response:
        return error_page(404, exc.message)

    @app.exception_handler(SandboxDatabaseError)
    async def unavailable(_request: Request, _exc: SandboxDatabaseError) -> Response:
        return error_page(
            503, "La base du bac à sable ne répond pas. Réessayez dans quelques instants."
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(404, "Cette page n'existe pas.")
        return error_page(exc.status_code, "Cette demande ne peut pas être traitée.")

    @app.get("/", response_class=HTMLResponse)
    def index() -> Response:
        with session_factory() as session:
            patients = views.patient_summaries(session)
        return page("index.html", patients=patients)

    @app.get("/patients/{ins}", response_class=HTMLResponse)
    def patient(ins: str) -> Response:
        _check_ins(ins)
        with session_factory() as session:
            content = views.patient_page(session, ins, now=clock())
        return page("patient.html", page=content)

    @app.get("/patients/{ins}/courbes/{curve}.svg")
    def growth_curve(ins: str, curve: str) -> Response:
        _check_ins(ins)
        with session_factory() as session:
            found = views.growth_chart(session, ins, curve)
        return _secured(Response(curve_svg(found), media_type="image/svg+xml"))

    @app.get("/patients/{ins}/documents/{unique_id}")
    def document(ins: str, unique_id: str) -> Response:
        _check_ins(ins)
        with session_factory() as session:
            _patient, record, content = views.patient_document(session, ins, unique_id)
        if record.mime_type == "application/pdf":
            return _secured(
                Response(
                    content,
                    media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="document.pdf"'},
                )
            )
        if record.mime_type not in _CDA_TYPES:
            return error_page(
                415, "Ce document est dans un format que cette page ne sait pas afficher."
            )
        try:
            html = render_html(content)
        except CdaReadError as exc:
            return error_page(422, f"Ce document ne peut pas être affiché : {exc.message}")
        return _secured(HTMLResponse(html))

    return app


def _check_ins(ins: str) -> None:
    if _INS_SHAPE.fullmatch(ins) is None:
        raise UnknownPatientError(
            "Aucun dossier ne correspond à cet identifiant.",
            detail="malformed INS in the path",
            field="ins",
        )
