"""`esante audit` — the access trace: check its hash chain, export it, read its latest records.

``verify`` walks the whole chain (or checks an exported extract with ``--fichier``) and
exits 1 naming the first altered, deleted or inserted record; it also checks the chain
against the checkpoints journal kept outside the database (:mod:`esante.audit.anchor`),
so that a rewritten, truncated or wiped trace is found, and anchors the head it
verified. ``ancrer`` writes a checkpoint of the current head (``--nouveau-journal`` sets
aside a journal whose loss has been explained). ``patient`` lists every access to one
patient's data, as the patient may ask for it (table in Paris time, CSV or JSON).
``export`` streams the records matching the filters as CSV or JSON Lines to stdout or
``--out``. ``list`` shows the latest records in a table. Filters: ``--patient`` (INS
matricule), ``--professionnel`` (idNat_PS or RPPS), ``--depuis`` / ``--jusqu-a`` (days
in Europe/Paris time, both included; ``--from`` / ``--to``), ``--action``, ``--canal``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from esante.cli._output import PARIS_TIME_LABEL, fail, paris_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from esante.audit import AuditEntry, AuditFilter
    from esante.audit.anchor import Anchor

app = typer.Typer(
    help="Trace des accès (DMP, MSSanté, consentement) : vérification de l'intégrité, "
    "export, derniers enregistrements.",
    no_args_is_help=True,
)

PROGRESS_THRESHOLD = 20_000
"""Below this many records the check is quick: no progress bar."""

CHANNEL_LABELS = {
    "dmp": "DMP",
    "mss": "MSSanté",
    "consent": "Consentement",
    "dossier": "Dossier patient",
}
OUTCOME_LABELS = {"success": "succès", "failure": "échec", "refused": "refusé"}
MODE_LABELS = {"normal": "normal", "bris_de_glace": "bris de glace", "centre_15": "centre 15"}

PatientOption = Annotated[
    str | None,
    typer.Option("--patient", "--ins", help="Matricule INS du patient (ou INS complet)."),
]
ProfessionalOption = Annotated[
    str | None,
    typer.Option("--professionnel", "--ps", help="Professionnel : idNat_PS ou RPPS (11 chiffres)."),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--depuis",
        "--from",
        help="Début de la période, inclus : AAAA-MM-JJ, JJ/MM/AAAA ou AAAA-MM-JJTHH:MM "
        "(heure de Paris).",
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--jusqu-a", "--to", help="Fin de la période : ce jour est inclus."),
]
ActionOption = Annotated[str | None, typer.Option("--action", help="Action tracée (code exact).")]
ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--canal",
        "--channel",
        help="Canal : dmp, mss, consent ou dossier (dossiers patients du cabinet).",
    ),
]


def _count(n: int) -> str:
    """A count the French way (thin space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; database failures become French errors."""
    from sqlalchemy.exc import DBAPIError

    from esante.audit import AuditError
    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.store import session_factory

    settings = load_settings()
    engine = open_database(settings)
    anchor_engine(engine, settings.home)
    try:
        with session_factory(engine)() as session:
            try:
                yield session
            except DBAPIError as exc:
                raise AuditError(
                    "Trace d'accès illisible : base de données injoignable ou non "
                    "initialisée (lancez « esante db upgrade »).",
                    detail=f"{type(exc.orig).__name__}: {str(exc.orig).strip()[:300]}",
                ) from exc
    finally:
        engine.dispose()


def _criteria(
    patient: str | None,
    professional: str | None,
    since: str | None,
    until: str | None,
    action: str | None,
    channel: str | None,
) -> AuditFilter:
    from esante.audit import AuditFilter, parse_moment

    return AuditFilter(
        patient=patient,
        professional=professional,
        since=None if since is None else parse_moment(since, field="--depuis"),
        until=None if until is None else parse_moment(until, end=True, field="--jusqu-a"),
        action=action,
        channel=channel,
    )


class _ProgressBar:
    """Shows the walk's progress on a terminal's stderr when the trace is large."""

    def __init__(self) -> None:
        self._console = Console(stderr=True, highlight=False)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, checked: int, total: int) -> None:
        if self._progress is None:
            if total < PROGRESS_THRESHOLD or not self._console.is_terminal:
                return
            self._progress = Progress(
                TextColumn("Vérification de la trace d'accès"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeRemainingColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("verify", total=total)
        if self._task is not None:
            self._progress.update(self._task, completed=checked)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


@app.command("verify")
def verify_cmd(
    fichier: Annotated[
        Path | None,
        typer.Option(
            "--fichier",
            "--file",
            help="Vérifier un extrait exporté (CSV ou JSON Lines) au lieu de la base : "
            "empreinte de chaque enregistrement et chaînage des numéros consécutifs.",
        ),
    ] = None,
    lot: Annotated[
        int,
        typer.Option("--lot", min=1, max=100_000, help="Enregistrements lus par requête."),
    ] = 2000,
) -> None:
    """Vérifier l'intégrité de la trace d'accès (chaînage des empreintes SHA-256).

    Détecte un enregistrement modifié, supprimé ou inséré et une tête de chaîne
    incohérente. Code de sortie 1 si la trace n'est pas intègre : le message donne le
    numéro du premier enregistrement en cause.
    """
    if fichier is not None:
        _verify_file(fichier)
        return
    from esante.audit import AuditChainError, verify_chain
    from esante.audit.verify import BREAK_LABELS

    bar = _ProgressBar()
    try:
        with _session() as session:
            anchor = _anchor_of(session)
            report = verify_chain(session, batch_size=lot, progress=bar, anchor=anchor)
    finally:
        bar.close()
    if report.problem is not None:
        problem = report.problem
        fail(AuditChainError(problem.message, detail=problem.detail))
        typer.echo(
            f"  type : {BREAK_LABELS[problem.kind]} ({problem.kind.value}), "
            f"enregistrement n° {problem.sequence}",
            err=True,
        )
        typer.echo(f"  vérifiés avant la rupture : {_count(report.checked)}", err=True)
        raise typer.Exit(1)
    if report.checked == 0:
        typer.echo("Trace d'accès vide : rien à vérifier.")
        return
    typer.echo(
        f"Trace d'accès intègre : {_count(report.checked)} enregistrement(s) vérifié(s) "
        f"(n° 1 à {report.head_sequence})."
    )
    typer.echo(f"Tête de chaîne : n° {report.head_sequence}, empreinte {report.head_hash}")
    _write_checkpoint(anchor, report.head_sequence, report.head_hash)
    attested = None if report.anchor is None else report.anchor.highest
    if attested is None:
        typer.echo("Ancrage : premier point de contrôle écrit (" + str(anchor.journal) + ").")
    else:
        typer.echo(
            f"Ancrage : conforme au point de contrôle n° {attested.sequence} du "
            f"{paris_time(attested.at)} ; tête ancrée ({anchor.journal})."
        )


def _anchor_of(session: Session) -> Anchor:
    """The anchor (key and journal under ESANTE_HOME) of the session's database."""
    from sqlalchemy import Engine

    from esante.audit.anchor import Anchor
    from esante.config import load_settings

    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return Anchor.for_engine(engine, load_settings().home)


def _write_checkpoint(anchor: Anchor, sequence: int, digest: str) -> None:
    from esante.audit import AuditError

    try:
        anchor.write(sequence, digest)
    except OSError as exc:
        raise AuditError(
            "Impossible d'écrire le journal d'ancrage de la trace.",
            detail=f"{type(exc).__name__}: {exc}",
            field="ESANTE_HOME",
        ) from exc


@app.command("ancrer")
def anchor_cmd(
    nouveau_journal: Annotated[
        bool,
        typer.Option(
            "--nouveau-journal",
            help="Mettre de côté le journal d'ancrage actuel (renommé, conservé) et en "
            "commencer un nouveau : seulement après avoir expliqué une perte signalée par "
            "« esante audit verify » (restauration d'une sauvegarde).",
        ),
    ] = False,
) -> None:
    """Ancrer la tête de la trace d'accès : point de contrôle scellé hors de la base."""
    from esante.audit.chain import read_head

    with _session() as session:
        anchor = _anchor_of(session)
        if nouveau_journal:
            kept = anchor.start_new_journal()
            if kept is not None:
                typer.echo(f"Ancien journal d'ancrage conservé : {kept}")
        head = read_head(session)
    if head is None or head[0] == 0:
        typer.echo("Trace d'accès vide : rien à ancrer.")
        return
    _write_checkpoint(anchor, *head)
    typer.echo(f"Tête ancrée : n° {head[0]}, empreinte {head[1]} ({anchor.journal}).")


def _verify_file(path: Path) -> None:
    from esante.audit import AuditChainError, AuditError, check_extract, read_extract
    from esante.audit.verify import BREAK_LABELS

    try:
        with path.open(encoding="utf-8", newline="") as stream:
            report = check_extract(read_extract(stream))
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(
            "Impossible de lire l'extrait de trace.", detail=str(exc), field="--fichier"
        ) from exc
    if report.problem is not None:
        problem = report.problem
        fail(AuditChainError(problem.message, detail=problem.detail))
        typer.echo(
            f"  type : {BREAK_LABELS[problem.kind]} ({problem.kind.value}), "
            f"enregistrement n° {problem.sequence}",
            err=True,
        )
        raise typer.Exit(1)
    if report.checked == 0:
        typer.echo("Extrait vide : rien à vérifier.")
        return
    typer.echo(
        f"Extrait intègre : {_count(report.checked)} enregistrement(s) (n° "
        f"{report.first_sequence} à {report.last_sequence}), empreintes recalculées, "
        f"{_count(report.linked)} chaînage(s) vérifié(s)."
    )


@contextmanager
def _output(out: Path | None) -> Iterator[TextIO]:
    """stdout, or a new private file (mode 600: the trace holds patient identifiers)
    that replaces ``out`` only once complete."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    from esante.audit import AuditError

    partial = out.with_name(f".{out.name}.partiel")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise AuditError(
            "Impossible de créer le fichier d'export.", detail=str(exc), field="--out"
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(partial, out)
    except OSError as exc:
        raise AuditError(
            "Impossible d'écrire le fichier d'export.", detail=str(exc), field="--out"
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


@app.command("export")
def export_cmd(
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv (en-tête, séparateur virgule) ou json (JSON Lines : un objet JSON par "
            "ligne).",
        ),
    ] = "csv",
    patient: PatientOption = None,
    professionnel: ProfessionalOption = None,
    depuis: SinceOption = None,
    jusqu_a: UntilOption = None,
    action: ActionOption = None,
    canal: ChannelOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", "--sortie", help="Fichier à écrire (défaut : sortie standard)."
        ),
    ] = None,
) -> None:
    """Exporter la trace d'accès (filtrée) en CSV ou JSON Lines, dans l'ordre des numéros.

    Chaque ligne porte son numéro, son empreinte et celle du précédent : l'extrait se
    vérifie avec « esante audit verify --fichier ».
    """
    from esante.audit import AuditError, ExportFormat, export

    try:
        fmt = ExportFormat(format_.strip().lower())
    except ValueError:
        raise AuditError(
            "Format d'export inconnu (csv ou json).", detail=f"{format_!r}", field="--format"
        ) from None
    criteria = _criteria(patient, professionnel, depuis, jusqu_a, action, canal)
    with _session() as session, _output(out) as stream:
        count = export(session, stream, fmt, criteria)
    where = "la sortie standard" if out is None else str(out)
    typer.echo(f"{_count(count)} enregistrement(s) exporté(s) vers {where}.", err=True)


@app.command("list")
def list_cmd(
    nombre: Annotated[
        int, typer.Option("--nombre", "-n", min=1, max=1000, help="Nombre d'enregistrements.")
    ] = 20,
    patient: PatientOption = None,
    professionnel: ProfessionalOption = None,
    depuis: SinceOption = None,
    jusqu_a: UntilOption = None,
    action: ActionOption = None,
    canal: ChannelOption = None,
) -> None:
    """Afficher les derniers enregistrements de la trace d'accès (le plus récent en tête)."""
    from esante.audit import latest_entries

    criteria = _criteria(patient, professionnel, depuis, jusqu_a, action, canal)
    with _session() as session:
        entries = latest_entries(session, criteria, limit=nombre)
    console = Console(highlight=False)
    if not entries:
        console.print("Aucun enregistrement dans la trace d'accès pour ces critères.")
        return
    table = Table(title=f"Trace d'accès : {len(entries)} dernier(s) enregistrement(s)")
    for column in (
        "N°",
        f"Date ({PARIS_TIME_LABEL})",
        "Canal",
        "Action",
        "Professionnel",
        "Patient (INS)",
        "Document",
        "Accès",
        "Résultat",
        "Origine",
    ):
        table.add_column(column, overflow="fold")
    for entry in entries:
        professional = "\n".join(
            p for p in (entry.actor_id, entry.actor_name, entry.actor_role, entry.structure_id) if p
        )
        access = "\n".join(
            p
            for p in (MODE_LABELS.get(entry.access_mode or "", entry.access_mode), entry.reason)
            if p
        )
        cells = (
            str(entry.sequence),
            paris_time(entry.at, seconds=True, stated=False),
            CHANNEL_LABELS.get(entry.channel, entry.channel),
            entry.action,
            professional,
            (entry.patient_ins or "").split("^", 1)[0],
            entry.document_unique_id or "",
            access,
            OUTCOME_LABELS.get(entry.outcome, entry.outcome),
            entry.origin or "",
        )
        # Text, not str: a reason typed by a user is shown as is, never as rich markup.
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)


def _action_labels() -> dict[str, str]:
    """French labels of the traced actions (the practice's own, then the DMP's and
    MSSanté's transactions); an unknown code is shown as is."""
    from esante.practice.consent import AUDIT_ACTION_LABELS
    from esante.practice.dmp_consultation import CONSULTATION_ACTIONS
    from esante.practice.trace import ACTION_LABELS

    return {
        **ACTION_LABELS,
        "TD0.2": "Vérification de l'existence du DMP",
        "TD0.3": "Autorisation d'accès au DMP",
        "TD2.1": "Alimentation du DMP (dépôt d'un document)",
        "TD3.3a": "Masquage d'un document du DMP",
        "TD3.3b": "Visibilité d'un document du DMP pour le patient",
        "TD3.3c": "Suppression d'un document du DMP",
        "TD3.3d": "Archivage d'un document du DMP",
        **CONSULTATION_ACTIONS,
        **AUDIT_ACTION_LABELS,
    }


PATIENT_COLUMNS = (
    "date_heure_paris",
    "horodatage_utc",
    "professionnel",
    "id_nat_ps",
    "role",
    "structure",
    "action",
    "code_action",
    "document",
    "mode_acces",
    "motif",
    "resultat",
    "origine",
    "numero_trace",
)
"""Columns of ``esante audit patient`` exports (CSV header, JSON keys), in order."""


def _patient_row(entry: AuditEntry, labels: dict[str, str]) -> dict[str, str | int | None]:
    from esante.audit.chain import canonical_at

    return {
        "date_heure_paris": paris_time(entry.at, seconds=True, stated=False),
        "horodatage_utc": canonical_at(entry.at),
        "professionnel": entry.actor_name,
        "id_nat_ps": entry.actor_id,
        "role": entry.actor_role,
        "structure": entry.structure_id,
        "action": labels.get(entry.action, entry.action),
        "code_action": entry.action,
        "document": entry.document_unique_id,
        "mode_acces": MODE_LABELS.get(entry.access_mode or "", entry.access_mode),
        "motif": entry.reason,
        "resultat": OUTCOME_LABELS.get(entry.outcome, entry.outcome),
        "origine": entry.origin,
        "numero_trace": entry.sequence,
    }


@app.command("patient")
def patient_cmd(
    ins: Annotated[
        str | None,
        typer.Option("--ins", "--patient", help="Matricule INS du patient (ou INS complet)."),
    ] = None,
    ipp: Annotated[
        str | None,
        typer.Option(
            "--ipp",
            help="IPP du patient : accès à son dossier tracés avant la qualification de "
            "son identité (ou sans INS qualifiée). Avec --ins : les accès tracés sous "
            "l'un ou l'autre.",
        ),
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="table (écran), csv (en-tête, séparateur virgule) ou json (tableau d'objets).",
        ),
    ] = "table",
    depuis: SinceOption = None,
    jusqu_a: UntilOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", "--sortie", help="Fichier à écrire (défaut : sortie standard)."
        ),
    ] = None,
) -> None:
    """Tous les accès aux données d'un patient (ce que le patient peut demander).

    Qui (professionnel, identifiant national, rôle, structure), quoi (action, document),
    comment (mode d'accès, motif), avec quel résultat, d'où, et quand (heure de Paris ;
    l'horodatage UTC est aussi exporté). Du plus ancien au plus récent. Le patient est
    désigné par son INS, son IPP, ou les deux.
    """
    import csv
    import json

    from esante.audit import AuditError, iter_entries

    fmt = format_.strip().lower()
    if fmt not in ("table", "csv", "json"):
        raise AuditError(
            "Format inconnu (table, csv ou json).", detail=f"{format_!r}", field="--format"
        )
    if ins is None and ipp is None:
        raise AuditError(
            "Patient non désigné : donnez son INS (--ins) ou son IPP (--ipp).",
            detail="neither --ins nor --ipp",
            field="--ins",
        )
    criteria = replace(_criteria(ins, None, depuis, jusqu_a, None, None), local_id=ipp)
    labels = _action_labels()
    if fmt == "table":
        with _session() as session:
            rows = [_patient_row(e, labels) for e in iter_entries(session, criteria)]
        _patient_table(_patient_name(ins, ipp), rows)
        return
    count = 0
    with _session() as session, _output(out) as stream:
        entries = iter_entries(session, criteria)
        if fmt == "csv":
            writer = csv.writer(stream)
            writer.writerow(PATIENT_COLUMNS)
            for entry in entries:
                row = _patient_row(entry, labels)
                writer.writerow(["" if row[c] is None else row[c] for c in PATIENT_COLUMNS])
                count += 1
        else:
            stream.write("[")
            for entry in entries:
                stream.write(",\n" if count else "\n")
                stream.write(json.dumps(_patient_row(entry, labels), ensure_ascii=False))
                count += 1
            stream.write("\n]\n")
    where = "la sortie standard" if out is None else str(out)
    typer.echo(f"{_count(count)} accès exporté(s) vers {where}.", err=True)


def _patient_name(ins: str | None, ipp: str | None) -> str:
    """The patient as the table's title names them: INS matricule, IPP, or both."""
    matricule = None if ins is None else ins.strip().split("^", 1)[0]
    local = None if ipp is None else f"IPP {ipp.strip()}"
    if matricule and local:
        return f"{matricule} ({local})"
    return matricule or local or ""


def _patient_table(name: str, rows: list[dict[str, str | int | None]]) -> None:
    console = Console(highlight=False)
    if not rows:
        console.print(f"Aucun accès tracé aux données du patient {name}.")
        return
    table = Table(title=f"Accès aux données du patient {name} : {len(rows)}")
    for column in (
        f"Date ({PARIS_TIME_LABEL})",
        "Professionnel",
        "Action",
        "Document",
        "Accès",
        "Résultat",
        "Origine",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        who = "\n".join(
            str(row[k]) for k in ("professionnel", "id_nat_ps", "role", "structure") if row[k]
        )
        access = "\n".join(str(row[k]) for k in ("mode_acces", "motif") if row[k])
        cells = (
            str(row["date_heure_paris"]),
            who,
            str(row["action"]),
            str(row["document"] or ""),
            access,
            str(row["resultat"]),
            str(row["origine"] or ""),
        )
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)
