"""The public faces of the base packages are a tested contract."""

from __future__ import annotations

import esante
import esante.store


def test_root_exports() -> None:
    assert esante.__all__ == ["EsanteError", "__version__"]


def test_store_exports() -> None:
    assert esante.store.__all__ == sorted(esante.store.__all__)
    assert set(esante.store.__all__) == {
        "AccessNoticeAcknowledgement",
        "AuditChainHead",
        "AuditRecord",
        "Base",
        "CareEpisode",
        "ConsentDecision",
        "ConflictError",
        "Document",
        "IdentityStatusChange",
        "LegalRepresentative",
        "NotFoundError",
        "Patient",
        "Practitioner",
        "SendOrder",
        "SendOrderEvent",
        "StoreError",
        "Structure",
        "current_revision",
        "head_revision",
        "make_engine",
        "normalize_url",
        "session_factory",
        "upgrade",
        "utcnow",
    }
