"""Stable ports: a sandbox started again in the same directory listens where it did.

Clients, mail clients and notes keep the addresses a sandbox announced; new ports at each
start would break them. ``DIR/ports.json`` remembers the ports of the last start, one per
service; at the next start a service not given an explicit port first tries its
remembered one and takes any free port only when that one is taken. An explicit port
(``--dmp-port`` ...) is never replaced: if it is taken, starting fails, as asked.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path

from esante.sandbox.runtime.errors import PortUnavailableError
from esante.sandbox.runtime.server import bind

__all__ = ["PORTS_FILE", "bind_preferred", "read_ports", "write_ports"]

PORTS_FILE = "ports.json"


def read_ports(directory: Path) -> dict[str, int]:
    """The ports of the last start (empty when unknown or unreadable)."""
    try:
        document = json.loads((directory / PORTS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict):
        return {}
    return {
        str(name): port
        for name, port in document.items()
        if isinstance(port, int) and 0 < port < 65536
    }


def write_ports(directory: Path, ports: Mapping[str, int]) -> None:
    """Remember ``ports`` (written atomically, owner-only like the files beside it)."""
    target = directory / PORTS_FILE
    temporary = target.with_suffix(".json.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(dict(sorted(ports.items())), indent=2) + "\n")
    os.replace(temporary, target)


def bind_preferred(host: str, asked: int, remembered: int | None) -> socket.socket:
    """Bind ``asked`` when given (non-zero), else ``remembered`` when free, else any port.

    Raises :class:`PortUnavailableError` only for an explicit port that is taken.
    """
    if asked:
        return bind(host, asked)
    if remembered:
        try:
            return bind(host, remembered)
        except PortUnavailableError:
            pass
    return bind(host, 0)
