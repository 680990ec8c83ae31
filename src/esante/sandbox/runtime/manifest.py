"""``sandbox.json``: how clients find a running sandbox (its URLs and the client PKI files).

``esante sandbox start --dir DIR`` writes ``DIR/sandbox.json`` once its services accept
connections, and removes it at shutdown; ``ESANTE_SANDBOX=DIR`` (or ``--sandbox DIR``)
points the CLI, the tests and the demo at it. Paths are written relative to ``DIR`` so
that the directory can be moved or mounted elsewhere::

    {
      "format": "esante-sandbox/1",
      "pid": 12345,
      "started": "2026-01-01T10:00:00+00:00",
      "kit_mode": false,
      "dmp": {
        "base_url": "https://127.0.0.1:40123/si-dmp-server/v2/services",
        "database": "sqlite:///…/dmp.db",
        "repository_unique_id": "1.2.250.1.213.4.1.1.1.2"
      },
      "pki": {"directory": "pki", "ca": "pki/ca.pem",
              "authentication": {"certificate": "pki/auth.pem", "key": "pki/auth.key"},
              "signature": {"certificate": "pki/sign.pem", "key": "pki/sign.key"},
              "structure_id": "499900000000001", "structure_name": "…"}
    }

The MSSanté, INSi and Pro Santé Connect parts will be added as more services join.
The database URL is written as given (the admin CLI connects with it), so the file is
created readable by its owner only (0600), like the private keys beside it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from esante.sandbox.runtime.errors import SandboxNotFoundError

MANIFEST_NAME = "sandbox.json"
MANIFEST_FORMAT = "esante-sandbox/1"


@dataclass(frozen=True)
class ClientPki:
    """The files a client needs to talk to the sandbox (absolute paths)."""

    directory: Path
    ca: Path
    authentication_certificate: Path
    authentication_key: Path
    signature_certificate: Path
    signature_key: Path
    structure_id: str
    structure_name: str


@dataclass(frozen=True)
class DmpService:
    """Where the DMP sandbox listens and keeps its data."""

    base_url: str
    database: str
    repository_unique_id: str


@dataclass(frozen=True)
class SandboxManifest:
    """The content of ``sandbox.json``, paths resolved against its directory."""

    directory: Path
    pid: int
    started: datetime
    kit_mode: bool
    dmp: DmpService
    pki: ClientPki
    mes_url: str | None = None

    @property
    def path(self) -> Path:
        return self.directory / MANIFEST_NAME


def write_manifest(manifest: SandboxManifest) -> Path:
    """Write ``sandbox.json`` atomically (a reader never sees half a file)."""
    base = manifest.directory.resolve()

    def rel(path: Path) -> str:
        resolved = path.resolve()
        try:
            return str(resolved.relative_to(base))
        except ValueError:
            return str(resolved)

    pki = manifest.pki
    document: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "pid": manifest.pid,
        "started": manifest.started.isoformat(),
        "kit_mode": manifest.kit_mode,
        "dmp": {
            "base_url": manifest.dmp.base_url,
            "database": manifest.dmp.database,
            "repository_unique_id": manifest.dmp.repository_unique_id,
        },
        "pki": {
            "directory": rel(pki.directory),
            "ca": rel(pki.ca),
            "authentication": {
                "certificate": rel(pki.authentication_certificate),
                "key": rel(pki.authentication_key),
            },
            "signature": {
                "certificate": rel(pki.signature_certificate),
                "key": rel(pki.signature_key),
            },
            "structure_id": pki.structure_id,
            "structure_name": pki.structure_name,
        },
    }
    if manifest.mes_url:
        document["mes"] = {"url": manifest.mes_url}
    target = manifest.path
    temporary = target.with_suffix(".json.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    os.replace(temporary, target)
    return target


def read_manifest(directory: Path) -> SandboxManifest:
    """Read ``directory/sandbox.json``.

    Raises :class:`SandboxNotFoundError` when it is absent (the sandbox is not running
    there) or unreadable.
    """
    path = directory / MANIFEST_NAME
    try:
        document: Any = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SandboxNotFoundError(
            f"Aucun bac à sable en cours d'exécution dans {directory} "
            "(lancez « esante sandbox start --dir … »).",
            detail=f"{path} not found",
            field=str(directory),
        ) from exc
    except (OSError, ValueError) as exc:
        raise SandboxNotFoundError(
            "Description du bac à sable (sandbox.json) illisible.",
            detail=f"{path}: {exc}",
            field=str(path),
        ) from exc
    try:
        if document["format"] != MANIFEST_FORMAT:
            raise KeyError("format")
        pki, dmp = document["pki"], document["dmp"]

        def resolve(value: str) -> Path:
            candidate = Path(value)
            return candidate if candidate.is_absolute() else (directory / candidate).resolve()

        return SandboxManifest(
            directory=directory,
            pid=int(document["pid"]),
            started=datetime.fromisoformat(document["started"]),
            kit_mode=bool(document.get("kit_mode", False)),
            dmp=DmpService(
                base_url=str(dmp["base_url"]),
                database=str(dmp["database"]),
                repository_unique_id=str(dmp["repository_unique_id"]),
            ),
            pki=ClientPki(
                directory=resolve(pki["directory"]),
                ca=resolve(pki["ca"]),
                authentication_certificate=resolve(pki["authentication"]["certificate"]),
                authentication_key=resolve(pki["authentication"]["key"]),
                signature_certificate=resolve(pki["signature"]["certificate"]),
                signature_key=resolve(pki["signature"]["key"]),
                structure_id=str(pki["structure_id"]),
                structure_name=str(pki["structure_name"]),
            ),
            mes_url=str(document["mes"]["url"]) if "mes" in document else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SandboxNotFoundError(
            "Description du bac à sable (sandbox.json) incomplète.",
            detail=f"missing or invalid entry {exc} in {path}",
            field=str(path),
        ) from exc


def remove_manifest(directory: Path) -> None:
    """Remove ``sandbox.json`` (at shutdown); absent is fine."""
    (directory / MANIFEST_NAME).unlink(missing_ok=True)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
