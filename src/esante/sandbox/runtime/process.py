"""Start and stop the sandbox: PKI, database, demo DMPs, the DMP over mutual TLS, sandbox.json.

:func:`start_sandbox` prepares ``DIR`` and starts the services in background threads:

1. the test PKI in ``DIR/pki`` (CA, sandbox server certificate, the structure's
   authentication and signature certificates — :func:`esante.trust.generate_test_pki`),
   created once and reused;
2. the DMP database (``--db URL``, default SQLite ``DIR/dmp.db``), migrated to the
   latest schema, seeded with the demo patients' DMPs;
3. the DMP on loopback (a free port unless one is given) with mutual TLS: TLS 1.2
   (the DMP's maximum), the DMP's cipher suites, a client certificate issued by the
   sandbox CA required;
4. the Mon espace santé patient page (``mes``) and the MSSanté operator (``mss``): SMTP
   submission with STARTTLS and IMAP over TLS (:mod:`~esante.sandbox.runtime.mss_server`),
   its demo mailboxes, their passwords, certificates and access tokens kept in
   ``DIR/mss`` (:mod:`esante.sandbox.mss`);
5. Pro Santé Connect (``psc``, :mod:`esante.sandbox.psc`): the OpenID Connect provider
   of the demo professionals on PSC's realm paths, plain HTTP on loopback (its sign-in
   pages are opened by a browser), its key and clients kept in ``DIR/psc``;
6. the INSi teleservice (``insi``, :mod:`esante.sandbox.insi`): SOAP 1.2 over mutual
   TLS (a client certificate of the sandbox CA required), answering from the demo
   dataset and its special identities;
7. once a TLS request with the client certificate has been answered, ``DIR/sandbox.json``
   (:mod:`~esante.sandbox.runtime.manifest`) tells clients where everything is.

One sandbox per directory: ``DIR/sandbox.lock`` (:mod:`~esante.sandbox.runtime.lock`) is
held from the start to :meth:`RunningSandbox.close`; a second start in the same
directory is refused with the pid of the one running. Each service listens on the port
it had at the previous start when that port is free (``DIR/ports.json``,
:mod:`~esante.sandbox.runtime.ports`), unless a port is given.

:meth:`RunningSandbox.close` stops the servers (requests in progress finish), releases
the database and removes ``sandbox.json``. :func:`run_sandbox` does all of it in the
foreground until SIGINT or SIGTERM.

Kit mode (``kit_mode=True``, ``--accept-foreign-signatures``) accepts the official DMP
messages' foreign — and in part broken — signatures: see
:mod:`esante.sandbox.dmp.soap.security`. It is announced loudly in the log and in
``sandbox.json``.
"""

from __future__ import annotations

import gc
import http.client
import logging
import os
import secrets
import signal
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from esante.sandbox.directory import DirectoryServer
from esante.sandbox.dmp import (
    REPOSITORY_UNIQUE_ID,
    make_engine,
    session_factory,
    upgrade,
)
from esante.sandbox.dmp.http import DmpHttpApp
from esante.sandbox.dmp.soap import DEFAULT_BASE_PATH, EndpointOptions
from esante.sandbox.insi import InsiHttpApp
from esante.sandbox.mss import DEFAULT_MAX_MESSAGE_BYTES, MssOperator, OperatorOptions
from esante.sandbox.psc import PSC_DIRECTORY, PscServer, start_psc
from esante.sandbox.runtime.errors import SandboxRuntimeError
from esante.sandbox.runtime.lock import ProcessLock
from esante.sandbox.runtime.manifest import (
    ClientPki,
    DirectoryService,
    DmpService,
    InsiService,
    MssMailboxEntry,
    MssService,
    PscService,
    SandboxManifest,
    now_utc,
    remove_manifest,
    write_manifest,
)
from esante.sandbox.runtime.mes_server import MesServer
from esante.sandbox.runtime.mss_server import MssServer, mss_tls_context
from esante.sandbox.runtime.ports import bind_preferred, read_ports, write_ports
from esante.sandbox.runtime.seeding import SeedReport, seed_demo
from esante.sandbox.runtime.server import (
    HttpApp,
    HttpRequest,
    HttpResponse,
    HttpsServer,
    bind,
)
from esante.sandbox.runtime.workers import WorkerPool
from esante.transport import TlsConfig, WireRequest, client_ssl_context, server_ssl_context
from esante.trust import Pki, PkiError, generate_test_pki, load_certificate, load_pki

logger = logging.getLogger("esante.sandbox")

PKI_DIRECTORY = "pki"
DATABASE_FILE = "dmp.db"
MSS_DIRECTORY = "mss"
LOCK_FILE = "sandbox.lock"


@dataclass(frozen=True)
class SandboxOptions:
    """How to start the sandbox (see :func:`start_sandbox`)."""

    directory: Path
    dmp_port: int = 0
    database_url: str | None = None
    host: str = "127.0.0.1"
    kit_mode: bool = False
    seed_demo: bool = True
    base_path: str = DEFAULT_BASE_PATH
    max_connections: int = 256
    workers: int = 1
    mes: bool = True
    mes_port: int = 0
    mss: bool = True
    smtp_port: int = 0
    imap_port: int = 0
    mss_max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    mss_auto_mdn: bool = True
    annuaire: bool = True
    annuaire_port: int = 0
    psc: bool = True
    psc_port: int = 0
    insi: bool = True
    insi_port: int = 0

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.directory / DATABASE_FILE).resolve()}"


def dmp_http(app: DmpHttpApp) -> HttpApp:
    """The DMP application behind the HTTPS server (request → wire → answer)."""

    def serve(request: HttpRequest) -> HttpResponse:
        wire = WireRequest(
            url=request.path,
            content_type=request.content_type,
            body=request.body,
            headers=request.headers,
        )
        answer = app.handle(request.method, wire, request.peer_certificate)
        return HttpResponse(answer.status_code, answer.content_type, answer.body)

    return serve


def ensure_pki(directory: Path, on_step: Callable[[str], None] | None = None) -> Pki:
    """The sandbox PKI of ``directory`` (created on first start)."""
    target = directory / PKI_DIRECTORY
    try:
        return load_pki(target)
    except PkiError:
        if (target / "pki.json").exists():
            raise
    return generate_test_pki(target, on_step=on_step)


class RunningSandbox:
    """A started sandbox; :meth:`close` (or ``with``) stops it."""

    def __init__(
        self,
        manifest: SandboxManifest,
        server: HttpsServer,
        engine: Engine,
        app: DmpHttpApp,
        seeded: SeedReport | None,
        workers: WorkerPool | None = None,
        mes: MesServer | None = None,
        mss: MssServer | None = None,
        annuaire: DirectoryServer | None = None,
        lock: ProcessLock | None = None,
        psc: PscServer | None = None,
        insi: HttpsServer | None = None,
    ):
        self.manifest = manifest
        self.psc = psc
        self.insi = insi
        self.lock = lock
        self.annuaire = annuaire
        self.server = server
        self.engine = engine
        self.app = app
        self.seeded = seeded
        self.workers = workers
        self.mes = mes
        self.mss = mss
        self._closed = False

    def close(self) -> None:
        """Stop the services, release the database, remove ``sandbox.json``, then let
        another sandbox start in the directory."""
        if self._closed:
            return
        self._closed = True
        try:
            remove_manifest(self.manifest.directory)
            if self.workers is not None:
                self.workers.close()
            if self.mes is not None:
                self.mes.close()
            if self.mss is not None:
                self.mss.close()
            if self.annuaire is not None:
                self.annuaire.close()
            if self.psc is not None:
                self.psc.close()
            if self.insi is not None:
                self.insi.close()
            self.server.close()
        finally:
            self.engine.dispose()
            if self.lock is not None:
                self.lock.release()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_sandbox(
    options: SandboxOptions, *, on_step: Callable[[str], None] | None = None
) -> RunningSandbox:
    """Start the sandbox in background threads (see the module docstring).

    ``on_step`` receives a French description of each step (for progress output).
    Raises :class:`~esante.sandbox.runtime.errors.PortUnavailableError`,
    :class:`~esante.sandbox.dmp.SandboxDatabaseError`, :class:`esante.trust.PkiError` or
    :class:`SandboxRuntimeError` when the server does not answer its readiness check or
    when a sandbox already runs in the directory.
    """

    def step(text: str) -> None:
        if on_step is not None:
            on_step(text)

    directory = options.directory
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxRuntimeError(
            f"Impossible de créer le répertoire du bac à sable {directory}.",
            detail=str(exc),
            field=str(directory),
        ) from exc
    lock = lock_directory(directory)
    try:
        return _start(options, lock, step)
    except BaseException:
        lock.release()
        raise


def lock_directory(directory: Path) -> ProcessLock:
    """Hold ``DIR/sandbox.lock``; raises :class:`SandboxRuntimeError` (French, with the pid)
    when a sandbox already runs in ``directory``."""
    lock = ProcessLock(directory / LOCK_FILE)
    if lock.acquire():
        return lock
    pid = lock.holder()
    who = f" (processus {pid})" if pid else ""
    raise SandboxRuntimeError(
        f"Un bac à sable tourne déjà dans {directory}{who}. Utilisez-le (export "
        f"ESANTE_SANDBOX={directory.resolve()}) ou arrêtez-le d'abord (Ctrl+C dans son "
        "terminal) ; pour un second bac à sable, choisissez un autre répertoire.",
        detail=f"{directory / LOCK_FILE} is locked by pid {pid}",
        field=str(directory),
    )


def _start(
    options: SandboxOptions, lock: ProcessLock, step: Callable[[str], None]
) -> RunningSandbox:
    directory = options.directory
    step("PKI de test")
    pki = ensure_pki(directory)
    step("Base de données du DMP")
    engine = make_engine(options.effective_database_url)
    remembered = read_ports(directory)
    ports: dict[str, int] = {}

    def listen(service: str, asked: int) -> socket.socket:
        sock = bind_preferred(options.host, asked, remembered.get(service))
        ports[service] = int(sock.getsockname()[1])
        return sock

    sock: socket.socket | None = None
    workers: WorkerPool | None = None
    server: HttpsServer | None = None
    mes: MesServer | None = None
    mss: MssServer | None = None
    annuaire: DirectoryServer | None = None
    psc: PscServer | None = None
    insi: HttpsServer | None = None
    # as strict as the INSi: the professional's assertion signed by a certificate of the
    # sandbox's CA (kit mode reads, unverified, the kit's foreign signatures)
    insi_app = InsiHttpApp(
        trusted_cas=(load_certificate(pki.ca.certificate),), kit_mode=options.kit_mode
    )
    annuaire_key = ""
    try:
        upgrade(engine)
        sessions = session_factory(engine)
        seeded = None
        if options.seed_demo:
            step("DMP des patients de démonstration")
            with sessions() as session:
                seeded = seed_demo(session)
        if options.kit_mode:
            logger.warning(
                "KIT MODE: foreign and unverifiable VIHF/XAdES signatures are accepted. "
                "For replaying the official DMP messages only."
            )
        step("Service DMP (TLS mutuel)")
        sock = listen("dmp", options.dmp_port)
        if options.workers > 1:
            workers = WorkerPool(options, sock, options.workers - 1)
        app, server = dmp_server(options, pki, sessions, sock)
        server.start()
        if workers is not None:
            step("Processus de service supplémentaires")
            workers.wait_ready()
        if options.mes:
            step("Page Mon espace santé")
            mes = MesServer(sessions, listen("mes", options.mes_port))
            mes.start()
        if options.mss:
            step("Messagerie MSSanté (SMTP, IMAP)")
            mss = mss_server(options, pki, listen)
            mss.start()
        if options.annuaire:
            step("Annuaire Santé (API FHIR)")
            annuaire_key = directory_api_key(directory)
            annuaire = DirectoryServer(
                listen("annuaire", options.annuaire_port), api_key=annuaire_key
            )
            annuaire.start()
        if options.psc:
            step("Pro Santé Connect (OpenID Connect)")
            psc = start_psc(directory / PSC_DIRECTORY, listen("psc", options.psc_port))
        if options.insi:
            step("Téléservice INSi (TLS mutuel)")
            insi = insi_server(options, pki, insi_app, listen("insi", options.insi_port))
            insi.start()
    except BaseException:
        if insi is not None:
            insi.close()
        if psc is not None:
            psc.close()
        if annuaire is not None:
            annuaire.close()
        if mss is not None:
            mss.close()
        if mes is not None:
            mes.close()
        if workers is not None:
            workers.close()
        if server is not None:
            server.close()
        elif sock is not None:
            sock.close()
        engine.dispose()
        raise
    base_url = f"{server.url}{app.base_path}"
    manifest = SandboxManifest(
        directory=directory,
        pid=os.getpid(),
        started=now_utc(),
        kit_mode=options.kit_mode,
        dmp=DmpService(
            base_url=base_url,
            database=options.effective_database_url,
            repository_unique_id=REPOSITORY_UNIQUE_ID,
        ),
        pki=client_pki(pki),
        mes_url=mes.url if mes is not None else None,
        mss=mss_service(mss, pki) if mss is not None else None,
        annuaire=DirectoryService(annuaire.url, annuaire_key) if annuaire else None,
        psc=psc_service(psc) if psc is not None else None,
        insi=InsiService(f"{insi.url}{insi_app.path}") if insi is not None else None,
    )
    running = RunningSandbox(
        manifest,
        server,
        engine,
        app,
        seeded,
        workers,
        mes,
        mss,
        annuaire=annuaire,
        lock=lock,
        psc=psc,
        insi=insi,
    )
    try:
        _check_ready(manifest, app.base_path)
        write_ports(directory, ports)
        write_manifest(manifest)
    except BaseException:
        running.close()
        raise
    return running


def directory_api_key(directory: Path) -> str:
    """The sandbox directory's API key (``ESANTE-API-KEY``), made at first start and kept
    in ``DIR/annuaire-api-key`` (mode 600): never a fixed, committed value."""
    path = directory / "annuaire-api-key"
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(24)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(key + "\n")
        return key


def dmp_server(
    options: SandboxOptions, pki: Pki, sessions: sessionmaker[Session], sock: socket.socket
) -> tuple[DmpHttpApp, HttpsServer]:
    """The DMP application and its (not yet started) HTTPS server on ``sock``."""
    app = DmpHttpApp(
        sessions,
        EndpointOptions(
            trusted_cas=(load_certificate(pki.ca.certificate),),
            kit_mode=options.kit_mode,
        ),
        base_path=options.base_path,
    )
    context = server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate,
            certificate=pki.server.certificate,
            key=pki.server.key,
            maximum_version=ssl.TLSVersion.TLSv1_2,
        )
    )
    server = HttpsServer(dmp_http(app), context, sock=sock, max_connections=options.max_connections)
    return app, server


def mss_server(
    options: SandboxOptions,
    pki: Pki,
    listen: Callable[[str, int], socket.socket] | None = None,
) -> MssServer:
    """The MSSanté operator (kept in ``DIR/mss``) and its (not yet started) servers;
    ``listen(service, port)`` binds their sockets (default: :func:`bind`)."""
    listen = listen or (lambda _service, port: bind(options.host, port))
    operator = MssOperator.prepare(
        options.directory / MSS_DIRECTORY,
        ca=pki.ca,
        options=OperatorOptions(
            max_message_bytes=options.mss_max_message_bytes, auto_mdn=options.mss_auto_mdn
        ),
    )
    smtp_sock = listen("smtp", options.smtp_port)
    try:
        imap_sock = listen("imap", options.imap_port)
    except BaseException:
        smtp_sock.close()
        raise
    return MssServer(operator, smtp_sock, imap_sock, mss_tls_context(pki))


def mss_service(server: MssServer, pki: Pki) -> MssService:
    """What ``sandbox.json`` says of the MSSanté operator."""
    operator = server.operator
    entries = []
    for mailbox in operator.directory.mailboxes():
        certificate = mailbox.certificate
        entries.append(
            MssMailboxEntry(
                address=mailbox.address,
                kind=mailbox.kind.value,
                display_name=mailbox.display_name,
                imap_user=mailbox.imap_user,
                password=mailbox.password,
                certificate=certificate.certificate if certificate else None,
                key=certificate.key if certificate else None,
                access_token=operator.access_token(mailbox.address),
                access_token_expires=operator.access_token_expiry(mailbox.address),
                id_nat_ps=mailbox.id_nat_ps,
                id_nat_struct=mailbox.id_nat_struct,
                patient_ins=mailbox.patient_ins,
            )
        )
    return MssService(
        smtp_host=str(server.smtp_host),
        smtp_port=int(server.smtp_port),
        imap_host=str(server.imap_host),
        imap_port=int(server.imap_port),
        ca=pki.ca.certificate,
        max_message_bytes=operator.options.max_message_bytes,
        auto_mdn=operator.options.auto_mdn,
        token_issuer=operator.tokens.issuer,
        token_public_key=operator.public_key,
        mailboxes=tuple(entries),
    )


def insi_http(app: InsiHttpApp) -> HttpApp:
    """The INSi application behind the HTTPS server (request → wire → answer)."""

    def serve(request: HttpRequest) -> HttpResponse:
        wire = WireRequest(
            url=request.path,
            content_type=request.content_type,
            body=request.body,
            headers=request.headers,
        )
        path = request.path.split("?", 1)[0]
        answer = app.handle(request.method, path, wire, request.peer_certificate)
        return HttpResponse(answer.status_code, answer.content_type, answer.body)

    return serve


def insi_server(
    options: SandboxOptions, pki: Pki, app: InsiHttpApp, sock: socket.socket
) -> HttpsServer:
    """The INSi teleservice's (not yet started) HTTPS server on ``sock``: mutual TLS with
    a client certificate of the sandbox CA."""
    context = server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate,
            certificate=pki.server.certificate,
            key=pki.server.key,
        )
    )
    return HttpsServer(
        insi_http(app),
        context,
        sock=sock,
        max_connections=options.max_connections,
        max_body_bytes=256 * 1024,
    )


def psc_service(server: PscServer) -> PscService:
    """What ``sandbox.json`` says of Pro Santé Connect (esante's client included)."""
    client = server.state.esante_client()
    if client is None:  # registered by PscState.prepare at first start
        raise SandboxRuntimeError(
            "Le client esante de Pro Santé Connect est introuvable.",
            detail=f"no esante client in {server.state.directory}",
        )
    return PscService(
        issuer=server.issuer,
        discovery_url=server.discovery_url,
        client_id=client.client_id,
        client_secret=client.client_secret,
    )


def client_pki(pki: Pki) -> ClientPki:
    """What a client of the sandbox needs of its PKI."""
    return ClientPki(
        directory=pki.directory,
        ca=pki.ca.certificate,
        authentication_certificate=pki.authentication.certificate,
        authentication_key=pki.authentication.key,
        signature_certificate=pki.signature.certificate,
        signature_key=pki.signature.key,
        structure_id=pki.structure_id,
        structure_name=pki.structure_name,
    )


def _check_ready(manifest: SandboxManifest, path: str) -> None:
    """A GET over mutual TLS with the client certificate must answer 200."""
    context = client_ssl_context(
        TlsConfig(
            ca_bundle=manifest.pki.ca,
            certificate=manifest.pki.authentication_certificate,
            key=manifest.pki.authentication_key,
        )
    )
    parts = urlsplit(manifest.dmp.base_url)
    connection = http.client.HTTPSConnection(
        parts.hostname or "127.0.0.1", parts.port, context=context, timeout=10
    )
    try:
        connection.request("GET", path)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        raise SandboxRuntimeError(
            "Le service DMP du bac à sable ne répond pas à son contrôle de démarrage.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    finally:
        connection.close()
    if status != 200:
        raise SandboxRuntimeError(
            "Le service DMP du bac à sable ne répond pas à son contrôle de démarrage.",
            detail=f"GET {path} answered HTTP {status}",
        )


def tune_garbage_collector() -> None:
    """GC settings for a long-running sandbox process (call once it has started).

    A search answers hundreds of ORM rows and entries: with the default thresholds the
    cyclic collector runs full collections over every object of the process during
    requests (pauses of 50-100 ms). Freezing what start-up allocated and collecting
    the young generation less often removes those pauses (measured in
    ``bench/dmp_sandbox.py``).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def run_sandbox(
    options: SandboxOptions,
    *,
    on_step: Callable[[str], None] | None = None,
    on_ready: Callable[[RunningSandbox], None] | None = None,
) -> None:
    """Start the sandbox and serve in the foreground until SIGINT or SIGTERM."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, request_stop)
    try:
        with start_sandbox(options, on_step=on_step) as running:
            tune_garbage_collector()
            if on_ready is not None:
                on_ready(running)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
