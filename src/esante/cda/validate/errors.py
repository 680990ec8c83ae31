"""Errors of the CDA validation engine (:mod:`esante.cda.validate`).

::

    EsanteError
     └── CdaError                         (esante.cda.errors)
          └── CdaValidationError          the validation could not be carried out
               ├── KitError               the ANS CI-SIS kit is missing, incomplete or broken
               ├── InvalidDocumentError   the input is not a readable CDA R2 document
               └── ServerUnavailableError the local validation server cannot answer
                                          (callers then validate in their own process)

A document that *is* read and checked but does not conform is not an error: it gives a
:class:`~esante.cda.validate.ValidationReport` whose ``ok`` is false. These exceptions
say that no verdict could be given at all.
"""

from __future__ import annotations

from esante.cda.errors import CdaError

KIT_HELP = (
    "Indiquez l'emplacement du kit CI-SIS de l'ANS (dossier contenant infrastructure/ et "
    "schematrons/) avec la variable d'environnement ESANTE_CISIS_KIT."
)


class CdaValidationError(CdaError):
    """A CDA document could not be validated (no verdict was produced)."""


class KitError(CdaValidationError):
    """The ANS CI-SIS kit is missing, incomplete, or one of its files cannot be used."""


class InvalidDocumentError(CdaValidationError):
    """The input is not a CDA R2 document esante can read (malformed, hostile, too large)."""


class ServerUnavailableError(CdaValidationError):
    """The local validation server went away or gave an unreadable answer.

    Callers validate in their own process instead (``esante cda validate`` does).
    """
