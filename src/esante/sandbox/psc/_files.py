"""Files of the Pro Santé Connect sandbox, written readable by their owner only (0600).

They hold secrets (the realm's signing key, the clients' secrets, the e-CPS TOTP seeds),
so they are created 0600 and replaced atomically: a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from esante.sandbox.psc.errors import PscError

MAX_FILE_BYTES = 1_000_000
"""No state file of the realm is larger; a bigger one is refused rather than read."""


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(data)
    os.replace(temporary, path)


def read_bounded(path: Path) -> bytes:
    """The bytes of ``path``; raises :class:`PscError` when unreadable or oversized."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PscError(
            "Fichier du bac à sable Pro Santé Connect illisible.",
            detail=f"{path}: {type(exc).__name__}",
            field=str(path),
        ) from exc
    if len(data) > MAX_FILE_BYTES:
        raise PscError(
            "Fichier du bac à sable Pro Santé Connect trop volumineux.",
            detail=f"{path} exceeds {MAX_FILE_BYTES} bytes",
            field=str(path),
        )
    return data


def read_json(path: Path) -> Any:
    """The JSON document of ``path``; raises :class:`PscError` when it is not JSON."""
    try:
        return json.loads(read_bounded(path))
    except ValueError as exc:
        raise PscError(
            "Fichier du bac à sable Pro Santé Connect illisible.",
            detail=f"{path}: not JSON ({exc})",
            field=str(path),
        ) from exc


def write_json(path: Path, document: Any) -> None:
    """Write ``document`` as JSON to ``path`` (atomically, 0600)."""
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    write_private(path, text.encode("utf-8"))
