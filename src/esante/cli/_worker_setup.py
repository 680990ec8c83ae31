"""The CLI's worker: :func:`esante.services.build_worker` on the configured services.

Kept for the commands (``esante worker``, ``esante serve``) and the tests that start a
worker: the assembly itself lives in :mod:`esante.services`, which embedders call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from esante.config import load_settings
from esante.outbox import DEFAULT_CREDENTIALS, ClaimedOrder, Outcome, RetryPolicy
from esante.services import WorkerSetup, WorkerSetupError, check_credential, resolve
from esante.services import build_worker as build_services_worker

__all__ = ["WorkerSetup", "WorkerSetupError", "build_worker", "check_credential"]


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
    """A worker on ``database_url`` sending to the services of the settings
    (``ESANTE_SERVICES``; the sandbox in ``sandbox`` or ``ESANTE_SANDBOX`` by default)."""
    for key in credentials:
        check_credential(key)
    settings = load_settings()
    profile = resolve(settings, sandbox=sandbox)
    try:
        return build_services_worker(
            profile,
            database_url,
            credentials=credentials,
            policy=policy,
            worker_id=worker_id,
            idle_sleep_s=idle_sleep_s,
            after_handle=after_handle,
            product_reference=product_reference,
            batch=batch,
            block_patient_reply=settings.mss_no_patient_reply,
            home=settings.home,
        )
    except BaseException:
        profile.close()
        raise
