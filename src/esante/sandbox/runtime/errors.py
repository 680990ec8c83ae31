"""The sandbox runtime's errors, defined in :mod:`esante.sandbox.errors`.

They live one level up so that a service of the sandbox (the Annuaire Santé server) can
raise them without importing this package, whose ``__init__`` starts from
:mod:`esante.sandbox.runtime.process`, which imports every service: importing
``esante.sandbox.directory`` first was a circular import.
"""

from __future__ import annotations

from esante.sandbox.errors import PortUnavailableError, SandboxNotFoundError, SandboxRuntimeError

__all__ = ["PortUnavailableError", "SandboxNotFoundError", "SandboxRuntimeError"]
