"""Errors of :mod:`esante.catalogue`.

::

    EsanteError
     └── CatalogueError     profession, profile or document type outside the Ségur catalogue
"""

from __future__ import annotations

from esante.errors import EsanteError


class CatalogueError(EsanteError):
    """A profession, profile or document type the Ségur catalogue does not cover.

    ``message`` is French for the clinician; ``detail`` names the profession code,
    document type code, profile and model that were asked for.
    """
