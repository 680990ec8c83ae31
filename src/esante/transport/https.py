"""SOAP over HTTPS with mutual TLS (httpx): the transport that talks to the real DMP.

The exchange is one HTTP POST (SOAP 1.2 HTTP binding, §7.4 request-response). This module
is the boundary where httpx and ssl exceptions become esante errors, classified for the
retry policy:

=======================================  ===========================  =========
failure                                  esante error                 retry
=======================================  ===========================  =========
connect / read / write / pool timeout    TransportTimeoutError             yes
refused, reset, DNS, protocol breakage   NetworkError                 yes
TLS alert, certificate rejected          TlsError                     no
HTTP 5xx / 408 / 429 without SOAP        ServerError                  yes
HTTP 4xx without SOAP                    HttpError                    no
body over the size limit, bad MIME/XML   MessageError                 no
=======================================  ===========================  =========

The body is read as a stream and cut off at :class:`MessageLimits` ``max_message_bytes``.
Environment proxies are ignored unless ``trust_env=True``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from types import TracebackType

import httpx

from esante import __version__
from esante.transport.errors import (
    MessageError,
    NetworkError,
    TlsError,
    TransportError,
    TransportTimeoutError,
)
from esante.transport.limits import MessageLimits
from esante.transport.messages import (
    SoapRequest,
    SoapResponse,
    WireResponse,
    decode_response,
    encode_request,
)
from esante.transport.tls import TlsConfig, client_ssl_context


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for each phase of an exchange."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 10.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class HttpsTransport:
    """POST SOAP messages over mutual TLS. Use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        tls: TlsConfig | ssl.SSLContext,
        *,
        timeouts: Timeouts | None = None,
        limits: MessageLimits | None = None,
        trust_env: bool = False,
    ):
        context = tls if isinstance(tls, ssl.SSLContext) else client_ssl_context(tls)
        self._limits = limits or MessageLimits()
        self._client = httpx.Client(
            verify=context,
            timeout=(timeouts or Timeouts()).to_httpx(),
            trust_env=trust_env,
            follow_redirects=False,
            headers={"User-Agent": f"esante/{__version__}"},
        )

    def handle(self, request: SoapRequest) -> SoapResponse:
        """POST ``request``; see the module table for the errors raised."""
        if not request.url.lower().startswith("https://"):
            raise TlsError(
                "L'adresse du service doit être en https.",
                detail=f"refusing to send a SOAP request over {request.url!r}",
                field="url",
            )
        wire = encode_request(request)
        try:
            with self._client.stream(
                "POST",
                wire.url,
                content=wire.body,
                headers={"Content-Type": wire.content_type, **wire.headers},
            ) as response:
                body = self._read_body(response)
                status = response.status_code
                content_type = response.headers.get("content-type", "")
        except httpx.TimeoutException as exc:
            raise TransportTimeoutError(
                "Le service distant ne répond pas (délai dépassé).",
                detail=f"{type(exc).__name__} on {_where(wire.url)}",
            ) from exc
        except httpx.TransportError as exc:
            raise classify_network_error(exc, wire.url) from exc
        return decode_response(
            WireResponse(status_code=status, content_type=content_type, body=body),
            limits=self._limits,
        )

    def _read_body(self, response: httpx.Response) -> bytes:
        limit = self._limits.max_message_bytes
        announced = response.headers.get("content-length")
        if announced and announced.isdigit() and int(announced) > limit:
            raise _too_large(int(announced), limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(size, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpsTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def classify_network_error(exc: BaseException, url: str) -> TransportError:
    """The esante error for an httpx transport failure (TLS refusal vs network trouble)."""
    ssl_error = _ssl_cause(exc)
    where = _where(url)
    if ssl_error is not None and not isinstance(
        ssl_error, ssl.SSLEOFError | ssl.SSLZeroReturnError
    ):
        return TlsError(
            "Connexion sécurisée (TLS) refusée : vérifiez le certificat de la structure "
            "et l'autorité de confiance.",
            detail=f"{type(ssl_error).__name__} on {where}: {ssl_error}",
        )
    return NetworkError(
        "Le service distant est injoignable.",
        detail=f"{type(exc).__name__} on {where}: {exc}",
    )


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _where(url: str) -> str:
    # Host and path only: a query string could carry identifiers that must not be logged.
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or 443}{parsed.path}"


def _too_large(size: int, limit: int) -> MessageError:
    return MessageError(
        f"Réponse trop volumineuse ({size} octets, maximum {limit}).",
        detail=f"response body exceeds max_message_bytes={limit}",
    )
