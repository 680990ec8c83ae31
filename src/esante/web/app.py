"""The FastAPI application factory.

:func:`create_app` builds everything from the settings it is given — engine, session
factory, routes, error handlers — and nothing happens at import time, so tests can build
several apps on several databases in one process. The engine is disposed when the app
shuts down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from esante import __version__
from esante.config import Settings
from esante.store import make_engine, session_factory
from esante.web.api import api_router
from esante.web.api.errors import install_error_handlers
from esante.web.api.routes import consent, documents, outbox

DESCRIPTION = (
    "Service esante du logiciel de cabinet : patients (identité INS), professionnels de "
    "santé et structures ; validation des documents et leur envoi au DMP / Mon espace "
    "santé (envois différés, à bloquer ou annuler) ; consentement du patient et accès au "
    "DMP. Données de test uniquement en démonstration."
)


def create_app(settings: Settings) -> FastAPI:
    """The esante web application for ``settings`` (database from ``ESANTE_DATABASE_URL``)."""
    engine = make_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="esante",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: see web/api/docs.py
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    install_error_handlers(app)
    app.include_router(api_router())
    for router in (documents.router, outbox.router, consent.router):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
