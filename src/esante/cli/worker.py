"""`esante worker` — carry out the send orders (DMP feeding) in the background.

Any number of workers may run at once: on PostgreSQL on any number of hosts (claims use
``FOR UPDATE SKIP LOCKED``), on SQLite on the same machine. A worker claims only the
orders whose credential it holds (``--credential``, repeatable). ``--once`` sends what
is due now and exits (for cron-like use and tests); otherwise the worker runs until
Ctrl+C / SIGTERM, finishing the order in hand.

Which services it talks to, with which certificates, comes from the settings
(``ESANTE_SERVICES`` and the structure's certificates; the running sandbox by default):
the worker is assembled by :func:`esante.services.build_worker`.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from esante.config import load_settings
from esante.outbox import DEFAULT_CREDENTIALS, RetryPolicy


def worker(
    credential: Annotated[
        list[str] | None,
        typer.Option(
            "--credential",
            help="Carte ou certificat détenu par ce poste : structure:* (défaut, certificats "
            "des structures), structure:<idNat_Struct>, cps:<idNat_PS>. Répétable.",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Envoyer ce qui est dû maintenant, puis s'arrêter.")
    ] = False,
    threads: Annotated[
        int, typer.Option("--threads", min=1, max=64, help="Envois menés en parallèle.")
    ] = 1,
    lease: Annotated[
        float,
        typer.Option(
            "--lease", min=1.0, help="Durée (s) au-delà de laquelle un envoi interrompu est repris."
        ),
    ] = 120.0,
    retry_base: Annotated[
        float,
        typer.Option("--retry-base", min=0.01, help="Premier délai de nouvelle tentative (s)."),
    ] = 2.0,
    retry_cap: Annotated[
        float,
        typer.Option("--retry-cap", min=0.01, help="Délai maximal entre deux tentatives (s)."),
    ] = 300.0,
    batch: Annotated[
        int,
        typer.Option(
            "--batch", min=1, max=100, help="Ordres réservés à la fois par chaque fil d'envoi."
        ),
    ] = 8,
    poll: Annotated[
        float, typer.Option("--poll", min=0.01, help="Attente (s) quand rien n'est à envoyer.")
    ] = 0.5,
    sandbox: Annotated[
        Path | None,
        typer.Option(
            "--sandbox",
            help="Répertoire du bac à sable, quand ESANTE_SERVICES=sandbox (défaut : "
            "ESANTE_SANDBOX).",
        ),
    ] = None,
) -> None:
    """Envoie les documents en attente (DMP, MSSanté) : ordres dus, retentatives, reprises."""
    from esante.cli._worker_setup import build_worker

    settings = load_settings()
    setup = build_worker(
        settings.effective_database_url,
        sandbox or settings.sandbox,
        credentials=credential or DEFAULT_CREDENTIALS,
        policy=RetryPolicy(base_s=retry_base, cap_s=retry_cap, lease_s=lease),
        idle_sleep_s=poll,
        product_reference=settings.mss_product_reference,
        batch=batch,
    )
    work = setup.worker
    try:
        if once:
            taken = work.run_once()
            stats = work.stats
            typer.echo(
                f"{taken} ordre(s) traité(s) : {stats.sent} envoyé(s), {stats.retried} à "
                f"retenter, {stats.failed} en échec, {stats.blocked} bloqué(s)."
            )
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        typer.echo(
            f"Worker {work.worker_id} démarré ({', '.join(work.credentials)}) ; arrêt : Ctrl+C."
        )
        work.run(stop, threads=threads)
        typer.echo(f"Worker arrêté : {work.stats.sent} envoi(s) réussi(s).")
    finally:
        setup.close()
