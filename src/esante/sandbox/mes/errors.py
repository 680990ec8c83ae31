"""Errors of the Mon espace santé patient page of the sandbox.

::

    SandboxError                   (esante.sandbox.dmp, until it moves to esante.sandbox)
     └── MesError                  the patient page cannot show what was asked
          ├── UnknownPatientError  no DMP in the sandbox for this INS
          └── DocumentUnavailableError
                                   no such document for the patient, or one the patient
                                   may not see (deleted, or « non visible par le patient »)

Both leaves become a French 404 page: the patient page never says whether a document it
refuses to show exists.
"""

from __future__ import annotations

from esante.sandbox.dmp import SandboxError


class MesError(SandboxError):
    """Base class of the errors of the Mon espace santé patient page."""


class UnknownPatientError(MesError):
    """The sandbox holds no DMP for this INS."""


class DocumentUnavailableError(MesError):
    """The document does not exist for this patient, or the patient may not see it."""
