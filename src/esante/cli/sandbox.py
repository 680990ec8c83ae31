"""`esante sandbox` — the national services' sandbox: start it, and act on its DMP.

* ``start --dir DIR`` — create the test PKI in ``DIR`` if absent, start the DMP on
  loopback with mutual TLS (a free port unless ``--dmp-port``), seed the demo patients'
  DMPs, write ``DIR/sandbox.json`` once it answers, and serve in the foreground until
  Ctrl+C / SIGTERM. ``--db URL`` puts the DMP on PostgreSQL (default SQLite
  ``DIR/dmp.db``); ``--accept-foreign-signatures`` is the *kit mode* that replays the
  official DMP messages (their VIHF are accepted without signature check: tests only).
* ``status`` — where the running sandbox is and what it serves.
* ``dmp create|close|oppose|block|authorize|show|list|trouble|down|up`` — what the
  patient (on Mon espace santé) or an operator does outside the professionals'
  transactions, and the trouble settings a running server applies within a second.

The running sandbox is found through ``sandbox.json`` in ``--sandbox DIR`` or
``ESANTE_SANDBOX``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from esante.cli._output import PARIS_TIME_LABEL, paris_time, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from esante.sandbox.dmp import PatientIns, PatientRecord
    from esante.sandbox.runtime import RunningSandbox, SandboxManifest

NIR_TEST_OID = "1.2.250.1.213.1.4.10"

app = typer.Typer(
    help="Bac à sable des services nationaux (DMP) : démarrage et administration.",
    no_args_is_help=True,
)
dmp_app = typer.Typer(
    help="Administrer le DMP du bac à sable (côté patient et opérateur).",
    no_args_is_help=True,
)
app.add_typer(dmp_app, name="dmp")

SandboxOption = Annotated[
    Path | None,
    typer.Option(
        "--sandbox",
        help="Répertoire du bac à sable en cours (par défaut : ESANTE_SANDBOX).",
    ),
]
InsOption = Annotated[str, typer.Option("--ins", help="Matricule INS du patient (15 caractères).")]
OidOption = Annotated[str, typer.Option("--oid", help="OID de l'INS (par défaut : NIR de test).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


@contextmanager
def demo_lock(home: Path) -> Iterator[None]:
    """Hold ``HOME/demo.lock`` while the demo runs: one demo per data directory.

    Raises :class:`~esante.sandbox.runtime.SandboxRuntimeError` (French, with the pid of
    the running demo) when another demo holds it; a crashed or killed demo holds nothing.
    """
    from esante.sandbox.runtime import SandboxRuntimeError
    from esante.sandbox.runtime.lock import ProcessLock

    lock = ProcessLock(home / "demo.lock")
    if not lock.acquire():
        pid = lock.holder()
        who = f" (processus {pid})" if pid else ""
        raise SandboxRuntimeError(
            f"Une démo esante tourne déjà avec le dossier de données {home}{who}. "
            "Utilisez-la (ses adresses sont affichées dans son terminal), ou arrêtez-la "
            "(Ctrl+C) avant d'en relancer une ; pour une seconde démo indépendante, "
            "choisissez un autre ESANTE_HOME.",
            detail=f"{home / 'demo.lock'} is locked by pid {pid}",
            field="ESANTE_HOME",
        )
    try:
        yield
    finally:
        lock.release()


def sandbox_directory(option: Path | None) -> Path:
    """The sandbox directory: ``--sandbox``, else ``ESANTE_SANDBOX``."""
    if option is not None:
        return option
    from esante.config import load_settings

    configured = load_settings().sandbox
    if configured is None:
        from esante.sandbox.runtime import SandboxNotFoundError

        raise SandboxNotFoundError(
            "Bac à sable introuvable : indiquez --sandbox DIR ou la variable ESANTE_SANDBOX.",
            detail="neither --sandbox nor ESANTE_SANDBOX given",
            field="--sandbox",
        )
    return configured


def load_manifest(option: Path | None) -> SandboxManifest:
    """The ``sandbox.json`` of the running sandbox."""
    from esante.sandbox.runtime import read_manifest

    return read_manifest(sandbox_directory(option))


# --------------------------------------------------------------------------- start


@app.command("start")
def start_cmd(
    directory: Annotated[
        Path, typer.Option("--dir", help="Répertoire du bac à sable (PKI, base, sandbox.json).")
    ],
    dmp_port: Annotated[
        int,
        typer.Option("--dmp-port", min=0, max=65535, help="Port du DMP (0 : port libre)."),
    ] = 0,
    db: Annotated[
        str | None,
        typer.Option("--db", help="URL de la base du DMP (défaut : SQLite DIR/dmp.db)."),
    ] = None,
    foreign: Annotated[
        bool,
        typer.Option(
            "--accept-foreign-signatures",
            help="Mode kit : accepter les signatures étrangères des messages officiels "
            "(VIHF non vérifiés ; pour les tests uniquement).",
        ),
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Créer les DMP des patients de démo.")
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=32,
            help="Processus servant le DMP (défaut : un par cœur, 4 au plus).",
        ),
    ] = None,
    mss: Annotated[
        bool,
        typer.Option("--mss/--no-mss", help="Démarrer la messagerie MSSanté (SMTP, IMAP)."),
    ] = True,
    smtp_port: Annotated[
        int, typer.Option("--smtp-port", min=0, max=65535, help="Port SMTP (0 : port libre).")
    ] = 0,
    imap_port: Annotated[
        int, typer.Option("--imap-port", min=0, max=65535, help="Port IMAP (0 : port libre).")
    ] = 0,
    auto_mdn: Annotated[
        bool,
        typer.Option(
            "--auto-mdn/--no-auto-mdn",
            help="Accusés de réception automatiques des destinataires qui en demandent.",
        ),
    ] = True,
) -> None:
    """Démarrer le bac à sable au premier plan, jusqu'à Ctrl+C : DMP (TLS mutuel), Mon
    espace santé, messagerie MSSanté (SMTP STARTTLS, IMAP TLS) et Annuaire Santé (FHIR)."""
    import logging
    import os

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from esante.sandbox.runtime import SandboxOptions, run_sandbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    err = Console(stderr=True, highlight=False)
    options = SandboxOptions(
        directory=directory,
        dmp_port=dmp_port,
        database_url=db,
        kit_mode=foreign,
        seed_demo=demo,
        workers=workers or min(4, os.cpu_count() or 1),
        mss=mss,
        smtp_port=smtp_port,
        imap_port=imap_port,
        mss_auto_mdn=auto_mdn,
    )
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True
    )
    task = progress.add_task("Démarrage du bac à sable", total=None)

    def step(text: str) -> None:
        progress.update(task, description=f"Démarrage : {text}")

    def ready(running: RunningSandbox) -> None:
        progress.stop()
        _announce(running)

    progress.start()
    try:
        run_sandbox(options, on_step=step, on_ready=ready)
    finally:
        progress.stop()
    typer.echo("Bac à sable arrêté.")


def _announce(running: RunningSandbox) -> None:
    manifest = running.manifest
    if manifest.kit_mode:
        typer.echo(
            "ATTENTION : mode kit actif — les jetons VIHF et signatures XAdES étrangers "
            "sont acceptés sans vérification complète. Pour les tests des messages officiels "
            "uniquement.",
            err=True,
        )
    if running.seeded is not None:
        typer.echo(
            f"DMP de démonstration : {running.seeded.created} créé(s), "
            f"{running.seeded.already_present} déjà présent(s)."
        )
    typer.echo(f"Bac à sable prêt : {manifest.dmp.base_url}")
    typer.echo(f"  DMP (TLS mutuel)   : {manifest.dmp.base_url}")
    if manifest.mes_url:
        typer.echo(f"  Mon espace santé   : {manifest.mes_url}")
    for label, address in mss_addresses(manifest):
        typer.echo(f"  {label.ljust(18)} : {address}")
    typer.echo(f"  description        : {manifest.path}")
    typer.echo(f"  PKI cliente        : {manifest.pki.directory}")
    typer.echo(f"  pour les clients   : export ESANTE_SANDBOX={manifest.directory.resolve()}")
    typer.echo("Arrêt : Ctrl+C", err=False)


def mss_addresses(manifest: SandboxManifest) -> list[tuple[str, str]]:
    """The MSSanté and directory addresses of a sandbox, as announced to the user."""
    out: list[tuple[str, str]] = []
    mss = manifest.mss
    if mss is not None:
        out.append(("MSSanté SMTP", f"{mss.smtp_host}:{mss.smtp_port} (STARTTLS)"))
        out.append(("MSSanté IMAP", f"{mss.imap_host}:{mss.imap_port} (TLS)"))
        out.append(
            ("boîtes MSSanté", f"{len(mss.mailboxes)} (esante mss mailboxes ; {manifest.path})")
        )
    if manifest.annuaire is not None:
        out.append(("Annuaire Santé", f"{manifest.annuaire.url} (clé : sandbox.json)"))
    if manifest.psc is not None:
        out.append(("Pro Santé Connect", manifest.psc.issuer))
    if manifest.insi is not None:
        out.append(("INSi (TLS mutuel)", manifest.insi.url))
    return out


@app.command("status")
def status_cmd(sandbox: SandboxOption = None, json_output: JsonOption = False) -> None:
    """Afficher le bac à sable en cours : adresses, base, PKI cliente."""
    manifest = load_manifest(sandbox)
    data = {
        "directory": str(manifest.directory),
        "pid": manifest.pid,
        "started": manifest.started.isoformat(),
        "kit_mode": manifest.kit_mode,
        "dmp": manifest.dmp.base_url,
        "repository_unique_id": manifest.dmp.repository_unique_id,
        "pki": str(manifest.pki.directory),
        "structure": f"{manifest.pki.structure_name} ({manifest.pki.structure_id})",
    }
    if json_output:
        print_json(data)
        return
    for label, value in (
        ("Répertoire", data["directory"]),
        ("Processus", str(manifest.pid)),
        ("Démarré le", paris_time(manifest.started, seconds=True)),
        ("DMP", manifest.dmp.base_url),
        ("Mode kit", "oui" if manifest.kit_mode else "non"),
        ("Structure", data["structure"]),
    ):
        typer.echo(f"{label:<12}: {value}")


# --------------------------------------------------------------------------- dmp admin


def _patient(ins: str, oid: str) -> PatientIns:
    from esante.sandbox.dmp import PatientIns

    return PatientIns(ins.strip().upper(), oid.strip())


@contextmanager
def _session(sandbox: Path | None) -> Iterator[Session]:
    from esante.sandbox.dmp import make_engine, session_factory

    manifest = load_manifest(sandbox)
    engine = make_engine(manifest.dmp.database)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _print_patient(record: PatientRecord, json_output: bool) -> None:
    data = {
        "ins": record.patient.value,
        "oid": record.patient.oid,
        "ouvert": record.open,
        "civilite": record.name_prefix,
        "nom": record.family_name,
        "prenom": record.given_name,
        "naissance": record.birth_date,
        "email": record.email,
        "mobile": record.mobile_phone,
        "compte_internet": record.internet_account_open,
        "rattache_mes": record.attached_to_mes,
        "opposition_alimentation": record.opposed_to_feeding,
        "opposition_bris_de_glace": record.opposed_to_bris_de_glace,
        "opposition_centre_15": record.opposed_to_centre_15,
        "masques_en_urgence": record.masked_access_in_emergency,
        "medecin_traitant": record.treating_physician,
        "ferme_le": record.closed_at,
        "motif_fermeture": record.closure_reason,
    }
    if json_output:
        print_json(data)
        return
    table = Table(title=f"DMP {record.patient.value}", show_header=False)
    labels = {
        "ouvert": "Ouvert",
        "civilite": "Civilité",
        "nom": "Nom",
        "prenom": "Prénom",
        "naissance": "Né(e) le",
        "email": "Adresse électronique",
        "mobile": "Téléphone mobile",
        "compte_internet": "Compte internet ouvert",
        "rattache_mes": "Rattaché à Mon espace santé",
        "opposition_alimentation": "Opposition à l'alimentation",
        "opposition_bris_de_glace": "Opposition au bris de glace",
        "opposition_centre_15": "Opposition au centre 15",
        "masques_en_urgence": "Documents masqués lisibles en urgence",
        "medecin_traitant": "Médecin traitant DMP",
        "ferme_le": "Fermé le",
        "motif_fermeture": "Motif de fermeture",
    }
    for key, label in labels.items():
        value = data[key]
        if value is None:
            continue
        table.add_row(label, _french(value))
    Console(highlight=False).print(table)


def _french(value: object) -> str:
    """A value as a French reader expects it (oui/non, dates jj/mm/aaaa)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return paris_time(value)
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


@dmp_app.command("create")
def create_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    nom: Annotated[str | None, typer.Option("--nom", help="Nom du patient.")] = None,
    prenom: Annotated[str | None, typer.Option("--prenom", help="Prénom.")] = None,
    naissance: Annotated[
        str | None, typer.Option("--naissance", help="Date de naissance (AAAA-MM-JJ).")
    ] = None,
    sexe: Annotated[str | None, typer.Option("--sexe", help="Sexe (F, M, U).")] = None,
    prefixe: Annotated[
        str | None, typer.Option("--prefixe", help="Civilité (préfixe du nom, ex. M, MME).")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Adresse électronique.")] = None,
    mobile: Annotated[
        str | None, typer.Option("--mobile", help="Téléphone mobile (ex. 0601020304).")
    ] = None,
    compte_internet: Annotated[
        bool,
        typer.Option(
            "--compte-internet/--sans-compte-internet",
            help="Compte internet du patient ouvert (COMPTE_INTERNET_OUVERT).",
        ),
    ] = False,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Créer (ou rouvrir) le DMP d'un patient."""
    from esante.sandbox.dmp import DmpAdmin, DmpErrorCode, DmpRefusal

    birth = None
    if naissance:
        try:
            birth = date.fromisoformat(naissance)
        except ValueError as exc:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Date de naissance invalide (format AAAA-MM-JJ attendu).",
                detail=str(exc),
                field="--naissance",
            ) from exc
    with _session(sandbox) as session:
        record = DmpAdmin(session).create_dmp(
            _patient(ins, oid),
            family_name=nom,
            given_name=prenom,
            birth_date=birth,
            sex=(sexe or "").upper()[:1] or None,
            name_prefix=prefixe,
            email=email,
            mobile_phone=mobile,
            internet_account_open=compte_internet,
        )
    typer.echo(f"DMP ouvert pour l'INS {record.patient.value}.")
    _print_patient(record, json_output)


@dmp_app.command("close")
def close_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    motif: Annotated[
        str, typer.Option("--motif", help="Motif (code) de fermeture.")
    ] = "FERMETURE_DEMANDE_PATIENT",
    sandbox: SandboxOption = None,
) -> None:
    """Fermer le DMP d'un patient (ses documents restent, plus aucun accès)."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        record = DmpAdmin(session).close_dmp(_patient(ins, oid), reason=motif)
    typer.echo(f"DMP de l'INS {record.patient.value} fermé ({motif}).")


@dmp_app.command("oppose")
def oppose_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    bris_de_glace: Annotated[
        bool | None,
        typer.Option("--bris-de-glace/--sans-bris-de-glace", help="Opposition au bris de glace."),
    ] = None,
    centre_15: Annotated[
        bool | None,
        typer.Option("--centre-15/--sans-centre-15", help="Opposition à l'accès du centre 15."),
    ] = None,
    alimentation: Annotated[
        bool | None,
        typer.Option("--alimentation/--sans-alimentation", help="Opposition à l'alimentation."),
    ] = None,
    masques_urgence: Annotated[
        bool | None,
        typer.Option(
            "--masques-en-urgence/--sans-masques-en-urgence",
            help="Le patient permet la lecture de ses documents masqués en urgence.",
        ),
    ] = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Enregistrer les oppositions du patient (seules les options données changent)."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        record = DmpAdmin(session).set_oppositions(
            _patient(ins, oid),
            feeding=alimentation,
            bris_de_glace=bris_de_glace,
            centre_15=centre_15,
            masked_access_in_emergency=masques_urgence,
        )
    _print_patient(record, json_output)


@dmp_app.command("block")
def block_cmd(
    ins: InsOption,
    ps: Annotated[
        str, typer.Option("--ps", help="Identifiant national (idNat_PS) du professionnel.")
    ],
    oid: OidOption = NIR_TEST_OID,
    unblock: Annotated[bool, typer.Option("--debloquer", help="Lever le blocage.")] = False,
    sandbox: SandboxOption = None,
) -> None:
    """Bloquer (ou débloquer) un professionnel sur le DMP du patient."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        DmpAdmin(session).block(_patient(ins, oid), ps.strip(), blocked=not unblock)
    verb = "débloqué" if unblock else "bloqué"
    typer.echo(f"Professionnel {ps.strip()} {verb} sur le DMP de l'INS {ins.strip().upper()}.")


@dmp_app.command("authorize")
def authorize_cmd(
    ins: InsOption,
    ps: Annotated[
        str, typer.Option("--ps", help="Identifiant national (idNat_PS) du professionnel.")
    ],
    oid: OidOption = NIR_TEST_OID,
    revoke: Annotated[bool, typer.Option("--retirer", help="Retirer l'autorisation.")] = False,
    treating: Annotated[
        bool, typer.Option("--medecin-traitant", help="Le désigner médecin traitant DMP.")
    ] = False,
    sandbox: SandboxOption = None,
) -> None:
    """Autoriser un professionnel (comme le ferait le patient sur Mon espace santé)."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        admin = DmpAdmin(session)
        patient = _patient(ins, oid)
        if treating:
            admin.declare_treating_physician(patient, ps.strip())
        else:
            admin.set_authorization(patient, ps.strip(), authorized=not revoke)
    typer.echo(
        f"Autorisation de {ps.strip()} {'retirée' if revoke else 'enregistrée'} "
        f"sur le DMP de l'INS {ins.strip().upper()}."
    )


@dmp_app.command("show")
def show_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    history: Annotated[int, typer.Option("--historique", help="Nombre d'accès listés.")] = 20,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Afficher un DMP : état, oppositions, autorisations, derniers accès."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        admin = DmpAdmin(session)
        patient = _patient(ins, oid)
        record = admin.get_patient(patient)
        authorizations = admin.authorizations(patient)
        accesses = admin.access_history(patient, limit=history)
    if json_output:
        print_json(
            {
                "patient": record.patient.value,
                "ouvert": record.open,
                "autorisations": [
                    {"id": a.subject_id, "mode": a.mode.value, "nom": a.family_name}
                    for a in authorizations
                ],
                "acces": [
                    {
                        "date": a.at.isoformat(),
                        "transaction": a.transaction,
                        "professionnel": a.actor_id,
                        "resultat": a.outcome.value,
                        "code": a.error_code,
                    }
                    for a in accesses
                ],
            }
        )
        return
    _print_patient(record, False)
    console = Console(highlight=False)
    table = Table(title="Autorisations")
    for column in ("Identifiant", "Nom", "Statut"):
        table.add_column(column)
    for a in authorizations:
        name = " ".join(p for p in (a.given_name, a.family_name) if p)
        table.add_row(
            a.subject_id,
            name,
            {"ACTIVE": "autorisé", "INTERDITE": "bloqué"}.get(a.mode.value, a.mode.value),
        )
    console.print(table)
    log = Table(title="Derniers accès")
    for column in (
        f"Date ({PARIS_TIME_LABEL})",
        "Transaction",
        "Professionnel",
        "Mode",
        "Résultat",
    ):
        log.add_column(column)
    for entry in accesses:
        outcome = "accepté" if entry.outcome.value == "accepted" else f"refusé ({entry.error_code})"
        log.add_row(
            paris_time(entry.at, seconds=True, stated=False),
            entry.transaction,
            entry.actor_name or entry.actor_id,
            entry.access_mode.value,
            outcome,
        )
    console.print(log)


@dmp_app.command("list")
def list_cmd(sandbox: SandboxOption = None, json_output: JsonOption = False) -> None:
    """Lister les DMP du bac à sable."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        records = DmpAdmin(session).list_patients()
    if json_output:
        print_json(
            [
                {
                    "ins": r.patient.value,
                    "nom": r.family_name,
                    "prenom": r.given_name,
                    "ouvert": r.open,
                    "medecin_traitant": r.treating_physician,
                }
                for r in records
            ]
        )
        return
    table = Table(title=f"DMP du bac à sable ({len(records)})")
    for column in ("INS", "Nom", "Prénom", "État", "Médecin traitant DMP"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.patient.value,
            r.family_name or "",
            r.given_name or "",
            "ouvert" if r.open else "fermé",
            r.treating_physician or "",
        )
    Console(highlight=False).print(table)


def _print_troubles(latency_ms: int, fail_rate: float, down: bool) -> None:
    typer.echo(
        f"Perturbations du DMP : latence {latency_ms} ms, taux d'échec {fail_rate:.0%}, "
        f"{'EN PANNE' if down else 'en service'} (appliqué en moins d'une seconde)."
    )


@dmp_app.command("trouble")
def trouble_cmd(
    latency_ms: Annotated[
        int | None, typer.Option("--latency-ms", min=0, help="Latence ajoutée (ms).")
    ] = None,
    fail_rate: Annotated[
        float | None,
        typer.Option("--fail-rate", min=0.0, max=1.0, help="Part des requêtes en échec (0 à 1)."),
    ] = None,
    sandbox: SandboxOption = None,
) -> None:
    """Régler (ou afficher) la latence et le taux d'échec simulés du DMP."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        admin = DmpAdmin(session)
        if latency_ms is None and fail_rate is None:
            settings = admin.troubles()
        else:
            settings = admin.set_troubles(latency_ms=latency_ms, fail_rate=fail_rate)
    _print_troubles(settings.latency_ms, settings.fail_rate, settings.down)


@dmp_app.command("down")
def down_cmd(sandbox: SandboxOption = None) -> None:
    """Simuler une panne du DMP (HTTP 503 à toute requête)."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        settings = DmpAdmin(session).set_troubles(down=True)
    _print_troubles(settings.latency_ms, settings.fail_rate, settings.down)


@dmp_app.command("up")
def up_cmd(sandbox: SandboxOption = None) -> None:
    """Rétablir le DMP après une panne simulée (latence et échecs inchangés)."""
    from esante.sandbox.dmp import DmpAdmin

    with _session(sandbox) as session:
        settings = DmpAdmin(session).set_troubles(down=False)
    _print_troubles(settings.latency_ms, settings.fail_rate, settings.down)
