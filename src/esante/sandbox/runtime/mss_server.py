"""The MSSanté operator's SMTP and IMAP servers, served by the sandbox process.

Both run on one asyncio event loop in a background thread, on loopback sockets bound
beforehand (so a busy port is a clear error, see :func:`~.server.bind`):

* SMTP submission (aiosmtpd, :class:`esante.sandbox.mss.SmtpHandler`), plain TCP with
  STARTTLS required before authentication — the sandbox server certificate, a client
  certificate asked for but optional;
* IMAP4rev1 (:class:`esante.sandbox.mss.ImapService`) over implicit TLS, same
  certificates.

TLS 1.2 or later with the suites of :mod:`esante.transport.tls`. :meth:`MssServer.close`
stops accepting, closes the open sessions and the loop. The aiosmtpd logger (``mail.log``)
is held at WARNING: at INFO it logs every sender and recipient address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
import weakref
from typing import Any

from esante.sandbox.mss import (
    ImapLimits,
    ImapService,
    MssOperator,
    SandboxSmtp,
    SmtpHandler,
)
from esante.sandbox.runtime.errors import SandboxRuntimeError
from esante.transport import TlsConfig, server_ssl_context
from esante.trust import Pki

_START_TIMEOUT_S = 20.0
SMTP_IDENT = "esante MSSante sandbox ESMTP"


def mss_tls_context(pki: Pki) -> ssl.SSLContext:
    """The servers' TLS context: sandbox certificate, client certificate optional."""
    return server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate,
            certificate=pki.server.certificate,
            key=pki.server.key,
        ),
        require_client_certificate=False,
    )


class MssServer:
    """SMTP on ``smtp_sock`` and IMAP on ``imap_sock`` (already bound); start, then close."""

    def __init__(
        self,
        operator: MssOperator,
        smtp_sock: socket.socket,
        imap_sock: socket.socket,
        context: ssl.SSLContext,
        *,
        imap_limits: ImapLimits | None = None,
        smtp_timeout: float = 120.0,
    ):
        self.operator = operator
        self.smtp_host, self.smtp_port = smtp_sock.getsockname()[:2]
        self.imap_host, self.imap_port = imap_sock.getsockname()[:2]
        self._smtp_sock = smtp_sock
        self._imap_sock = imap_sock
        self._context = context
        self._smtp_timeout = smtp_timeout
        limits = imap_limits or ImapLimits(max_append=operator.options.max_message_bytes)
        self._imap = ImapService(operator, limits)
        self._smtp_sessions: weakref.WeakSet[SandboxSmtp] = weakref.WeakSet()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[asyncio.Server] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mss", daemon=True)
        self._closed = False

    def start(self) -> None:
        """Serve in the background; raises :class:`SandboxRuntimeError` if not up in time."""
        mail_log = logging.getLogger("mail.log")
        if mail_log.level == logging.NOTSET:
            mail_log.setLevel(logging.WARNING)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S) or self._error is not None:
            error = self._error
            self.close()
            raise SandboxRuntimeError(
                "La messagerie MSSanté du bac à sable n'a pas démarré.",
                detail=f"{type(error).__name__}: {error}" if error else "not started in time",
            ) from error

    def _smtp_factory(self) -> SandboxSmtp:
        assert self._loop is not None
        session = SandboxSmtp(
            SmtpHandler(self.operator),
            loop=self._loop,
            hostname=self.operator.options.hostname,
            ident=SMTP_IDENT,
            tls_context=self._context,
            require_starttls=True,
            auth_require_tls=True,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
            data_size_limit=self.operator.options.max_message_bytes,
            timeout=self._smtp_timeout,
        )
        self._smtp_sessions.add(session)
        return session

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._servers.append(await loop.create_server(self._smtp_factory, sock=self._smtp_sock))
        self._servers.append(
            await asyncio.start_server(
                self._imap.handle,
                sock=self._imap_sock,
                ssl=self._context,
                ssl_handshake_timeout=10,
                limit=self._imap.limits.max_line,
            )
        )

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:
                self._error = exc
                return
            finally:
                self._ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for session in list(self._smtp_sessions):
            transport: Any = session.transport
            if transport is not None:
                transport.close()
        for task in list(self._imap.connections):
            task.cancel()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)
        await asyncio.sleep(0)

    def close(self) -> None:
        """Stop both servers, end the sessions, release the sockets."""
        if self._closed:
            return
        self._closed = True
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=15)
        for sock in (self._smtp_sock, self._imap_sock):
            sock.close()
