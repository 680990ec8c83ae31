"""`esante outbox` — the send orders: see them, hold them, release them, cancel them.

``list`` (filters by state, patient INS), ``show ID`` (the order and its history),
``block`` / ``unblock`` / ``cancel`` (during the deferral window), ``now`` (send without
waiting for the end of the window), ``retry`` (a failed order, once the cause is fixed).
The user acting is ``--par`` (an idNat_PS or a name, kept in the order's history).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from esante.cli._output import paris_time, print_json

app = typer.Typer(
    help="Ordres d'envoi (DMP, MSSanté) : liste, détail, blocage, annulation, envoi immédiat.",
    no_args_is_help=True,
)

ById = Annotated[int, typer.Argument(help="Numéro de l'ordre d'envoi.")]
By = Annotated[str | None, typer.Option("--par", "--by", help="Qui agit (idNat_PS, nom).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


@contextmanager
def _session() -> Iterator[Session]:
    from esante.cli.db import open_database
    from esante.store import session_factory

    engine = open_database()
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _order_data(order: Any) -> dict[str, Any]:
    from esante.outbox import KIND_LABELS, STATE_LABELS

    state = order.state
    label = STATE_LABELS.get(state, state)
    if state == "scheduled" and order.available_at <= datetime.now(UTC):
        label = STATE_LABELS["due"]
    return {
        "id": order.id,
        "type": KIND_LABELS.get(order.kind, order.kind),
        "etat": state,
        "etat_libelle": label,
        "motif": order.state_reason,
        "document": order.document.unique_id if order.document else None,
        "titre": order.document.title if order.document else None,
        "patient_ins": order.patient.ins_matricule,
        "destinataire": order.recipient,
        "identifiant": order.credential,
        "historique": order.historical,
        "tentatives": order.attempts,
        "fin_du_delai": order.deferral_until.isoformat(),
        "prochaine_tentative": order.available_at.isoformat(),
        "envoye_le": order.sent_at.isoformat() if order.sent_at else None,
        "derniere_erreur": order.last_error,
        "code_erreur": order.last_error_code,
        "resultat": json.loads(order.result) if order.result else None,
    }


@app.command("list")
def list_cmd(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--etat",
            "--state",
            help="scheduled, due, in_flight, sent, blocked, cancelled, failed (répétable).",
        ),
    ] = None,
    ins: Annotated[str | None, typer.Option("--ins", help="Matricule INS du patient.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    json_output: JsonOption = False,
) -> None:
    """Liste les ordres d'envoi, les plus récents d'abord, et le décompte par état."""
    from sqlalchemy import select

    from esante.outbox import STATE_LABELS, count_by_state, list_orders
    from esante.store import Patient

    with _session() as session:
        patient_id = None
        if ins:
            patient_id = session.scalar(
                select(Patient.id).where(Patient.ins_matricule == ins.strip().upper())
            )
            if patient_id is None:
                typer.echo("Aucun patient avec cette INS.")
                raise typer.Exit(1)
        orders = list_orders(session, states=state or (), patient_id=patient_id, limit=limit)
        rows = [_order_data(o) for o in orders]
        counts = count_by_state(session)
    if json_output:
        print_json({"ordres": rows, "par_etat": counts})
        return
    table = Table(title="Ordres d'envoi")
    for column in ("n°", "type", "état", "document", "patient (INS)", "tentatives", "motif"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["type"],
            row["etat_libelle"],
            row["titre"] or row["destinataire"] or "",
            row["patient_ins"] or "",
            str(row["tentatives"]),
            row["motif"] or "",
        )
    console = Console(highlight=False)
    console.print(table)
    summary = ", ".join(f"{STATE_LABELS.get(k, k)} : {v}" for k, v in sorted(counts.items()))
    console.print(f"Total par état — {summary or 'aucun ordre'}")


@app.command("show")
def show_cmd(order_id: ById, json_output: JsonOption = False) -> None:
    """Affiche un ordre d'envoi et son historique (qui, quand, pourquoi)."""
    from esante.outbox import STATE_LABELS, get_order

    with _session() as session:
        order = get_order(session, order_id)
        data = _order_data(order)
        data["evenements"] = [
            {
                "le": e.at.isoformat(),
                "de": e.from_state,
                "vers": e.to_state,
                "par": e.by,
                "motif": e.reason,
                "code": e.error_code,
            }
            for e in order.events
        ]
    if json_output:
        print_json(data)
        return
    typer.echo(f"Ordre {data['id']} — {data['type']} — {data['etat_libelle']}")
    for label, key in (
        ("Document", "titre"),
        ("Identifiant unique", "document"),
        ("Patient (INS)", "patient_ins"),
        ("Destinataire", "destinataire"),
        ("Motif", "motif"),
        ("Fin du délai d'envoi", "fin_du_delai"),
        ("Envoyé le", "envoye_le"),
        ("Tentatives", "tentatives"),
        ("Dernière erreur", "derniere_erreur"),
    ):
        value = data[key]
        if value in (None, ""):
            continue
        if key in ("fin_du_delai", "envoye_le"):
            value = paris_time(datetime.fromisoformat(value), seconds=True)
        typer.echo(f"  {label} : {value}")
    typer.echo("Historique :")
    for event in data["evenements"]:
        when = paris_time(datetime.fromisoformat(event["le"]), seconds=True)
        to = STATE_LABELS.get(event["vers"], event["vers"])
        who = f" par {event['par']}" if event["par"] else ""
        why = f" — {event['motif']}" if event["motif"] else ""
        typer.echo(f"  {when} : {to}{who}{why}")


def _action(name: str, call: Callable[..., Any], done: str, with_reason: bool) -> None:
    def command(
        order_id: ById,
        by: By = None,
        reason: Annotated[
            str | None, typer.Option("--motif", "--reason", help="Motif (gardé dans l'historique).")
        ] = None,
    ) -> None:
        with _session() as session:
            kwargs: dict[str, Any] = {"by": by}
            if with_reason:
                kwargs["reason"] = reason
            order = call(session, order_id, **kwargs)
            session.commit()
            data = _order_data(order)
        typer.echo(f"Ordre {order_id} {done} (état : {data['etat_libelle']}).")

    command.__doc__ = {
        "block": "Bloque un ordre pendant le délai d'envoi : il ne partira pas.",
        "unblock": "Débloque un ordre : il partira à la fin du délai (ou tout de suite).",
        "cancel": "Annule définitivement un ordre d'envoi.",
        "now": "Envoie sans attendre la fin du délai.",
        "retry": "Relance un ordre en échec, une fois la cause corrigée.",
    }[name]
    app.command(name)(command)


def _register() -> None:
    from esante import outbox

    _action("block", outbox.block, "bloqué", True)
    _action("unblock", outbox.unblock, "débloqué", False)
    _action("cancel", outbox.cancel, "annulé", True)
    _action("now", outbox.send_now, "à envoyer maintenant", False)
    _action("retry", outbox.retry, "relancé", False)


_register()
