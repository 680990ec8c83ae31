"""`esante serve` and `esante demo`: run the web service, or the whole demo.

``serve`` upgrades the database schema then serves the REST API on ``ESANTE_HOST`` /
``ESANTE_PORT`` (``--host`` / ``--port`` win; ``--port 0`` takes any free port). A busy
port is an error that says so.

``demo`` is what ``make run`` starts: it prepares the data directory and the database,
loads the demo dataset (idempotent: nothing is duplicated at the next start), starts the
sandbox of the national services, the send-order worker (so a document validated in the
demo reaches the sandbox DMP by itself), the service, and prints the addresses in French,
with the sign-in URL and the demo accounts (:mod:`esante.cli.demo`: the sandbox Pro Santé
Connect professionals, a secretary's local account whose password and TOTP secret are
drawn at each start).
``serve`` also runs a worker in the background when a sandbox is configured
(``ESANTE_SANDBOX``); otherwise run ``esante worker`` beside it. A busy port is not
fatal for the demo: the next free one is taken and announced. The demo is a list of
steps and a list of announced addresses, so later components add their own. One demo per
data directory: ``$ESANTE_HOME/demo.lock`` (see :mod:`esante.sandbox.runtime.lock`) makes
a second ``esante demo`` on the same home refuse, saying which process runs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from esante.config import Settings, load_settings
from esante.demo import DEFAULT_SEED, demo_dataset
from esante.practice import DemoLoadReport, load_demo
from esante.store import current_revision, make_engine, session_factory, upgrade

HOST_HELP = "Adresse d'écoute (défaut : ESANTE_HOST, 127.0.0.1)."
PORT_HELP = "Port d'écoute (défaut : ESANTE_PORT, 8000 ; 0 = un port libre quelconque)."


def _settings(host: str | None, port: int | None) -> Settings:
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port:  # 0 means "any free port": not a setting, handled when binding
        overrides["port"] = port
    return load_settings(**overrides)


def _database_label(settings: Settings) -> str:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        return f"SQLite, {url.database}"
    return f"{url.get_backend_name()}, {url.render_as_string(hide_password=True)}"


def prepare_database(settings: Settings) -> str | None:
    """Create the data directory and bring the schema up to date; return its revision."""
    settings.ensure_home()
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def load_demo_data(settings: Settings, seed: int) -> DemoLoadReport:
    """Load the demo dataset into the database (records already there are kept)."""
    engine = make_engine(settings.effective_database_url)
    try:
        with session_factory(engine)() as session:
            report = load_demo(session, demo_dataset(seed))
            session.commit()
        return report
    finally:
        engine.dispose()


@dataclass
class Announcement:
    """What the demo prints once everything listens: a headline and named addresses."""

    headline: str
    addresses: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        typer.echo(self.headline)
        width = max((len(label) for label, _ in self.addresses), default=0)
        for label, url in self.addresses:
            typer.echo(f"  {label.ljust(width)} : {url}")
        for line in self.notes:
            typer.echo(line)
        typer.echo("Arrêt : Ctrl+C")


def mailbox_lines(manifest: object) -> list[str]:
    """The demo MSSanté mailboxes, for any mail client (passwords stay in sandbox.json)."""
    mss = getattr(manifest, "mss", None)
    if mss is None:
        return []
    kinds = {"personal": "personnelle", "organisational": "organisationnelle"}
    kinds["application"] = "applicative"
    lines = ["Boîtes MSSanté de démonstration (IMAP : identifiant = adresse ; mots de passe,"]
    lines.append("certificats et jetons dans sandbox.json, ou « esante mss mailboxes ») :")
    patients = 0
    for box in mss.mailboxes:
        if box.kind == "patient":
            patients += 1
            continue
        lines.append(f"  {box.address} ({kinds.get(box.kind, box.kind)})")
    if patients:
        lines.append(f"  + {patients} boîtes patients <matricule INS>@patient.mssante.fr")
    return lines


def _service_addresses(base: str) -> list[tuple[str, str]]:
    return [
        ("service", base),
        ("état du service", f"{base}/health"),
        ("documentation de l'API", f"{base}/docs"),
        ("schéma OpenAPI", f"{base}/openapi.json"),
        ("patients", f"{base}/api/patients"),
    ]


class BackgroundWorker:
    """A send-order worker running in daemon threads beside the web service."""

    def __init__(self, settings: Settings, sandbox: Path, threads: int = 2) -> None:
        from esante.cli._worker_setup import build_worker

        self.setup = build_worker(
            settings.effective_database_url,
            sandbox,
            product_reference=settings.mss_product_reference,
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self.setup.worker.run,
            args=(self.stop,),
            kwargs={"threads": threads},
            name="outbox-worker",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.setup.close()


def serve(
    host: str | None = typer.Option(None, "--host", help=HOST_HELP),
    port: int | None = typer.Option(None, "--port", help=PORT_HELP, min=0, max=65535),
) -> None:
    """Démarre le service web (API REST) après mise à jour du schéma de la base."""
    from esante.web import bind, bound_port, create_app, run  # heavy: only when serving

    settings = _settings(host, port)
    settings.check_exposure()  # production or a non-loopback bind: PSC, secret key, TLS
    revision = prepare_database(settings)
    sock = bind(settings.host, 0 if port == 0 else settings.port)
    # the port really bound (``--port 0``): the sign-in's redirect address is built from it
    settings = settings.model_copy(update={"port": bound_port(sock)})
    base = f"http://{settings.host}:{settings.port}"
    app = create_app(settings)
    typer.echo(f"Base de données : {_database_label(settings)} (révision {revision}).")
    background = None
    if settings.sandbox is not None:
        background = BackgroundWorker(settings, settings.sandbox)
        background.start()
        typer.echo(f"Envois automatiques : worker démarré (bac à sable {settings.sandbox}).")
    else:
        typer.echo("Envois automatiques : lancez « esante worker » (aucun ESANTE_SANDBOX).")
    announcement = Announcement(f"esante à l'écoute sur {base}", _service_addresses(base)[1:3])
    try:
        run(app, sock, on_ready=announcement.print)
    finally:
        if background is not None:
            background.close()
    typer.echo("esante arrêté.")


def demo(
    host: str | None = typer.Option(None, "--host", help=HOST_HELP),
    port: int | None = typer.Option(None, "--port", help=PORT_HELP, min=0, max=65535),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Graine du jeu de démonstration."),
) -> None:
    """Démarre la démo : base de données, patients et professionnels fictifs, bac à sable des
    services nationaux (DMP, Mon espace santé) et service web."""
    from esante.cli.sandbox import demo_lock

    settings = _settings(host, port)
    with demo_lock(settings.ensure_home()):
        _demo(settings, port, seed)


def _demo(settings: Settings, port: int | None, seed: int) -> None:
    revision = prepare_database(settings)
    typer.echo(f"Base de données prête : {_database_label(settings)} (révision {revision}).")

    report = load_demo_data(settings, seed)
    typer.echo(
        f"Données de démonstration : {report.structures_created} structure(s), "
        f"{report.practitioners_created} professionnel(s), {report.patients_created} "
        f"patient(s) créés ; {report.already_present} déjà présents."
    )

    from esante.cli.sandbox import mss_addresses
    from esante.sandbox.runtime import SandboxOptions, start_sandbox
    from esante.web import bind, bind_first_free, bound_port, create_app, run

    sandbox_dir = settings.sandbox or settings.home / "sandbox"
    sandbox = start_sandbox(SandboxOptions(directory=sandbox_dir, host=settings.host))
    manifest = sandbox.manifest
    if sandbox.seeded is not None:
        typer.echo(
            f"Bac à sable prêt : {sandbox.seeded.created} DMP de démonstration créés ; "
            f"{sandbox.seeded.already_present} déjà présents."
        )
    sandbox_addresses = [("DMP (bac à sable, TLS mutuel)", manifest.dmp.base_url)]
    if manifest.mes_url:
        sandbox_addresses.append(("Mon espace santé (patients)", manifest.mes_url))
    sandbox_addresses.extend(mss_addresses(manifest))
    sandbox_addresses.append(("ESANTE_SANDBOX", str(manifest.directory.resolve())))

    background = BackgroundWorker(settings, manifest.directory)
    background.start()
    typer.echo(
        "Envois automatiques : worker démarré (délai avant envoi "
        f"{settings.deferral_seconds} s, ESANTE_DEFERRAL_SECONDS)."
    )

    wanted = 0 if port == 0 else settings.port
    sock = bind_first_free(settings.host, wanted) if wanted else bind(settings.host, 0)
    actual = bound_port(sock)
    if wanted and actual != wanted:
        typer.echo(f"Le port {wanted} est occupé : la démo utilise le port {actual}.")
    base = f"http://{settings.host}:{actual}"
    from esante.cli.demo import account_lines, demo_secretary, with_sandbox_psc

    signing_in = with_sandbox_psc(settings, manifest, actual)
    secretary = demo_secretary(settings, demo_dataset(seed))
    app = create_app(signing_in)
    announcement = Announcement(
        f"esante démo prête : {base}",
        _service_addresses(base) + sandbox_addresses,
        mailbox_lines(manifest)
        + account_lines(base, sandbox.psc, secretary, psc_ours=not settings.psc_configured),
    )
    try:
        run(app, sock, on_ready=announcement.print)
    finally:
        background.close()
        sandbox.close()
    typer.echo("Démo arrêtée.")
