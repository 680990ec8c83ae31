"""Errors of :mod:`esante.xds`: XDS metadata that cannot be read, mapped or accepted.

::

    EsanteError
     └── XdsError                  (esante.xds)
          ├── XdsFormatError        an ebRIM/ebRS payload or an HL7 v2 value is malformed
          ├── XdsSchemaError        emitted or received XML does not validate against the XSDs
          ├── XdsMappingError       a CDA header cannot be turned into XDS metadata
          └── XdsValidationError    metadata break an XDS/CI-SIS rule; carries the failures,
                                    each tied to an IHE error code (XDSRegistryMetadataError...)

``message`` is French, for the clinician; ``detail`` is technical. A
:class:`XdsValidationError` keeps every failure found (not only the first) so that the
DMP client can show them all before sending, and the sandbox can answer with one
``RegistryError`` per failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from esante.errors import EsanteError

if TYPE_CHECKING:
    from esante.xds.validate.messages import ValidationFailure


class XdsError(EsanteError):
    """Base class of the errors raised by :mod:`esante.xds`."""


class XdsFormatError(XdsError):
    """An ebRIM/ebRS payload or an HL7 v2 value (CX, XCN, XON, DTM...) is malformed."""


class XdsSchemaError(XdsError):
    """XML does not validate against the ebRS/ebRIM/XDS.b schemas.

    ``errors`` lists libxml2's messages (line and text), first ones first.
    """

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[str] = (),
        detail: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, detail=detail, field=field)
        self.errors = tuple(errors)


class XdsMappingError(XdsError):
    """A CDA header lacks what the CI-SIS mapping needs to build the XDS metadata."""


class XdsValidationError(XdsError):
    """Metadata or a request break XDS/CI-SIS rules; ``failures`` holds every finding.

    Build it with :meth:`from_failures`, which writes the French summary and the
    technical detail from the failures themselves.
    """

    def __init__(
        self,
        message: str,
        *,
        failures: Sequence[ValidationFailure] = (),
        detail: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, detail=detail, field=field)
        self.failures: tuple[ValidationFailure, ...] = tuple(failures)

    @classmethod
    def from_failures(cls, failures: Sequence[ValidationFailure]) -> XdsValidationError:
        """An error summarising ``failures`` (French first message, every technical text)."""
        if not failures:
            return cls("Métadonnées XDS refusées.", detail="no failure given")
        first = failures[0]
        more = len(failures) - 1
        message = first.french if more == 0 else f"{first.french} (et {more} autre(s) anomalie(s))"
        detail = "; ".join(f"{f.error_code}: {f.technical} [{f.location}]" for f in failures)
        return cls(message, failures=failures, detail=detail, field=first.location or None)
