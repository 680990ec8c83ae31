"""`esante audit` — the access trace: check its hash chain, export it, read its latest records.

``verify`` walks the whole chain (or checks an exported extract with ``--fichier``) and
exits 1 naming the first altered, deleted or inserted record. ``export`` streams the
records matching the filters as CSV or JSON Lines to stdout or ``--out``. ``list`` shows
the latest records in a table. Filters: ``--patient`` (INS matricule), ``--professionnel``
(idNat_PS or RPPS), ``--depuis`` / ``--jusqu-a`` (days in Europe/Paris time, both
included; ``--from`` / ``--to``), ``--action``, ``--canal``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from esante.cli._output import fail
from esante.config import load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from esante.audit import AuditEntry, AuditFilter

app = typer.Typer(
    help="Trace des accès (DMP, MSSanté, consentement) : vérification de l'intégrité, "
    "export, derniers enregistrements.",
    no_args_is_help=True,
)

PROGRESS_THRESHOLD = 20_000
"""Below this many records the check is quick: no progress bar."""

CHANNEL_LABELS = {"dmp": "DMP", "mss": "MSSanté", "consent": "Consentement"}
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
    str | None, typer.Option("--canal", "--channel", help="Canal : dmp, mss ou consent.")
]


def _count(n: int) -> str:
    """A count the French way (thin space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; database failures become French errors."""
    from sqlalchemy.exc import DBAPIError

    from esante.audit import AuditError
    from esante.store import make_engine, session_factory

    engine = make_engine(load_settings().effective_database_url)
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
            report = verify_chain(session, batch_size=lot, progress=bar)
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


def _paris(entry: AuditEntry) -> str:
    from esante.audit.query import PARIS

    return entry.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


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
        "Date (Paris)",
        "Canal",
        "Action",
        "Professionnel",
        "Patient (INS)",
        "Document",
        "Accès",
        "Résultat",
    ):
        table.add_column(column, overflow="fold")
    for entry in entries:
        professional = "\n".join(
            p for p in (entry.actor_id, entry.actor_name, entry.structure_id) if p
        )
        access = "\n".join(
            p
            for p in (MODE_LABELS.get(entry.access_mode or "", entry.access_mode), entry.reason)
            if p
        )
        cells = (
            str(entry.sequence),
            _paris(entry),
            CHANNEL_LABELS.get(entry.channel, entry.channel),
            entry.action,
            professional,
            (entry.patient_ins or "").split("^", 1)[0],
            entry.document_unique_id or "",
            access,
            OUTCOME_LABELS.get(entry.outcome, entry.outcome),
        )
        # Text, not str: a reason typed by a user is shown as is, never as rich markup.
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)
