"""The practice domain: patients, practitioners, structures and their rules.

Services take a SQLAlchemy session and never commit: the caller (a web request, a CLI
command, a worker) owns the transaction. Queries live in :mod:`esante.store.repositories`.
Refusals raise :class:`PracticeValidationError` (French message, field at fault), the
store's :class:`~esante.store.NotFoundError` and :class:`~esante.store.ConflictError`.
"""

from esante.practice.consent import (
    ConsentState,
    ConsultationAccess,
    authorize_consultation,
    check_feeding,
    consent_history,
    consent_state,
    episode_consent,
    record_consent,
)
from esante.practice.demo import DemoLoadReport, load_demo
from esante.practice.errors import (
    AccessNoticeRequiredError,
    ConsentError,
    ConsentRefusedError,
    PracticeError,
    PracticeValidationError,
)
from esante.practice.notice import (
    NOTICE_BUTTON_TEXT,
    NOTICE_PERIOD,
    NOTICE_TEXT,
    NOTICE_VERSION,
    acknowledge_notice,
    notice_due,
    notice_due_at,
)
from esante.practice.patients import (
    LegalRepresentativeData,
    NewPatient,
    PatientChanges,
    add_identity_evidence,
    create_patient,
    downgrade_identity,
    get_patient,
    identity_history,
    read_patient,
    search_patients,
    update_patient,
)
from esante.practice.practitioners import (
    NewPractitioner,
    PractitionerChanges,
    create_practitioner,
    get_practitioner,
    search_practitioners,
    update_practitioner,
)
from esante.practice.structures import (
    NewStructure,
    create_structure,
    get_structure,
    search_structures,
)
from esante.store.repositories import PatientCriteria, PractitionerCriteria

__all__ = [
    "AccessNoticeRequiredError",
    "ConsentError",
    "ConsentRefusedError",
    "ConsentState",
    "ConsultationAccess",
    "DemoLoadReport",
    "LegalRepresentativeData",
    "NOTICE_BUTTON_TEXT",
    "NOTICE_PERIOD",
    "NOTICE_TEXT",
    "NOTICE_VERSION",
    "NewPatient",
    "NewPractitioner",
    "NewStructure",
    "PatientChanges",
    "PatientCriteria",
    "PracticeError",
    "PracticeValidationError",
    "PractitionerChanges",
    "PractitionerCriteria",
    "acknowledge_notice",
    "add_identity_evidence",
    "authorize_consultation",
    "check_feeding",
    "consent_history",
    "consent_state",
    "create_patient",
    "create_practitioner",
    "create_structure",
    "downgrade_identity",
    "episode_consent",
    "get_patient",
    "get_practitioner",
    "get_structure",
    "identity_history",
    "load_demo",
    "notice_due",
    "notice_due_at",
    "read_patient",
    "record_consent",
    "search_patients",
    "search_practitioners",
    "search_structures",
    "update_patient",
    "update_practitioner",
]
