"""Validation of CDA R2 documents with the ANS CI-SIS conformance kit.

esante runs the kit itself — ``CDA_extended.xsd`` and the kit's schematrons compiled by the
kit's own ISO Schematron pipeline (``schematrons/moteur``) with saxonche — so its verdict is
the kit's verdict (checked against an independent run of the kit on every official
example: ``tests/integration/cda_validate``). What it adds: the kit used as published
(case-insensitive includes, value sets resolved inside the read-only kit), compiled
stylesheets cached on disk and in memory, thread-safe reuse, process pools for batches,
hostile-input protection, a local validation server that keeps the compiled kit alive
between commands (:mod:`._server`, used by ``esante cda validate``), and a typed report::

    from esante.cda.validate import validate_document

    report = validate_document(Path("vsm.xml"))
    if not report.ok:
        for finding in report.errors:
            print(finding.message, finding.location)

Which schematrons run is described in :mod:`esante.cda.validate._selection`; the kit is
found through ``ESANTE_CISIS_KIT`` (see :mod:`esante.config`).
"""

from esante.cda.validate._batch import BatchItem, BatchValidator, validate_many
from esante.cda.validate._report import Finding, Severity, ValidationReport, XsdIssue
from esante.cda.validate._server import ValidationClient, server_disabled
from esante.cda.validate._server import connect as connect_validation_server
from esante.cda.validate._validator import Validator, shared_validator, validate_document
from esante.cda.validate.errors import (
    CdaValidationError,
    InvalidDocumentError,
    KitError,
    ServerUnavailableError,
)

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
