"""The SOAP transport protocol, the in-process transport, and :func:`send`.

A transport has one method, ``handle(request) -> response`` (the shape of httpx's
transports): the DMP client depends on that protocol, not on the network. Two
implementations ship:

* :class:`~esante.transport.https.HttpsTransport` — mutual TLS over the network (httpx);
* :class:`InProcessTransport` — calls a handler passed in, with the very bytes the HTTPS
  transport would send (same codec). Unit tests inject the sandbox's handler here; the
  transport never imports the sandbox.

``handle`` returns SOAP faults as responses (like an HTTP client returns 4xx); :func:`send`
is the usual entry point and raises them as typed errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from esante.transport.limits import MessageLimits
from esante.transport.messages import (
    SoapRequest,
    SoapResponse,
    WireRequest,
    WireResponse,
    decode_response,
    encode_request,
)

WireHandler = Callable[[WireRequest], WireResponse]
"""A server-side function: an HTTP request (URL, Content-Type, bytes) in, a response out."""


@runtime_checkable
class SoapTransport(Protocol):
    """Anything that can exchange one SOAP request for one SOAP response."""

    def handle(self, request: SoapRequest) -> SoapResponse:
        """Send ``request`` and return the response (a fault is returned, not raised).

        Raises :class:`~esante.transport.errors.TransportError` subclasses for failures
        below SOAP (network, TLS, HTTP status without SOAP body, malformed message).
        """
        ...


class InProcessTransport:
    """A transport that hands the encoded request to ``handler`` in the same process."""

    def __init__(self, handler: WireHandler, *, limits: MessageLimits | None = None):
        self._handler = handler
        self._limits = limits or MessageLimits()

    def handle(self, request: SoapRequest) -> SoapResponse:
        wire = encode_request(request)
        return decode_response(self._handler(wire), limits=self._limits)

    def close(self) -> None:
        """Nothing to release (present for symmetry with the HTTPS transport)."""


def send(transport: SoapTransport, request: SoapRequest) -> SoapResponse:
    """Send ``request`` through ``transport``; raise SOAP faults as typed errors.

    Raises :class:`~esante.transport.errors.SenderFaultError` (permanent) or
    :class:`~esante.transport.errors.ReceiverFaultError` (transient) for a fault, and whatever
    the transport raises for lower-level failures.
    """
    return transport.handle(request).raise_for_fault()
