"""The INSi teleservice of the sandbox: searches by traits and by Carte Vitale.

Answers from the demo dataset and a few special identities (homonyms, a NIA, a replaced
INS) over SOAP 1.2 and mutual TLS, like the CNAM service (see
:mod:`esante.sandbox.insi.http`).
"""

from esante.sandbox.insi.errors import InsiFault
from esante.sandbox.insi.http import DEFAULT_PATH, InsiHttpApp
from esante.sandbox.insi.registry import InsiPerson, InsiRegistry, sandbox_registry

__all__ = [
    "DEFAULT_PATH",
    "InsiFault",
    "InsiHttpApp",
    "InsiPerson",
    "InsiRegistry",
    "sandbox_registry",
]
