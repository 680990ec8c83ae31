"""The practice package's branch of the exception tree.

::

    EsanteError
     ├── PracticeError                 a clinician's action refused by a practice rule
     │    └── PracticeValidationError  a record's field is missing, malformed or incoherent
     ├── IdentityError (esante.identity)   bad INS, bad traits, forbidden status change
     └── StoreError (esante.store)
          ├── NotFoundError            no such patient / practitioner / structure
          └── ConflictError            same INS, same RPPS, same local id...

The services raise the store's NotFoundError and ConflictError for missing rows and
uniqueness conflicts (so the web layer maps them to 404 and 409 in one place), the
identity errors unchanged, and PracticeValidationError for everything else a record can
get wrong. ``field`` always names the input at fault.
"""

from __future__ import annotations

from esante.errors import EsanteError


class PracticeError(EsanteError):
    """An action on the practice's records was refused by a rule."""


class PracticeValidationError(PracticeError):
    """A field of a patient, practitioner or structure is missing, malformed or incoherent."""
