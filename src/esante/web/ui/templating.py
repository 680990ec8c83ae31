"""Rendering the console's pages: one Jinja2 environment, French formats, the page frame.

Autoescaping is on for every template (a patient's name is text, never markup). Dates and
times are shown in French and in Europe/Paris time, whatever the server's zone:
``paris`` (06/12/2026 à 10:42), ``jour`` (06/12/2026), ``court`` (6 déc. à 10:42).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from esante.practice.actors import ROLE_SECRETAIRE
from esante.terminology import TerminologyError, is_valid, label
from esante.web.ui.deps import Console

__all__ = ["PARIS", "court", "jour", "paris", "render", "role_label"]

PARIS: Final = ZoneInfo("Europe/Paris")
_MONTHS: Final = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
NAV: Final = (
    ("/patients", "Patients"),
    ("/envois", "Envois"),
    ("/messagerie", "Messagerie"),
    ("/traces", "Traces d'accès"),
)


def paris(value: datetime | None) -> str:
    """``06/12/2026 à 10:42`` (Europe/Paris); empty for none."""
    if value is None:
        return ""
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def jour(value: date | datetime | None) -> str:
    """``06/12/2026``; a datetime is taken in Europe/Paris."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


def court(value: datetime | None) -> str:
    """``6 déc. à 10:42`` (Europe/Paris), as the send queue says it."""
    if value is None:
        return ""
    at = value.astimezone(PARIS)
    return f"{at.day} {_MONTHS[at.month - 1]} à {at:%H:%M}"


def role_label(role: str) -> str:
    """The French label of an actor's role (profession G15, or the secretariat)."""
    if role == ROLE_SECRETAIRE:
        return "Secrétariat"
    try:
        return label("G15", role) if is_valid("G15", role) else role
    except TerminologyError:
        return role


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The console's templates (package ``esante.web.ui``, directory ``templates``)."""
    env = Environment(
        loader=PackageLoader("esante.web.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(paris=paris, jour=jour, court=court, role=role_label)
    return env


def render(
    request: Request,
    console: Console | None,
    template: str,
    *,
    status: int = 200,
    title: str = "",
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` in the console frame (or alone for an HTMX fragment)."""
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            console=console,
            actor=console.actor if console else None,
            csrf=console.csrf if console else "",
            nav=NAV,
            path=request.url.path,
            title=title,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)
