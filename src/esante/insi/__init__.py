"""The client of the CNAM INSi teleservice (INS search and verification).

Layer 4, beside :mod:`esante.dmp`: it does I/O through an injected transport; the
messages themselves are formats of :mod:`esante.identity.insi`.
"""

from esante.insi.assertion import professional_assertion, signed_assertion
from esante.insi.client import InsiAnswer, InsiClient, LpsIdentity, Professional
from esante.insi.errors import (
    InsiAnswerError,
    InsiError,
    InsiRejectedError,
    InsiRequestError,
    InsiUnavailableError,
)

__all__ = [
    "InsiAnswer",
    "InsiAnswerError",
    "InsiClient",
    "InsiError",
    "InsiRejectedError",
    "InsiRequestError",
    "InsiUnavailableError",
    "LpsIdentity",
    "Professional",
    "professional_assertion",
    "signed_assertion",
]
