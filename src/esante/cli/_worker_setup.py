"""Building a send-order worker connected to the sandbox's DMP (for ``worker`` and ``demo``).

The worker needs, per credential it holds, a DMP client configured with the certificate
for TLS and for signatures, and the structure that certificate identifies. Against the
sandbox all of it comes from ``sandbox.json`` (its test PKI); the credential keys the
worker claims with say which orders that certificate may carry: ``structure:*`` (the
structures' certificates: indirect authentication, the default) or ``cps:<idNat_PS>``
(a professional's card, when the worker runs on the desk where that card is inserted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from esante.mss import MssClient

from esante.cli.dmp import ACTIVITY, LPS_OID, sandbox_client
from esante.cli.sandbox import load_manifest
from esante.outbox import (
    DEFAULT_CREDENTIALS,
    ClaimedOrder,
    Handler,
    OutboxError,
    Outcome,
    RetryPolicy,
    Worker,
)
from esante.store import make_engine, session_factory


class WorkerSetupError(OutboxError):
    """The worker cannot be configured (bad credential key, no DMP connection)."""


@dataclass
class WorkerSetup:
    """A ready worker and what must be closed with it."""

    worker: Worker
    engine: Engine
    closers: list[object] = field(default_factory=list)

    def close(self) -> None:
        for item in self.closers:
            close = getattr(item, "close", None)
            if close is not None:
                close()
        self.engine.dispose()


def check_credential(key: str) -> str:
    """A credential key as the worker claims with it (``structure:…``, ``cps:…``, ``*``)."""
    key = key.strip()
    kind, _, value = key.partition(":")
    if kind not in ("structure", "cps") or not value:
        raise WorkerSetupError(
            f"Identifiant de carte ou de certificat invalide : « {key} ».",
            detail="expected structure:<idNat_Struct>, structure:*, cps:<idNat_PS> or cps:*",
            field="--credential",
        )
    return key


def build_worker(
    database_url: str,
    sandbox: Path | None,
    *,
    credentials: Sequence[str] = DEFAULT_CREDENTIALS,
    policy: RetryPolicy | None = None,
    worker_id: str | None = None,
    idle_sleep_s: float = 0.5,
    after_handle: Callable[[ClaimedOrder, Outcome], None] | None = None,
    product_reference: str = "ESANTE-BAC-A-SABLE",
    batch: int = 8,
) -> WorkerSetup:
    """A worker on ``database_url`` sending to the DMP of the sandbox in ``sandbox``."""
    from esante.outbox.dmp import CredentialRing, DmpCredential, DmpSender
    from esante.outbox.mss import MssSender, MssSettings
    from esante.xds import Code

    keys = [check_credential(c) for c in credentials]
    manifest = load_manifest(sandbox)
    pki = manifest.pki
    client, transport = sandbox_client(manifest)
    credential = DmpCredential(client, pki.structure_id, pki.structure_name)
    ring = CredentialRing(dict.fromkeys(keys, credential))
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    sender = DmpSender(ring)
    handlers: dict[str, Handler] = {"dmp_submit": sender, "dmp_delete": sender}
    if manifest.mss is not None and sandbox is not None:
        handlers["mss_send"] = MssSender(
            _sandbox_mailboxes(Path(manifest.directory)),
            MssSettings(product_reference, LPS_OID, Code(*ACTIVITY)),
        )
    worker = Worker(
        sessions,
        handlers,
        credentials=ring.keys,
        policy=policy,
        worker_id=worker_id,
        idle_sleep_s=idle_sleep_s,
        after_handle=after_handle,
        batch=batch,
    )
    return WorkerSetup(worker, engine, [transport])


def _sandbox_mailboxes(directory: Path) -> Callable[[str], MssClient | None]:
    """Sender mailboxes of the sandbox: each one's client, authenticated by its client
    certificate (organisational mailboxes) or its access token (personal ones)."""
    from esante.mss import MssClient, MssError, from_sandbox_manifest

    clients: dict[str, MssClient | None] = {}

    def client_for(address: str) -> MssClient | None:
        key = address.strip().lower()
        if key not in clients:
            try:
                endpoints, credentials = from_sandbox_manifest(directory, key)
            except MssError:
                clients[key] = None
            else:
                clients[key] = MssClient(endpoints, credentials)
        return clients[key]

    return client_for
