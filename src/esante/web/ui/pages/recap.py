"""Console pages: the printed consultation recap (issue 14)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
