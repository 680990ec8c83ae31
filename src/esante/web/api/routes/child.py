"""REST routes of the child record (issue 15)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["child"])
