"""The transport branch of the exception tree, split by what the caller should do next.

A send order (outbox) needs one answer from a failed exchange: *try again later* or
*stop and tell someone*. The tree encodes that answer in its two branches, so a retry
policy is a single ``isinstance(exc, TransientError)``::

    EsanteError
     └── TransportError                  (esante.transport) an exchange failed
          ├── TransientError             worth retrying as is, later
          │    ├── NetworkError          unreachable or connection lost (refused, DNS, reset)
          │    ├── TransportTimeoutError connect / read / write / pool timeout
          │    ├── ServerError           HTTP 5xx (or 408/429) without a SOAP fault
          │    └── ReceiverFaultError    soap:Receiver (also a SoapFaultError)
          └── PermanentError             retrying the same message cannot succeed
               ├── TlsError              handshake refused, certificate rejected, bad key files
               ├── HttpError             HTTP 4xx without a SOAP fault
               ├── MessageError          malformed: MIME, XML, SOAP structure, size limits
               ├── SenderFaultError      soap:Sender, MustUnderstand... (also a SoapFaultError)
               └── RemoteRejectionError  the service answered and refused (error codes)

``SoapFaultError`` is the common base of :class:`SenderFaultError` and
:class:`ReceiverFaultError` (``except SoapFaultError`` catches both); it carries the parsed
:class:`~esante.transport.soap.Fault`.
Third-party exceptions (httpx, ssl, lxml) are wrapped at the boundary and chained with
``raise ... from``. ``message`` is French (shown to the clinician); ``detail`` is technical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esante.errors import EsanteError

if TYPE_CHECKING:
    from esante.transport.soap import Fault


class TransportError(EsanteError):
    """An exchange with a remote service failed (network, TLS, HTTP, SOAP or MIME)."""


class TransientError(TransportError):
    """A failure that may disappear by itself: retry the same message later."""


class PermanentError(TransportError):
    """A failure that retrying the same message cannot fix."""


class NetworkError(TransientError):
    """The service could not be reached or the connection broke (refused, reset, unknown host)."""


class TransportTimeoutError(TransientError):
    """The service did not answer in time (connect, read, write or pool timeout)."""


class ServerError(TransientError):
    """The service answered with an HTTP server error and no SOAP fault."""

    def __init__(
        self, message: str, *, status_code: int, detail: str | None = None, field: str | None = None
    ):
        super().__init__(message, detail=detail, field=field)
        self.status_code = status_code


class TlsError(PermanentError):
    """The TLS handshake failed or the TLS material (certificate, key, CA) is unusable."""


class HttpError(PermanentError):
    """The service answered with an HTTP client error (4xx) and no SOAP fault."""

    def __init__(
        self, message: str, *, status_code: int, detail: str | None = None, field: str | None = None
    ):
        super().__init__(message, detail=detail, field=field)
        self.status_code = status_code


class MessageError(PermanentError):
    """A message is malformed: MIME structure, XML, SOAP envelope, XOP reference or size."""


class SoapFaultError(TransportError):
    """The service answered with a SOAP fault; ``fault`` holds its code, reason and detail."""

    def __init__(self, message: str, *, fault: Fault, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.fault = fault


class SenderFaultError(SoapFaultError, PermanentError):
    """soap:Sender (or VersionMismatch, MustUnderstand...): our message is at fault."""


class ReceiverFaultError(SoapFaultError, TransientError):
    """soap:Receiver: the service failed to process a message that may be correct."""


class RemoteRejectionError(PermanentError):
    """The service processed the request and refused it; ``codes`` are its error codes."""

    def __init__(
        self,
        message: str,
        *,
        codes: tuple[str, ...] = (),
        detail: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, detail=detail, field=field)
        self.codes = codes
