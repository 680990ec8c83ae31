"""`esante outbox` — the send orders: see them, hold them, release them, cancel them.

``list`` (filters by state, patient INS), ``show ID`` (the order and its history),
``block`` / ``unblock`` / ``cancel`` (during the deferral window), ``now`` (send without
waiting for the end of the window), ``retry`` (a failed order, once the cause is fixed).

Same rules and trace as the REST API (:mod:`esante.practice.orders`): who acts is
``--ps``, a professional of the practice database (a demo key such as ``generaliste``,
an RPPS or an idNat_PS, as ``esante dmp`` and ``esante ins`` take it), acting for their
structure; without ``--ps``, the machine's local operator
(:func:`esante.practice.actors.local_operator`) acting as the secretariat of
``--structure`` (an idNat_Struct; the database's first structure by default, as ``esante
feed``) — who may list, read and block, but not release, send, retry or cancel (a health
professional's decision). The order's history and the access trace name that actor,
origin ``cli``; ``--par`` / ``--by`` are older names of ``--ps`` (a free-text name is no
longer accepted).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from esante.cli._output import paris_time, print_json

if TYPE_CHECKING:
    from esante.practice.actors import Actor

app = typer.Typer(
    help="Ordres d'envoi (DMP, MSSanté) : liste, détail, blocage, annulation, envoi immédiat.",
    no_args_is_help=True,
)

ById = Annotated[int, typer.Argument(help="Numéro de l'ordre d'envoi.")]
Ps = Annotated[
    str | None,
    typer.Option(
        "--ps",
        "--par",
        "--by",
        help="Professionnel qui agit : clé de démo (generaliste...), RPPS ou idNat_PS d'un "
        "professionnel de la base. Sans --ps : l'opérateur local (secrétariat).",
    ),
]
StructureOption = Annotated[
    str | None,
    typer.Option(
        "--structure",
        help="idNat_Struct de la structure pour laquelle agit l'opérateur local (sans --ps ; "
        "défaut : la première structure de la base).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the existing practice database, anchored: the trace written here
    gets its checkpoints (:func:`esante.audit.anchor.anchor_engine`)."""
    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.store import session_factory

    settings = load_settings()
    engine = open_database(settings)
    try:
        anchor_engine(engine, settings.home)
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _option_error(message: str, *, detail: str, field: str) -> Exception:
    from esante.practice.errors import PracticeValidationError

    return PracticeValidationError(message, detail=detail, field=field)


def _id_nat_ps(ps: str) -> str:
    """The idNat_PS of ``--ps``: a demo key, an RPPS (11 digits) or an idNat_PS."""
    from esante.demo import DemoError, demo_dataset

    wanted = "".join(ps.split())
    if wanted.isdigit() and len(wanted) == 11:
        return "8" + wanted
    if wanted.isdigit() and len(wanted) == 12 and wanted.startswith("8"):
        return wanted
    try:
        return "8" + demo_dataset().practitioner(wanted).rpps
    except DemoError:
        raise _option_error(
            f"Professionnel inconnu : « {wanted} » (clé de démonstration, RPPS ou idNat_PS "
            "d'un professionnel de la base).",
            detail=f"--ps {wanted!r} is neither a demo key, an RPPS nor an idNat_PS",
            field="--ps",
        ) from None


def _actor(session: Session, ps: str | None, structure: str | None) -> Actor:
    """Who acts from the command line: the ``--ps`` professional, else the local
    operator of ``--structure`` (see the module doc)."""
    from dataclasses import replace

    from sqlalchemy import select

    from esante.practice.actors import local_operator, professional_actor
    from esante.store import Structure

    if ps is not None:
        if structure is not None:
            raise _option_error(
                "--structure ne s'emploie pas avec --ps : le professionnel agit pour sa structure.",
                detail="both --ps and --structure given",
                field="--structure",
            )
        return replace(professional_actor(session, _id_nat_ps(ps), None), origin="cli")
    query = select(Structure.id).order_by(Structure.id).limit(1)
    if structure is not None:
        query = query.where(Structure.id_nat_struct == structure.strip())
    structure_id = session.scalar(query)
    if structure_id is None:
        raise _option_error(
            f"Aucune structure « {structure} » dans la base du cabinet."
            if structure
            else "Aucune structure dans la base du cabinet.",
            detail=f"no structure to act for (--structure {structure!r})",
            field="--structure",
        )
    return local_operator(structure_id)


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
    ps: Ps = None,
    structure: StructureOption = None,
    json_output: JsonOption = False,
) -> None:
    """Liste les ordres d'envoi de la structure, les plus récents d'abord, et le décompte
    par état (consultation tracée)."""
    from sqlalchemy import select

    from esante.outbox import STATE_LABELS
    from esante.practice.orders import list_orders
    from esante.store import Patient

    with _session() as session:
        actor = _actor(session, ps, structure)
        patient_id = None
        if ins:
            patient_id = session.scalar(
                select(Patient.id).where(Patient.ins_matricule == ins.strip().upper())
            )
            if patient_id is None:
                typer.echo("Aucun patient avec cette INS.")
                raise typer.Exit(1)
        page = list_orders(
            session, actor=actor, states=state or (), patient_id=patient_id, limit=limit
        )
        rows = [_order_data(o) for o in page.items]
        counts = {k: v for k, v in page.counts.items() if v}
        session.commit()  # the trace of the page
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
def show_cmd(
    order_id: ById,
    ps: Ps = None,
    structure: StructureOption = None,
    json_output: JsonOption = False,
) -> None:
    """Affiche un ordre d'envoi et son historique (qui, quand, pourquoi ; consultation
    tracée)."""
    from esante.outbox import STATE_LABELS
    from esante.practice.orders import read_order

    with _session() as session:
        order = read_order(session, order_id, actor=_actor(session, ps, structure))
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
        session.commit()  # the trace of the read
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
        ps: Ps = None,
        structure: StructureOption = None,
        reason: Annotated[
            str | None, typer.Option("--motif", "--reason", help="Motif (gardé dans l'historique).")
        ] = None,
    ) -> None:
        with _session() as session:
            kwargs: dict[str, Any] = {"actor": _actor(session, ps, structure)}
            if with_reason:
                kwargs["reason"] = reason
            order = call(session, order_id, **kwargs)
            session.commit()
            data = _order_data(order)
        typer.echo(f"Ordre {order_id} {done} (état : {data['etat_libelle']}).")

    command.__doc__ = {
        "block": "Bloque un ordre pendant le délai d'envoi : il ne partira pas (permis au "
        "secrétariat).",
        "unblock": "Débloque un ordre : il partira à la fin du délai (ou tout de suite ; "
        "professionnel, --ps).",
        "cancel": "Annule définitivement un ordre d'envoi (professionnel, --ps).",
        "now": "Envoie sans attendre la fin du délai (professionnel, --ps).",
        "retry": "Relance un ordre en échec, une fois la cause corrigée (professionnel, --ps).",
    }[name]
    app.command(name)(command)


def _register() -> None:
    from esante.practice import orders

    _action("block", orders.block_order, "bloqué", True)
    _action("unblock", orders.unblock_order, "débloqué", False)
    _action("cancel", orders.cancel_order, "annulé", True)
    _action("now", orders.send_order_now, "à envoyer maintenant", False)
    _action("retry", orders.retry_order, "relancé", False)


_register()
