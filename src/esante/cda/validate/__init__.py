"""Validation of CDA R2 documents with the ANS CI-SIS conformance kit.

esante runs the kit itself — ``CDA_extended.xsd`` and the kit's schematrons compiled by the
kit's own ISO Schematron pipeline (``schematrons/moteur``) with saxonche — so its verdict is
the kit's verdict (checked against an independent run of the kit on every official
example: ``tests/integration/cda_validate``). What it adds: the kit used as published
(case-insensitive includes, value sets resolved inside the read-only kit), compiled
stylesheets cached on disk and in memory, thread-safe reuse, process pools for batches,
hostile-input protection, a local validation server that keeps the compiled kit alive
between commands (:mod:`._server`, used by ``esante cda validate`` and ``esante feed``),
and a typed report::

    from esante.cda.validate import validate_document

    report = validate_document(Path("vsm.xml"))
    if not report.ok:
        for finding in report.errors:
            print(finding.message, finding.location)

Which schematrons run is described in :mod:`esante.cda.validate._selection`; the kit is
found through ``ESANTE_CISIS_KIT`` (see :mod:`esante.config`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from esante.cda.validate._batch import BatchValidator, validate_many
    from esante.cda.validate._report import (
        BatchItem,
        Finding,
        Severity,
        ValidationReport,
        XsdIssue,
    )
    from esante.cda.validate._server import ValidationClient, server_disabled
    from esante.cda.validate._server import connect as connect_validation_server
    from esante.cda.validate._validator import Validator, shared_validator, validate_document
    from esante.cda.validate.errors import (
        CdaValidationError,
        InvalidDocumentError,
        KitError,
        ServerUnavailableError,
    )

# Where each public name lives, imported on first use (PEP 562): a command that only talks
# to the validation server (``esante cda validate``, ``esante feed``) does not load the
# engine (saxonche, the compiler, the guards: ≈ 0.4 s of imports).
_WHERE = {
    "BatchValidator": ("_batch", "BatchValidator"),
    "validate_many": ("_batch", "validate_many"),
    "BatchItem": ("_report", "BatchItem"),
    "Finding": ("_report", "Finding"),
    "Severity": ("_report", "Severity"),
    "ValidationReport": ("_report", "ValidationReport"),
    "XsdIssue": ("_report", "XsdIssue"),
    "ValidationClient": ("_server", "ValidationClient"),
    "connect_validation_server": ("_server", "connect"),
    "server_disabled": ("_server", "server_disabled"),
    "Validator": ("_validator", "Validator"),
    "shared_validator": ("_validator", "shared_validator"),
    "validate_document": ("_validator", "validate_document"),
    "CdaValidationError": ("errors", "CdaValidationError"),
    "InvalidDocumentError": ("errors", "InvalidDocumentError"),
    "KitError": ("errors", "KitError"),
    "ServerUnavailableError": ("errors", "ServerUnavailableError"),
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{where[0]}")
    value = getattr(module, where[1])
    globals()[name] = value
    return value


__all__ = [
    "BatchItem",
    "BatchValidator",
    "CdaValidationError",
    "Finding",
    "InvalidDocumentError",
    "KitError",
    "ServerUnavailableError",
    "Severity",
    "ValidationClient",
    "ValidationReport",
    "Validator",
    "XsdIssue",
    "connect_validation_server",
    "server_disabled",
    "shared_validator",
    "validate_document",
    "validate_many",
]
