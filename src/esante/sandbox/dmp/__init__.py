"""The DMP sandbox's domain core: a DMP that behaves like the real one, minus the wire.

What it holds (its own database, :mod:`~esante.sandbox.dmp.models`, migrated by
:func:`upgrade`): patients' DMPs (INS, open/closed, Mon espace santé attachment,
oppositions, médecin traitant DMP), professionals' authorizations and blocks, documents
with their XDS metadata and bytes, submission sets, associations, and the access log the
patient page shows.

What it decides:

* :func:`check_access` applies the functional rights matrix (PDT-INF-526 v1.8 and, for
  AIR, PDT-INF-606 v1.3, transcribed in ``data/rights_matrix.json``) to an
  :class:`Actor` (profession, specialty, authentication mode, card, idNat_PS, structure)
  in an access mode, with what the DMP knows of the patient and the document;
* :class:`DmpService` runs the transactions the LPS calls — TD0.2, TD0.3, TD1.6, TD2.1,
  TD3.1 (FindDocuments, GetDocuments), TD3.2, TD3.3a-d — and refuses with a
  :class:`DmpRefusal` carrying the DMP error code and its French text
  (``data/error_codes.json``); every call is logged;
* :class:`DmpAdmin` does what the patient or an operator does outside the transactions
  (create, close, oppose, block, authorize, name the médecin traitant DMP, deposit a
  patient document) and holds the trouble settings the server applies.

The SOAP endpoints (VIHF → :class:`Actor`, ebRIM ↔ records) sit on top of this and come
with the transport, trust and xds layers.
"""

from esante.sandbox.dmp.admin import PATIENT_SOURCE_ID, DmpAdmin
from esante.sandbox.dmp.codes import (
    CLOSURE_ASKED_BY_PATIENT,
    DMP_OK,
    AuthorizationContext,
    AuthorizationStatus,
    DmpErrorCode,
    error_message,
    error_provenance,
)
from esante.sandbox.dmp.database import (
    current_revision,
    default_database_url,
    head_revision,
    make_engine,
    session_factory,
    upgrade,
)
from esante.sandbox.dmp.errors import DmpRefusal, SandboxDatabaseError, SandboxError
from esante.sandbox.dmp.matrix import (
    Action,
    ActorKind,
    Cell,
    Condition,
    ConsultedCategory,
    Profile,
    RightsMatrix,
    rights_matrix,
)
from esante.sandbox.dmp.models import SandboxBase
from esante.sandbox.dmp.records import (
    AccessLogEntry,
    AuthorInfo,
    AuthorizationAction,
    AuthorizationListMode,
    AuthorizationRecord,
    AuthorizationUpdate,
    CodedValue,
    DocumentQuery,
    DocumentRecord,
    ExistenceStatus,
    NewDocument,
    NewSubmission,
    Outcome,
    PatientIns,
    PatientRecord,
    RetrievedDocument,
    SubmissionReceipt,
)
from esante.sandbox.dmp.rights import (
    Actor,
    Card,
    Decision,
    DocumentFacts,
    PatientFacts,
    check_access,
    consulted_categories,
    resolve_profile,
)
from esante.sandbox.dmp.service import REPOSITORY_UNIQUE_ID, DmpService, new_entry_uuid
from esante.sandbox.dmp.troubles import Trouble, TroubleSettings, trouble_for

__all__ = [
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
    "CLOSURE_ASKED_BY_PATIENT",
    "Card",
    "Cell",
    "CodedValue",
    "Condition",
    "ConsultedCategory",
    "DMP_OK",
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
    "PATIENT_SOURCE_ID",
    "PatientFacts",
    "PatientIns",
    "PatientRecord",
    "Profile",
    "REPOSITORY_UNIQUE_ID",
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
]
