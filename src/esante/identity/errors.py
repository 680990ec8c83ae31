"""The identity branch of esante's exception tree.

::

    EsanteError
     └── IdentityError          anything wrong with an identity (INS, traits, status, DataMatrix)
          ├── InsError          malformed INS matricule, wrong key, unknown OID, bad HL7v2 CX
          ├── TraitsError       identity traits that break the INS rules (names, sex, COG...)
          ├── IdentityStatusError
          │                     a status change the identitovigilance rules forbid, or an INS
          │                     shared while the identity is not qualified
          ├── DataMatrixError   an INS DataMatrix payload or image that cannot be built or read
          └── InsiMessageError  an INSi teleservice message (request or RESULTAT answer) that
                                is malformed or breaks the service's rules

``message`` is French, for the clinician; ``detail`` is technical; ``field`` names the
input at fault (``matricule``, ``S3``, ``--naissance``...).
"""

from __future__ import annotations

from esante.errors import EsanteError


class IdentityError(EsanteError):
    """Base class of the errors raised by :mod:`esante.identity`."""


class InsError(IdentityError):
    """An INS (matricule + OID) is malformed, has a wrong key or an unknown OID."""


class TraitsError(IdentityError):
    """Identity traits are incomplete or break the INS rules."""


class IdentityStatusError(IdentityError):
    """A status transition is not allowed, or an INS is used while not qualified."""


class DataMatrixError(IdentityError):
    """An INS DataMatrix payload or image is malformed or unreadable."""


class InsiMessageError(IdentityError):
    """An INSi message (request body, context header or RESULTAT) is malformed."""
