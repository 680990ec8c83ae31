"""The public faces of esante.practice and esante.store.repositories are a tested contract."""

from __future__ import annotations

import esante.practice
import esante.store.repositories
from esante.store.repositories import fold


def test_practice_exports() -> None:
    assert esante.practice.__all__ == [
        "DemoLoadReport",
        "LegalRepresentativeData",
        "NewPatient",
        "NewPractitioner",
        "NewStructure",
        "PatientChanges",
        "PatientCriteria",
        "PracticeError",
        "PracticeValidationError",
        "PractitionerChanges",
        "PractitionerCriteria",
        "add_identity_evidence",
        "create_patient",
        "create_practitioner",
        "create_structure",
        "downgrade_identity",
        "get_patient",
        "get_practitioner",
        "get_structure",
        "identity_history",
        "load_demo",
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
