"""The DMP sandbox as an HTTP application: SOAP in, the DMP's answer out.

:class:`DmpHttpApp` answers one HTTP request (method, URL, Content-Type, bytes, and the
TLS client certificate of the connection) the way the DMP does, in this order:

1. route: ``POST <base>/patients|habilitations|registry|repository`` (``GET <base>`` and
   ``GET /health`` answer ``ok`` for readiness checks; anything else 404/405);
2. trouble on demand, read from the sandbox database at most once a second so that
   ``esante sandbox dmp trouble|down|up`` changes a running server: ``latency_ms`` delays
   every answer, ``down`` answers HTTP 503 without SOAP, ``fail_rate`` answers a share
   of requests with a ``soap:Receiver`` fault (``XDSRegistryBusy``, HTTP 503);
3. decode the SOAP message (plain or MTOM, size-limited, hardened XML parser);
4. check the WS-Addressing action against the transaction table
   (:mod:`~esante.sandbox.dmp.soap.endpoints`) for this service;
5. authenticate the caller: VIHF verified and coherent with the TLS certificate
   (:mod:`~esante.sandbox.dmp.soap.security`);
6. run the transaction in a database session and encode its answer, with the
   WS-Addressing reply headers (``RelatesTo`` = the request's MessageID).

Steps 3-5 fail with SOAP faults (:mod:`~esante.sandbox.dmp.soap.faults`); business
refusals are answered by each transaction in its own terms. Database trouble is a
``soap:Receiver`` fault: the client will retry. An unexpected exception is logged with
its type and frames only (never its message, which could hold patient data) and
answered with a ``soap:Receiver`` fault that says nothing more.

:meth:`DmpHttpApp.wire_handler` gives the same application as a
:data:`esante.transport.WireHandler` bound to a client certificate, for the in-process
transport of unit tests.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from esante.errors import EsanteError
from esante.sandbox.dmp.errors import DmpRefusal, SandboxDatabaseError
from esante.sandbox.dmp.soap.endpoints import BY_ACTION, DEFAULT_BASE_PATH, SERVICES
from esante.sandbox.dmp.soap.exchange import EndpointOptions, Exchange
from esante.sandbox.dmp.soap.faults import (
    ACTION_NOT_SUPPORTED,
    ADDRESSING_HEADER_REQUIRED,
    MESSAGE_MALFORMED,
    DmpFault,
    fault_response,
    sandbox_code,
    soap_response,
)
from esante.sandbox.dmp.soap.security import TrustPolicy, authenticate
from esante.sandbox.dmp.troubles import TroubleSettings, load_troubles, trouble_for
from esante.transport import (
    MessageError,
    MessageLimits,
    WireHandler,
    WireRequest,
    WireResponse,
    decode_request,
)

logger = logging.getLogger("esante.sandbox.dmp")

TEXT = "text/plain; charset=utf-8"


def _text(status: int, text: str) -> WireResponse:
    return WireResponse(status_code=status, content_type=TEXT, body=text.encode("utf-8"))


@dataclass
class _TroubleCache:
    settings: TroubleSettings
    read_at: float


class DmpHttpApp:
    """The DMP sandbox's HTTP application (see the module docstring).

    ``sessions`` opens sessions on the sandbox database; ``options`` holds the trusted
    CAs, kit mode and the clock; ``base_path`` is where the four services live.
    At most ``max_concurrent`` requests are processed at a time (the simulated latency is
    waited outside that limit): the work is CPU-bound under the GIL, more threads would
    only add switching, and two let one compute while the other waits for the database
    (measured in ``bench/dmp_sandbox.py``; more processes, ``--workers``, use more cores).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        options: EndpointOptions,
        *,
        base_path: str = DEFAULT_BASE_PATH,
        limits: MessageLimits | None = None,
        trouble_refresh: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        max_concurrent: int = 2,
    ):
        self.sessions = sessions
        self.options = options
        self.base_path = "/" + base_path.strip("/")
        self.limits = limits or MessageLimits()
        self.policy = TrustPolicy(options.trusted_cas, options.kit_mode, options.clock)
        self._services = {f"{self.base_path}/{s}": s for s in SERVICES}
        self._trouble_refresh = trouble_refresh
        self._sleep = sleep
        self._troubles: _TroubleCache | None = None
        self._lock = threading.Lock()
        self._working = threading.BoundedSemaphore(max_concurrent)

    # --- entry points -------------------------------------------------------------------

    def handle(self, method: str, wire: WireRequest, peer: x509.Certificate | None) -> WireResponse:
        """Answer one HTTP request received on ``wire.url`` with this client certificate."""
        path = urlsplit(wire.url).path.rstrip("/") or "/"
        if method == "GET" and path in ("/health", self.base_path):
            return _text(200, "ok")
        service = self._services.get(path)
        if service is None:
            return _text(404, "Service inconnu du bac à sable DMP.")
        if method != "POST":
            return _text(405, "Méthode non prise en charge : POST attendu (SOAP).")
        settings = self.troubles()
        trouble = trouble_for(settings, self.options.rng)
        if trouble.delay_s > 0:
            self._sleep(trouble.delay_s)
        if settings.down:
            return _text(503, "Service DMP indisponible (panne simulée par le bac à sable).")
        if trouble.failure is not None:
            return fault_response(
                DmpFault(
                    "Le DMP est momentanément surchargé (échec simulé par le bac à sable).",
                    code="Receiver",
                    subcodes=(sandbox_code(trouble.failure.code.value),),
                    status=503,
                )
            )
        with self._working:
            return self._soap(service, wire, peer)

    def wire_handler(self, peer: x509.Certificate | None) -> WireHandler:
        """This application as a transport handler (POST) for a client with ``peer``."""

        def handler(wire: WireRequest) -> WireResponse:
            return self.handle("POST", wire, peer)

        return handler

    def troubles(self) -> TroubleSettings:
        """The trouble settings, read again when older than ``trouble_refresh`` seconds."""
        now = time.monotonic()
        cached = self._troubles
        if cached is not None and now - cached.read_at < self._trouble_refresh:
            return cached.settings
        with self._lock:
            try:
                with self.sessions() as session:
                    settings = load_troubles(session)
            except SQLAlchemyError:
                settings = cached.settings if cached is not None else TroubleSettings()
            self._troubles = _TroubleCache(settings, now)
            return settings

    def forget_troubles(self) -> None:
        """Read the trouble settings again at the next request (tests, admin in-process)."""
        self._troubles = None

    # --- the SOAP pipeline --------------------------------------------------------------

    def _soap(self, service: str, wire: WireRequest, peer: x509.Certificate | None) -> WireResponse:
        started = time.perf_counter()
        try:
            request = decode_request(wire, limits=self.limits)
        except MessageError as exc:
            return fault_response(
                DmpFault(exc.message, subcodes=(MESSAGE_MALFORMED,), detail=exc.detail)
            )
        addressing = request.envelope.addressing
        relates_to = addressing.message_id
        try:
            if not addressing.action:
                raise DmpFault(
                    "En-tête WS-Addressing Action absent.",
                    subcodes=(ADDRESSING_HEADER_REQUIRED,),
                    detail="no wsa:Action header",
                )
            endpoint = BY_ACTION.get(addressing.action)
            if endpoint is None or endpoint.service != service:
                raise DmpFault(
                    "Action non prise en charge par ce service du DMP.",
                    subcodes=(ACTION_NOT_SUPPORTED,),
                    detail=f"action {addressing.action[:200]!r} on service {service!r}",
                )
            caller = authenticate(request.envelope, peer, self.policy)
            with self.sessions() as session:
                answer = endpoint.handler(Exchange(request, caller, session, self.options))
        except DmpFault as fault:
            return fault_response(fault, relates_to=relates_to)
        except DmpRefusal as refusal:
            return fault_response(
                DmpFault(
                    refusal.message,
                    subcodes=(sandbox_code(refusal.code.value),),
                    detail=refusal.detail,
                ),
                relates_to=relates_to,
            )
        except (SandboxDatabaseError, SQLAlchemyError) as exc:
            logger.error("sandbox database failure: %s", type(exc).__name__)
            return fault_response(_unavailable(), relates_to=relates_to)
        except EsanteError as exc:
            return fault_response(
                DmpFault(exc.message, subcodes=(MESSAGE_MALFORMED,), detail=exc.detail),
                relates_to=relates_to,
            )
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            logger.error("DMP sandbox error %s\n%s", type(exc).__name__, frames)
            return fault_response(_internal(), relates_to=relates_to)
        response = soap_response(
            answer.payload,
            action=endpoint.response_action,
            relates_to=relates_to,
            attachments=answer.attachments,
            mtom=answer.mtom,
        )
        logger.debug("%s answered in %.1f ms", endpoint.td, (time.perf_counter() - started) * 1000)
        return response


def _unavailable() -> DmpFault:
    return DmpFault(
        "Le DMP est momentanément indisponible : réessayez plus tard.",
        code="Receiver",
        subcodes=(sandbox_code("XDSRegistryError"),),
    )


def _internal() -> DmpFault:
    return DmpFault(
        "Le DMP n'a pas pu traiter la demande (erreur interne du bac à sable).",
        code="Receiver",
        subcodes=(sandbox_code("XDSRegistryError"),),
    )
