"""`esante feed` — validate CDA documents and queue them for the DMP, as the console does.

Each file takes the "Valider" path of the REST API and the console
(:func:`esante.practice.documents.validate_document`), with the same checks — the ANS kit
when it is installed, identity, consent, the Ségur catalogue — and the same outcome: the
document is stored in the patient's local record and its DMP send order created in the
same transaction, with the deferral window (``--delay``, default
``ESANTE_DEFERRAL_SECONDS``); a patient whose INS is not qualified gets the order
*blocked*, with its reason. A worker (``esante worker``, or the one ``esante demo`` runs)
sends it when the window is over. This command only translates: the patient is found
by ``--ins``, the author is the document's author (an RPPS of the practice), the send
to the DMP is requested explicitly. ``--no-check`` skips the kit, as a service without
the kit does. The kit's check goes through the local validation server that
``esante cda validate`` uses (started on demand; it keeps the compiled kit between
commands: :func:`esante.practice.conformance.kit_check`), and is made in this process when
no server can start (or ``ESANTE_NO_VALIDATION_SERVER=1``): same verdict either way.

``--historical``: documents of earlier care episodes, fed on request (the seed's
conditions: qualified INS, an author, a date, a CDA; refused otherwise); sent without
deferral unless ``--delay`` says otherwise.

A file that cannot be queued is reported with its reason and the others go on; the
exit status is 1 when at least one file was not queued.
"""

from __future__ import annotations

from contextlib import nullcontext
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
    from functools import partial

    from sqlalchemy import select

    from esante.audit.anchor import anchor_engine
    from esante.practice.actors import local_operator
    from esante.practice.conformance import kit_check
    from esante.practice.documents import validate_document
    from esante.store import Patient, Structure, make_engine, session_factory, upgrade

    settings = load_settings()
    if delay is not None:
        deferral = timedelta(seconds=delay)
    elif historical:
        deferral = timedelta(0)
    else:
        deferral = timedelta(seconds=settings.deferral_seconds)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    anchor_engine(engine, settings.home)  # the validations are traced: checkpoints kept
    sessions = session_factory(engine)
    matricule = ins.strip().upper()
    results: list[dict[str, Any]] = []
    err = Console(stderr=True, highlight=False)
    try:
        with sessions() as session:
            patient_id = session.scalar(
                select(Patient.id).where(Patient.ins_matricule == matricule)
            )
            structure_id = session.scalar(select(Structure.id).order_by(Structure.id).limit(1))
        if structure_id is None:
            raise _error(
                "Aucune structure dans la base du cabinet.",
                detail="no structure to act for",
                field="--ins",
            )
        # the CLI acts as the documented local operator (secretariat) of the practice's
        # structure; the document's author is the CDA's (practice.documents)
        operator = local_operator(structure_id)
        if patient_id is None:
            raise _error(
                f"Aucun patient du cabinet n'a l'INS {matricule}.",
                detail=f"no patient with ins_matricule={matricule}",
                field="--ins",
            )
        checking = kit_check(settings) if check else nullcontext()
        with (
            checking as validator,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                console=err,
                transient=True,
                disable=len(files) < 2,
            ) as progress,
        ):
            if check and validator is None:
                err.print("Kit CI-SIS absent : les documents ne sont pas vérifiés avec le kit.")
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
                        validate=partial(validate_document, actor=operator),
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
                kit=validator,
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
