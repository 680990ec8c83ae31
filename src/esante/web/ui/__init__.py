"""The practice console: server-rendered French pages (Jinja2) with HTMX partial updates
(issue 14).

Thin over :mod:`esante.practice` — no query in a handler —, every page behind the signed-in
session (:mod:`.deps`: a page without one redirects to the sign-in), every form with the
session's CSRF token (checked by :mod:`esante.web.hardening`), every asset served by esante
itself (``/static``: the console's CSS and script, and htmx copied from the npm package by
``make install``), under the strict Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

from fastapi import APIRouter

from esante.web.ui.pages import (
    child,
    consultation,
    inbox,
    patients,
    queue,
    recap,
    traces,
    vaccination,
    writing,
)
from esante.web.ui.static_files import router as static_router

__all__ = ["ui_router"]


def ui_router() -> APIRouter:
    """Every console page and the static assets."""
    router = APIRouter(include_in_schema=False)
    router.include_router(static_router)
    for module in (patients, consultation, writing, queue, inbox, traces, recap, child):
        router.include_router(module.router)
    router.include_router(vaccination.router)
    return router
