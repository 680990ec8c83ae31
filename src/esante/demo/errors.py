"""The demo package's branch of the exception tree.

::

    EsanteError
     └── DemoError          unknown demo key, impossible generator request
"""

from __future__ import annotations

from esante.errors import EsanteError


class DemoError(EsanteError):
    """A demo person or structure was asked for that the dataset does not hold."""
