"""The public faces of esante.practice and esante.store.repositories are a tested contract."""

from __future__ import annotations

import esante.practice
import esante.store.repositories
from esante.store.repositories import fold


def test_practice_exports() -> None:
    assert esante.practice.__all__ == [
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


def test_repositories_exports() -> None:
    assert esante.store.repositories.__all__ == [
        "MAX_LIMIT",
        "Page",
        "PatientCriteria",
        "PatientRepository",
        "PractitionerCriteria",
        "PractitionerRepository",
        "StructureRepository",
        "fold",
        "folded",
    ]


def test_fold() -> None:
    assert fold("N'Diaye-Lefèvre") == "ndiayelefevre"
    assert fold("ŒUVRARD Zoé") == "oeuvrardzoe"
    assert fold("Jean\u2011Pierre D\u2019Almeida") == "jeanpierredalmeida"  # typographic
    assert fold(None) == ""
