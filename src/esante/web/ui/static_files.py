"""The console's static assets, served by esante itself (no CDN): ``/static/<name>``.

Only the files of this package's ``static`` directory (and its ``vendor`` subdirectory,
where ``make install`` copies htmx from the npm package), by exact name: no directory
listing, no path outside it. Cached for an hour (the names do not change within a
release)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)

STATIC: Final = Path(__file__).parent / "static"
_TYPES: Final = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_NAMES: Final = frozenset({"console.css", "console.js", "vendor/htmx.min.js"})


@router.get("/static/{name:path}")
def asset(name: str) -> Response:
    """One asset by name; 404 for anything else."""
    path = STATIC / name
    if name not in _NAMES or not path.is_file():
        return Response("Fichier introuvable.", status_code=404, media_type="text/plain")
    return FileResponse(
        path,
        media_type=_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "private, max-age=3600"},
    )
