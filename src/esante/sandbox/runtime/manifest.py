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
              "structure_id": "499900000000001", "structure_name": "…"},
      "mes": {"url": "http://127.0.0.1:40124"},
      "mss": {
        "smtp": {"host": "127.0.0.1", "port": 40125, "tls": "starttls"},
        "imap": {"host": "127.0.0.1", "port": 40126, "tls": "implicit"},
        "ca": "pki/ca.pem",
        "max_message_bytes": 20971520,
        "auto_mdn": true,
        "access_tokens": {"issuer": "https://…", "public_key": "mss/psc-signing.pub.pem"},
        "mailboxes": [
          {"address": "francois.perrin@cabinet-du-parc.mssante.fr", "kind": "personal",
           "display_name": "Dr François PERRIN", "imap_user": "…", "password": "…",
           "id_nat_ps": "8…", "id_nat_struct": "…",
           "access_token": "eyJ…", "access_token_expires": "2026-01-02T10:00:00+00:00"},
          {"address": "secretariat@cabinet-du-parc.mssante.fr", "kind": "organisational",
           "display_name": "…", "imap_user": "…", "password": "…", "id_nat_struct": "…",
           "certificate": "mss/certs/secretariat@….pem", "key": "mss/certs/secretariat@….key"},
          {"address": "…@patient.mssante.fr", "kind": "patient", "patient_ins": "…", …}
        ]
      },
      "psc": {"issuer": "http://127.0.0.1:40127/auth/realms/esante-wallet",
              "discovery_url": "http://127.0.0.1:40127/auth/realms/esante-wallet/.well-kno…",
              "client_id": "esante", "client_secret": "…"},
      "insi": {"url": "https://127.0.0.1:40128/insi/ICIR"}
    }

``mes``, ``mss``, ``annuaire``, ``psc`` and ``insi`` are absent when those services are off;
readers of an older file without them get ``None``. Mailbox kinds: ``personal``
(SMTP/IMAP with the access token, SASL XOAUTH2; IMAP password too), ``organisational``
and ``application`` (TLS client certificate; IMAP password too), ``patient`` (IMAP
password). ``psc`` is the Pro Santé Connect provider (:mod:`esante.sandbox.psc`): its
issuer, its discovery document and the client registered for esante; ``insi`` the
endpoint of the INSi teleservice (mutual TLS with the ``pki`` files).
The database URL and the mailbox passwords and tokens are written as given (the admin CLI
and the clients use them), so the file is created readable by its owner only (0600), like
the private keys beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
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
class MssMailboxEntry:
    """One mailbox of the MSSanté sandbox and how to reach it (paths absolute)."""

    address: str
    kind: str
    display_name: str
    imap_user: str
    password: str | None = None
    certificate: Path | None = None
    key: Path | None = None
    access_token: str | None = None
    access_token_expires: datetime | None = None
    id_nat_ps: str | None = None
    id_nat_struct: str | None = None
    patient_ins: str | None = None


@dataclass(frozen=True)
class MssService:
    """Where the MSSanté sandbox listens (SMTP with STARTTLS, IMAP over TLS), its mailboxes."""

    smtp_host: str
    smtp_port: int
    imap_host: str
    imap_port: int
    ca: Path
    max_message_bytes: int
    auto_mdn: bool
    token_issuer: str
    token_public_key: Path | None
    mailboxes: tuple[MssMailboxEntry, ...] = ()

    def mailbox(self, address: str) -> MssMailboxEntry | None:
        """The entry of ``address`` (any case), or None."""
        wanted = address.strip().lower()
        return next((m for m in self.mailboxes if m.address == wanted), None)


@dataclass(frozen=True)
class DirectoryService:
    """The sandbox's Annuaire Santé (FHIR API): base URL and the API key it requires."""

    url: str
    api_key: str


@dataclass(frozen=True)
class PscService:
    """The sandbox's Pro Santé Connect: issuer, discovery URL and esante's client."""

    issuer: str
    discovery_url: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class InsiService:
    """The sandbox's INSi teleservice: its endpoint (mutual TLS)."""

    url: str


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
    mss: MssService | None = None
    annuaire: DirectoryService | None = None
    psc: PscService | None = None
    insi: InsiService | None = None

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
    if manifest.mss is not None:
        document["mss"] = _mss_document(manifest.mss, rel)
    if manifest.annuaire is not None:
        document["annuaire"] = {
            "url": manifest.annuaire.url,
            "api_key": manifest.annuaire.api_key,
        }
    if manifest.psc is not None:
        document["psc"] = {
            "issuer": manifest.psc.issuer,
            "discovery_url": manifest.psc.discovery_url,
            "client_id": manifest.psc.client_id,
            "client_secret": manifest.psc.client_secret,
        }
    if manifest.insi is not None:
        document["insi"] = {"url": manifest.insi.url}
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
            mss=_read_mss(document["mss"], resolve) if "mss" in document else None,
            annuaire=DirectoryService(
                str(document["annuaire"]["url"]), str(document["annuaire"]["api_key"])
            )
            if "annuaire" in document
            else None,
            psc=PscService(
                str(document["psc"]["issuer"]),
                str(document["psc"]["discovery_url"]),
                str(document["psc"]["client_id"]),
                str(document["psc"]["client_secret"]),
            )
            if "psc" in document
            else None,
            insi=InsiService(str(document["insi"]["url"])) if "insi" in document else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SandboxNotFoundError(
            "Description du bac à sable (sandbox.json) incomplète.",
            detail=f"missing or invalid entry {exc} in {path}",
            field=str(path),
        ) from exc


def _mss_document(mss: MssService, rel: Callable[[Path], str]) -> dict[str, Any]:
    mailboxes = []
    for entry in mss.mailboxes:
        item: dict[str, Any] = {
            "address": entry.address,
            "kind": entry.kind,
            "display_name": entry.display_name,
            "imap_user": entry.imap_user,
        }
        optional: dict[str, Any] = {
            "password": entry.password,
            "certificate": rel(entry.certificate) if entry.certificate else None,
            "key": rel(entry.key) if entry.key else None,
            "access_token": entry.access_token,
            "access_token_expires": (
                entry.access_token_expires.isoformat() if entry.access_token_expires else None
            ),
            "id_nat_ps": entry.id_nat_ps,
            "id_nat_struct": entry.id_nat_struct,
            "patient_ins": entry.patient_ins,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        mailboxes.append(item)
    return {
        "smtp": {"host": mss.smtp_host, "port": mss.smtp_port, "tls": "starttls"},
        "imap": {"host": mss.imap_host, "port": mss.imap_port, "tls": "implicit"},
        "ca": rel(mss.ca),
        "max_message_bytes": mss.max_message_bytes,
        "auto_mdn": mss.auto_mdn,
        "access_tokens": {
            "issuer": mss.token_issuer,
            "public_key": rel(mss.token_public_key) if mss.token_public_key else None,
        },
        "mailboxes": mailboxes,
    }


def _read_mss(document: Any, resolve: Callable[[str], Path]) -> MssService:
    def optional_path(value: Any) -> Path | None:
        return resolve(str(value)) if value else None

    def optional_text(value: Any) -> str | None:
        return None if value is None else str(value)

    entries = []
    for item in document.get("mailboxes", []):
        expires = item.get("access_token_expires")
        entries.append(
            MssMailboxEntry(
                address=str(item["address"]),
                kind=str(item["kind"]),
                display_name=str(item.get("display_name", "")),
                imap_user=str(item.get("imap_user", item["address"])),
                password=optional_text(item.get("password")),
                certificate=optional_path(item.get("certificate")),
                key=optional_path(item.get("key")),
                access_token=optional_text(item.get("access_token")),
                access_token_expires=datetime.fromisoformat(expires) if expires else None,
                id_nat_ps=optional_text(item.get("id_nat_ps")),
                id_nat_struct=optional_text(item.get("id_nat_struct")),
                patient_ins=optional_text(item.get("patient_ins")),
            )
        )
    tokens = document.get("access_tokens", {})
    return MssService(
        smtp_host=str(document["smtp"]["host"]),
        smtp_port=int(document["smtp"]["port"]),
        imap_host=str(document["imap"]["host"]),
        imap_port=int(document["imap"]["port"]),
        ca=resolve(str(document["ca"])),
        max_message_bytes=int(document["max_message_bytes"]),
        auto_mdn=bool(document.get("auto_mdn", True)),
        token_issuer=str(tokens.get("issuer", "")),
        token_public_key=optional_path(tokens.get("public_key")),
        mailboxes=tuple(entries),
    )


def remove_manifest(directory: Path) -> None:
    """Remove ``sandbox.json`` (at shutdown); absent is fine."""
    (directory / MANIFEST_NAME).unlink(missing_ok=True)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
