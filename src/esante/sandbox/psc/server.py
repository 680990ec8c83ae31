"""The Pro Santé Connect sandbox served on loopback, and the function that starts it.

:class:`PscServer` runs :func:`~esante.sandbox.psc.app.create_psc_app` under uvicorn in a
background thread, on a socket bound beforehand by the caller (the sandbox runtime's
``bind``: a busy port is a clear error there). :func:`start_psc` prepares the realm
kept in a directory and starts it.

Plain HTTP by default, like the sandbox's other browser-facing page (Mon espace santé):
the sign-in pages are opened by a clinician's browser, which does not trust the
sandbox's test CA, and everything stays on this machine. Pass ``tls`` (the sandbox's
server certificate and key, SAN ``localhost`` / ``127.0.0.1``) to serve HTTPS as the
real PSC does; clients then verify the server with the sandbox CA. uvicorn's access
log stays off (authorization URLs carry ``state`` and ``nonce``, redirects carry codes).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

from esante.demo import DemoDataset
from esante.sandbox.asgi_thread import AsgiThread
from esante.sandbox.psc.app import create_psc_app
from esante.sandbox.psc.errors import PscError
from esante.sandbox.psc.realm import DISCOVERY_PATH, issuer
from esante.sandbox.psc.state import PscState
from esante.sandbox.psc.store import Clock, Lifetimes

PSC_DIRECTORY = "psc"


@dataclass(frozen=True)
class TlsFiles:
    """The server certificate (PEM, chain allowed) and its private key."""

    certificate: Path
    key: Path


class PscServer:
    """The realm of ``state`` on ``sock`` (already bound); :meth:`start`, then :meth:`close`.

    ``base_url`` is ``http(s)://host:port``; ``issuer`` and ``discovery_url`` follow
    from it. The server owns ``sock``: :meth:`close` closes it.
    """

    def __init__(self, state: PscState, sock: socket.socket, *, tls: TlsFiles | None = None):
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self.state = state
        self.tls = tls
        self.base_url = f"{'https' if tls else 'http'}://{shown}:{port}"
        self.issuer = issuer(self.base_url)
        self.discovery_url = f"{self.base_url}{DISCOVERY_PATH}"
        self._serving = AsgiThread(
            create_psc_app(state, self.base_url),
            sock,
            name="psc",
            certificate=tls.certificate if tls else None,
            key=tls.key if tls else None,
        )

    def start(self) -> None:
        """Start serving; raises :class:`PscError` if it is not up in time."""
        self._serving.start(
            lambda: PscError(
                "Le Pro Santé Connect du bac à sable n'a pas démarré.",
                detail=f"uvicorn not started on {self.base_url}",
            )
        )

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._serving.close()


def start_psc(
    directory: Path,
    sock: socket.socket,
    *,
    tls: TlsFiles | None = None,
    dataset: DemoDataset | None = None,
    clock: Clock = time.time,
    lifetimes: Lifetimes | None = None,
) -> PscServer:
    """Prepare the realm kept in ``directory`` (made at first start) and serve it on
    ``sock``. Raises :class:`PscError` (files unreadable, server not started); ``sock``
    is closed on failure."""
    try:
        state = PscState.prepare(directory, dataset=dataset, clock=clock, lifetimes=lifetimes)
        server = PscServer(state, sock, tls=tls)
    except BaseException:
        sock.close()
        raise
    server.start()
    return server
