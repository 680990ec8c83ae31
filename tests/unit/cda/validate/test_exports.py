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
        "server_disabled",
        "shared_validator",
        "validate_document",
        "validate_many",
    ]


def test_every_export_resolves() -> None:
    """The names are imported on first use (PEP 562): each one must resolve."""
    for name in esante.cda.validate.__all__:
        assert getattr(esante.cda.validate, name) is not None, name


def test_errors_belong_to_the_cda_branch() -> None:
    from esante.cda.errors import CdaError

    assert issubclass(esante.cda.validate.KitError, esante.cda.validate.CdaValidationError)
    assert issubclass(esante.cda.validate.InvalidDocumentError, CdaError)
