"""Errors of :mod:`esante.terminology`: an unknown value set, code or document type.

::

    EsanteError
     └── TerminologyError     unknown code system / value set, code not in a value set
"""

from __future__ import annotations

from esante.errors import EsanteError


class TerminologyError(EsanteError):
    """A code system, value set, code or document type esante does not know.

    ``message`` is French (shown to the clinician as is); ``detail`` names the value set
    and the code at fault; ``field`` is set when the caller passes one.
    """
