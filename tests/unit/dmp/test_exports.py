"""The public face of esante.dmp is a tested contract."""

from __future__ import annotations

import esante.dmp


def test_dmp_exports() -> None:
    assert esante.dmp.__all__ == [
        "NORMAL_ACCESS",
        "TRANSACTIONS",
        "Access",
        "Actor",
        "AuthorizationStatus",
        "AuthorizationUpdate",
        "DmpClient",
        "DmpCommunicationError",
        "DmpEndpoints",
        "DmpError",
        "DmpRejectedError",
        "DmpRequestError",
        "DmpStatus",
        "DmpTransaction",
        "DmpUnavailableError",
        "DmpUncertainOutcomeError",
        "DocumentList",
        "DocumentQuery",
        "LpsInfo",
        "ProcessingCode",
        "Service",
        "Signer",
        "SigningVihfIssuer",
        "SubmitResult",
        "UpdateResult",
        "VihfIssuer",
        "Visibility",
        "french_message",
        "td02",
        "td03",
        "td21",
        "td31",
        "td32",
        "td33",
        "vihf_for",
    ]
    for name in esante.dmp.__all__:
        assert hasattr(esante.dmp, name), name
