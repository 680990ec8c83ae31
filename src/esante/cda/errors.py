"""Errors of the CDA package (:mod:`esante.cda`).

::

    EsanteError
     └── CdaError                 a CDA document cannot be built, read or rendered
          ├── CdaBuildError       the input given to a builder is incomplete or inconsistent
          └── CdaReadError        a received document is not a CDA R2 esante can read

``message`` is French (shown to the clinician), ``detail`` technical, ``field`` the
input or XPath at fault. The validator (:mod:`esante.cda.validate`) may add its own
branches under :class:`CdaError`.
"""

from __future__ import annotations

from esante.errors import EsanteError


class CdaError(EsanteError):
    """Base class of the errors raised by :mod:`esante.cda`."""


class CdaBuildError(CdaError):
    """A document cannot be built: missing or inconsistent input (names the field)."""


class CdaReadError(CdaError):
    """A received document cannot be read: not CDA R2, or an element is missing."""
