"""The REST API: routers per resource, dependencies, error handlers, offline docs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter

from esante.web.api import docs
from esante.web.api.routes import (
    child,
    dmp_bar,
    dmp_documents,
    health,
    patients,
    practitioners,
    structures,
    vaccination,
)


def api_router(dependencies: Sequence[Any] = ()) -> APIRouter:
    """Every API route (health, patients, practitioners, structures, docs); all but
    ``/health`` get ``dependencies`` (the credential check)."""
    router = APIRouter()
    router.include_router(health.router)
    guarded = list(dependencies)
    router.include_router(patients.router, dependencies=guarded)
    router.include_router(dmp_bar.router, dependencies=guarded)
    router.include_router(dmp_documents.router, dependencies=guarded)
    router.include_router(child.router, dependencies=guarded)
    router.include_router(vaccination.router, dependencies=guarded)
    router.include_router(practitioners.router, dependencies=guarded)
    router.include_router(structures.router, dependencies=guarded)
    router.include_router(docs.router, dependencies=guarded)
    return router
