"""The REST API: routers per resource, dependencies, error handlers, offline docs."""

from __future__ import annotations

from fastapi import APIRouter

from esante.web.api import docs
from esante.web.api.routes import health, patients, practitioners, structures


def api_router() -> APIRouter:
    """Every API route (health, patients, practitioners, structures, docs)."""
    router = APIRouter()
    router.include_router(health.router)
    router.include_router(patients.router)
    router.include_router(practitioners.router)
    router.include_router(structures.router)
    router.include_router(docs.router)
    return router
