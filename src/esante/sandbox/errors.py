"""Errors of the sandbox runtime (ports, files, the running process), shared by its services.

::

    EsanteError
     └── SandboxError                 (esante.sandbox.dmp.errors, shared by the sandbox)
          └── SandboxRuntimeError     the sandbox cannot start, or cannot be found
               ├── PortUnavailableError  the port asked for is taken or not allowed
               └── SandboxNotFoundError  no sandbox.json where the sandbox should be

``message`` is French (what the user must do); ``detail`` is technical.
"""

from __future__ import annotations

from esante.sandbox.dmp.errors import SandboxError


class SandboxRuntimeError(SandboxError):
    """The sandbox cannot start, stop, or be found."""


class PortUnavailableError(SandboxRuntimeError):
    """The port asked for cannot be bound (taken, or not allowed)."""


class SandboxNotFoundError(SandboxRuntimeError):
    """No sandbox description (sandbox.json) in the directory given."""
