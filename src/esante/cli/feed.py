"""`esante feed` — validate CDA documents and queue them for the DMP, as the console does.

For each file: check it against the ANS kit (XSD + schematrons + esante's DMP checks;
``--no-check`` skips it), store it in the patient's local record and create its DMP send
order in the same transaction, with the deferral window (``--delay``, default
``ESANTE_DEFERRAL_SECONDS``). A worker (``esante worker``, or the one ``esante demo``
runs) sends it when the window is over. The patient is found by ``--ins``; the author
is the document's author (an RPPS of the practice).

``--historical``: documents of earlier care episodes, fed on request (the seed's
conditions: qualified INS, an author, a date, a CDA); sent without deferral unless
``--delay`` says otherwise.

A file that cannot be queued is reported with its reason and the others go on; the
exit status is 1 when at least one file was not queued.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from esante.cli._output import print_json
from esante.config import load_settings
from esante.errors import EsanteError


def feed(
    files: Annotated[list[Path], typer.Argument(help="Documents CDA R2 (XML) à envoyer.")],
    ins: Annotated[str, typer.Option("--ins", help="Matricule INS du patient.")],
    delay: Annotated[
        int | None,
        typer.Option(
            "--delay",
            "--delai",
            min=0,
            help="Délai (s) avant envoi, pendant lequel on peut bloquer ou annuler "
            "(défaut : ESANTE_DEFERRAL_SECONDS, 600 ; 0 pour l'historique).",
        ),
    ] = None,
    historical: Annotated[
        bool,
        typer.Option(
            "--historical",
            "--historique",
            help="Documents d'épisodes antérieurs (INS qualifiée, auteur, date exigés).",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check/--no-check", help="Vérifier avec le kit CI-SIS avant l'envoi."),
    ] = True,
    json_output: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
) -> None:
    """Valide des documents CDA et programme leur envoi au DMP (ordre d'envoi différé)."""
    from sqlalchemy import select

    from esante.practice.documents import validate_document
    from esante.store import Patient, make_engine, session_factory, upgrade

    settings = load_settings()
    if delay is not None:
        deferral = timedelta(seconds=delay)
    elif historical:
        deferral = timedelta(0)
    else:
        deferral = timedelta(seconds=settings.deferral_seconds)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    matricule = ins.strip().upper()
    results: list[dict[str, Any]] = []
    err = Console(stderr=True, highlight=False)
    try:
        with sessions() as session:
            patient_id = session.scalar(
                select(Patient.id).where(Patient.ins_matricule == matricule)
            )
        if patient_id is None:
            raise _error(
                f"Aucun patient du cabinet n'a l'INS {matricule}.",
                detail=f"no patient with ins_matricule={matricule}",
                field="--ins",
            )
        validator = None
        if check:
            from esante.cda.validate import shared_validator

            validator = shared_validator(settings.effective_cisis_kit)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=err,
            transient=True,
            disable=len(files) < 2,
        ) as progress:
            task = progress.add_task("Envoi programmé", total=len(files))
            for path in files:
                results.append(
                    _one(
                        path,
                        sessions,
                        validator,
                        patient_id=patient_id,
                        deferral=deferral,
                        historical=historical,
                        feed_auth=settings.feed_auth,
                        pmi_address=settings.pmi_address,
                        validate=validate_document,
                    )
                )
                progress.update(task, advance=1, description=f"Traité : {path.name}")
    finally:
        engine.dispose()
    if json_output:
        print_json(results)
    else:
        for item in results:
            if item["erreur"]:
                typer.echo(f"{item['fichier']} : non programmé — {item['erreur']}", err=True)
                continue
            for order in item["ordres"]:
                when = "tout de suite" if deferral == timedelta(0) else f"dans {_delay(deferral)}"
                state = "bloqué — " + order["motif"] if order["etat"] == "blocked" else when
                what = (
                    f"envoi MSSanté à {order['destinataire']} programmé"
                    if order["type"] == "mss_send"
                    else "envoi au DMP programmé"
                )
                typer.echo(f"{item['fichier']} : {what} (ordre {order['id']}, {state}).")
            for reason in item["non_envoye"]:
                typer.echo(f"{item['fichier']} : {reason}")
    if any(item["erreur"] for item in results):
        raise typer.Exit(1)


def _delay(deferral: timedelta) -> str:
    seconds = int(deferral.total_seconds())
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _one(
    path: Path,
    sessions: Any,
    validator: Any,
    *,
    patient_id: int,
    deferral: timedelta,
    historical: bool,
    feed_auth: Any,
    pmi_address: str | None,
    validate: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {"fichier": str(path), "erreur": None, "ordres": [], "non_envoye": []}
    try:
        try:
            cda = path.read_bytes()
        except OSError as exc:
            raise _error(f"Fichier illisible : {path}.", detail=str(exc), field=str(path)) from exc
        if validator is not None:
            report = validator.validate(cda, dmp=True)
            if not report.ok:
                first = (report.xsd_errors or report.errors)[0]
                text = getattr(first, "message", str(first))
                count = len(report.xsd_errors) + len(report.errors)
                raise _error(
                    f"Document non conforme au kit CI-SIS ({count} erreur(s)) : {text}",
                    detail="esante cda validate --dmp gives the full report",
                    field=str(path),
                )
        with sessions() as session:
            done = validate(
                session,
                cda,
                patient_id=patient_id,
                feed_dmp=True,
                deferral=deferral,
                feed_auth=feed_auth,
                historical=historical,
                pmi_address=pmi_address,
            )
            session.commit()
            item["document"] = done.document.unique_id
            item["ordres"] = [
                {
                    "id": o.id,
                    "type": o.kind,
                    "destinataire": o.recipient,
                    "etat": o.state,
                    "motif": o.state_reason,
                }
                for o in done.orders
            ]
            item["non_envoye"] = list(done.not_sent)
    except EsanteError as exc:
        item["erreur"] = exc.message
    return item


def _error(message: str, *, detail: str, field: str) -> EsanteError:
    from esante.practice import PracticeValidationError

    return PracticeValidationError(message, detail=detail, field=field)
