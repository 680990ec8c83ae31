"""Console pages: inbox (issue 14)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
