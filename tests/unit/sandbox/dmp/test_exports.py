"""The public face of esante.sandbox.dmp is a tested contract."""

from __future__ import annotations

import esante.sandbox
import esante.sandbox.dmp
from esante.errors import EsanteError
from esante.sandbox.dmp import DmpErrorCode, DmpRefusal, SandboxDatabaseError, SandboxError


def test_sandbox_package_exports_nothing_yet() -> None:
    assert esante.sandbox.__all__ == []


def test_dmp_exports() -> None:
    exported = esante.sandbox.dmp.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "CLOSURE_ASKED_BY_PATIENT",
        "DMP_OK",
        "PATIENT_SOURCE_ID",
        "REPOSITORY_UNIQUE_ID",
        "AccessLogEntry",
        "Action",
        "Actor",
        "ActorKind",
        "AuthorInfo",
        "AuthorizationAction",
        "AuthorizationContext",
        "AuthorizationListMode",
        "AuthorizationRecord",
        "AuthorizationStatus",
        "AuthorizationUpdate",
        "Card",
        "Cell",
        "CodedValue",
        "Condition",
        "ConsultedCategory",
        "Decision",
        "DmpAdmin",
        "DmpErrorCode",
        "DmpRefusal",
        "DmpService",
        "DocumentFacts",
        "DocumentQuery",
        "DocumentRecord",
        "ExistenceStatus",
        "NewDocument",
        "NewSubmission",
        "Outcome",
        "PatientFacts",
        "PatientIns",
        "PatientRecord",
        "Profile",
        "RetrievedDocument",
        "RightsMatrix",
        "SandboxBase",
        "SandboxDatabaseError",
        "SandboxError",
        "SubmissionReceipt",
        "Trouble",
        "TroubleSettings",
        "check_access",
        "consulted_categories",
        "current_revision",
        "default_database_url",
        "error_message",
        "error_provenance",
        "head_revision",
        "make_engine",
        "new_entry_uuid",
        "resolve_profile",
        "rights_matrix",
        "session_factory",
        "trouble_for",
        "upgrade",
    }


def test_error_tree() -> None:
    assert issubclass(SandboxError, EsanteError)
    assert issubclass(DmpRefusal, SandboxError)
    assert issubclass(SandboxDatabaseError, SandboxError)
    refusal = DmpRefusal(DmpErrorCode.DMP_CLOSED, detail="closed on 2025-01-01")
    assert refusal.code is DmpErrorCode.DMP_CLOSED
    assert refusal.message == "Le DMP de ce patient est fermé."
    assert "closed on 2025-01-01" in str(refusal)
