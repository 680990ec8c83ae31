"""More processes serving the DMP on the same listening socket (``--workers N``).

One Python process runs one request's CPU work at a time (VIHF and XAdES verification,
XML, the ORM): to use the machine's cores the sandbox can run N processes that accept
connections on the same socket. The first one is the process that started the sandbox;
the others are spawned (fresh interpreters, nothing inherited but the socket and the
options), each with its own database engine and HTTPS server. They share the database
(SQLite in WAL mode with a busy timeout, or PostgreSQL) and thus the trouble settings.

A worker ignores SIGINT (Ctrl+C in a terminal reaches the whole process group: the
parent decides) and stops cleanly on SIGTERM, which :meth:`WorkerPool.close` sends.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from esante.sandbox.runtime.errors import SandboxRuntimeError

if TYPE_CHECKING:
    from esante.sandbox.runtime.process import SandboxOptions

READY_TIMEOUT = 60.0


def _serve(options: SandboxOptions, sock: socket.socket, ready: Connection) -> None:
    """A worker process: serve the DMP on ``sock`` until SIGTERM."""
    from esante.sandbox.dmp import make_engine, session_factory
    from esante.sandbox.runtime.process import (
        PKI_DIRECTORY,
        dmp_server,
        tune_garbage_collector,
    )
    from esante.trust import load_pki

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = make_engine(options.effective_database_url)
    try:
        pki = load_pki(options.directory / PKI_DIRECTORY)
        _, server = dmp_server(options, pki, session_factory(engine), sock)
        server.start()
        tune_garbage_collector()
        ready.send(True)
        ready.close()
        while not stop.wait(0.5):
            pass
        server.close()
    finally:
        engine.dispose()


class WorkerPool:
    """``count`` worker processes serving the DMP on ``sock`` (see the module docstring)."""

    def __init__(self, options: SandboxOptions, sock: socket.socket, count: int):
        context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._ready: list[Connection] = []
        for index in range(count):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_serve,
                args=(options, sock, send),
                name=f"esante-sandbox-worker-{index + 1}",
                daemon=True,
            )
            process.start()
            send.close()
            self._processes.append(process)
            self._ready.append(receive)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Return once every worker serves; raise SandboxRuntimeError otherwise."""
        for process, ready in zip(self._processes, self._ready, strict=True):
            ok = False
            try:
                ok = ready.poll(timeout) and bool(ready.recv())
            except EOFError:
                ok = False
            finally:
                ready.close()
            if not ok:
                raise SandboxRuntimeError(
                    "Un processus de service du bac à sable n'a pas démarré.",
                    detail=f"{process.name} not ready (exit code {process.exitcode})",
                )

    def close(self, timeout: float = 15.0) -> None:
        """Stop every worker (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()
        for process in self._processes:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join(5)
