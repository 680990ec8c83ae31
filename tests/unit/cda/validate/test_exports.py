"""The public face of esante.cda.validate is a tested contract."""

from __future__ import annotations

import esante.cda.validate


def test_validate_exports() -> None:
    assert esante.cda.validate.__all__ == sorted(esante.cda.validate.__all__)
    assert esante.cda.validate.__all__ == [
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
        "shared_validator",
        "validate_document",
        "validate_many",
    ]


def test_errors_belong_to_the_cda_branch() -> None:
    from esante.cda.errors import CdaError

    assert issubclass(esante.cda.validate.KitError, esante.cda.validate.CdaValidationError)
    assert issubclass(esante.cda.validate.InvalidDocumentError, CdaError)
