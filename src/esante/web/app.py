"""The FastAPI application factory.

:func:`create_app` builds everything from the settings it is given — engine, session
factory, routes, error handlers, the request-size limit and request ids — and nothing
happens at import time, so tests can build several apps on several databases in one
process. The engine is disposed when the app shuts down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from esante import __version__
from esante.audit.anchor import anchor_engine
from esante.config import Settings
from esante.practice.dmp_counters import snapshot_cache
from esante.store import make_engine, session_factory
from esante.web.api import api_router
from esante.web.api.errors import install_error_handlers, unexpected_error_response
from esante.web.api.routes import consent, documents, outbox
from esante.web.api.routes.dmp_bar import release_dmp_credential
from esante.web.auth import AuthState, current_actor
from esante.web.auth import routes as auth_routes
from esante.web.body_limit import BodySizeLimit
from esante.web.hardening import Hardening
from esante.web.request_ids import RequestIdMiddleware
from esante.web.ui import ui_router
from esante.web.ui.deps import install_page_handlers

DESCRIPTION = (
    "Service esante du logiciel de cabinet : patients (identité INS), professionnels de "
    "santé et structures ; validation des documents et leur envoi au DMP / Mon espace "
    "santé (envois différés, à bloquer ou annuler) ; consentement du patient et accès au "
    "DMP. Données de test uniquement en démonstration."
)


def create_app(settings: Settings, *, require_credentials: bool = True) -> FastAPI:
    """The esante web application for ``settings`` (database from ``ESANTE_DATABASE_URL``).

    Every route but ``/health`` and the sign-in flow requires a credential (issue 12).
    ``require_credentials=False`` exists for ``bench/auth.py`` only, to measure what
    authentication costs; no setting reaches it.
    """
    engine = make_engine(settings.effective_database_url)
    # every access the service traces is sealed outside the database too (a checkpoint
    # journal under $ESANTE_HOME/audit): truncation, wipe and rewrite stay detectable
    anchor_engine(engine, settings.home)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        release_dmp_credential(settings)
        engine.dispose()

    app = FastAPI(
        title="esante",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: see web/api/docs.py
        redoc_url=None,
        openapi_url=None,  # served below, behind the credential check
        lifespan=lifespan,
    )
    app.state.settings = settings
    snapshot_cache.ttl = settings.dmp_bar_cache_seconds  # the process's bar cache
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.auth = AuthState.from_settings(settings)
    guard: list[Any] = [Depends(current_actor)] if require_credentials else []
    install_error_handlers(app)
    # outermost last: the request id covers every answer, the 413 included
    app.add_middleware(Hardening, allowed_hosts=settings.effective_allowed_hosts)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestIdMiddleware, on_error=unexpected_error_response)
    app.include_router(api_router(guard))
    for router in (documents.router, outbox.router, consent.router):
        app.include_router(router, dependencies=guard)
    app.include_router(auth_routes.router)
    app.include_router(ui_router())
    install_page_handlers(app)

    @app.get("/openapi.json", include_in_schema=False, dependencies=guard)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    return app
