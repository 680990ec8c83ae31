"""esante: French e-health interoperability for practice software (LGC).

The package is layered (see ``docs/architecture.md``): formats (``identity``,
``terminology``, ``catalogue``, ``cda``, ``xds``) at the bottom, then ``transport``
and ``trust``, the clients (``dmp``, ``mss``), the store, the practice side
(``practice``, ``outbox``, ``audit``) and finally ``web`` and ``cli``. The
``sandbox`` is the other side of the wire and never imports the practice side.
"""

from esante.errors import EsanteError

__version__ = "0.1.0"

__all__ = ["EsanteError", "__version__"]
