"""`esante doctor` — check the configuration of the national services.

Offline by default (:func:`esante.services.checks.check_offline`): the structure's
certificates (dates, chain, key, usages) and the settings' coherence; ``--online`` adds a
TLS handshake with each configured endpoint. French output; the exit code is 1 when an
error was found (warnings alone leave it 0), for scripts and monitoring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esante.config import load_settings

SYMBOLS = {"ok": "ok", "avertissement": "AVERTISSEMENT", "erreur": "ERREUR"}


def doctor(
    online: Annotated[
        bool,
        typer.Option("--online", help="Tenter aussi une poignée de main TLS avec chaque service."),
    ] = False,
    sandbox: Annotated[
        Path | None,
        typer.Option("--sandbox", help="Répertoire du bac à sable (défaut : ESANTE_SANDBOX)."),
    ] = None,
) -> None:
    """Vérifie la configuration des services nationaux (certificats, adresses)."""
    from esante.services.checks import check_offline, check_online

    findings, profile = check_offline(load_settings(), sandbox=sandbox)
    try:
        if online and profile is not None:
            findings += check_online(profile)
    finally:
        if profile is not None:
            profile.close()
    for finding in findings:
        typer.echo(f"[{SYMBOLS[finding.level]}] {finding.subject} : {finding.message}")
    errors = sum(1 for f in findings if f.level == "erreur")
    warnings = sum(1 for f in findings if f.level == "avertissement")
    typer.echo(f"{errors} erreur(s), {warnings} avertissement(s).")
    if errors:
        raise typer.Exit(1)
