"""Canonical XDS objects for the tests (like IPF's SampleData): a complete, valid set."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

from esante.xds import (
    Association,
    AssociationType,
    Author,
    AvailabilityStatus,
    Code,
    Document,
    DocumentEntry,
    Identifier,
    Organization,
    PatientInfo,
    Person,
    PersonName,
    ProvideAndRegisterDocumentSet,
    SubmissionSet,
    has_member,
    visibility_code,
)

CONTENT = b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>"
PATIENT = Identifier("277076322082910", "1.2.250.1.213.1.4.8", "NH")
LOCAL_PATIENT = Identifier("0456789999", "1.2.250.1.999.1.1.7898.2", "PI")
DOCTOR = Person(
    id="801234567897",
    family_name="MEDIONI",
    given_name="Stéphane",
    assigning_authority="1.2.250.1.71.4.2.1",
    name_type_code="D",
    identifier_type_code="IDNPS",
)
CABINET = Organization(
    "Cabinet du Dr Médioni",
    identifier="2801234567897",
    assigning_authority="1.2.250.1.71.4.2.2",
    identifier_type_code="IDNST",
)
AUTHOR = Author(
    person=DOCTOR,
    institutions=(CABINET,),
    roles=(Code("PCP", "2.16.840.1.113883.5.88", "Médecin traitant"),),
    specialties=(
        Code(
            "G15_10/SM26", "1.2.250.1.213.1.1.4.5", "Médecin - Qualifié en Médecine Générale (SM)"
        ),
    ),
)


def ids(prefix: str = "id") -> Callable[[], str]:
    """A deterministic id source for encoders."""
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter)}"


def entry(**changes: object) -> DocumentEntry:
    """A complete DocumentEntry for CONTENT (ITI-41 form), with ``changes`` applied."""
    values: dict[str, object] = {
        "entry_uuid": "Document01",
        "unique_id": "1.2.250.1.999.1.1.7898.3.42",
        "patient_id": PATIENT,
        "source_patient_id": LOCAL_PATIENT,
        "source_patient_info": PatientInfo(
            names=(PersonName("NESSI", "Ruth", name_type_code="L"),),
            birth_time="19770714",
            gender="F",
        ),
        "class_code": Code("11", "1.2.250.1.213.1.1.4.1", "Synthèse"),
        "type_code": Code("SYNTH", "1.2.250.1.213.1.1.4.12", "Synthèse"),
        "format_code": Code("urn:asip:ci-sis:vsm:2012", "1.2.250.1.213.1.1.4.2.282", "VSM"),
        "healthcare_facility_type_code": Code("SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel"),
        "practice_setting_code": Code("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
        "confidentiality_codes": (
            Code("N", "2.16.840.1.113883.5.25", "Normal"),
            visibility_code("INVISIBLE_PATIENT"),
        ),
        "event_codes": (Code("BACA008", "1.2.250.1.213.2.5", "Suture sourcil"),),
        "authors": (AUTHOR,),
        "legal_authenticator": DOCTOR,
        "creation_time": "20240105101500",
        "service_start_time": "20240105",
        "service_stop_time": "20240106",
        "language_code": "fr-FR",
        "mime_type": "text/xml",
        "hash": hashlib.sha1(CONTENT).hexdigest(),  # noqa: S324 - XDS hash is SHA-1
        "size": len(CONTENT),
        "title": "Synthèse médicale",
        "comments": "Avant l'hospitalisation",
    }
    values.update(changes)
    return DocumentEntry(**values)  # type: ignore[arg-type]


def registered_entry(**changes: object) -> DocumentEntry:
    """The same entry as a registry returns it (uuid, lid, version, status, repository)."""
    values: dict[str, object] = {
        "entry_uuid": "urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e",
        "logical_id": "urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e",
        "version": "1",
        "availability_status": AvailabilityStatus.APPROVED,
        "repository_unique_id": "1.2.250.1.213.4.1.1.1.2",
    }
    values.update(changes)
    return entry(**values)


def submission_set(**changes: object) -> SubmissionSet:
    """A complete SubmissionSet for PATIENT."""
    values: dict[str, object] = {
        "entry_uuid": "SubmissionSet01",
        "unique_id": "1.2.250.1.999.1.1.7898.1.42",
        "source_id": "1.2.250.1.999.1.1.7898",
        "submission_time": "20240105103000",
        "patient_id": PATIENT,
        "authors": (AUTHOR,),
        "content_type_code": Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
        "title": "Lot de test",
    }
    values.update(changes)
    return SubmissionSet(**values)  # type: ignore[arg-type]


def provide_and_register(**changes: object) -> ProvideAndRegisterDocumentSet:
    """A valid ITI-41 request: one entry, its HasMember and its content."""
    values: dict[str, object] = {
        "submission_set": submission_set(),
        "document_entries": (entry(),),
        "associations": (has_member("Association01", "SubmissionSet01", "Document01"),),
        "documents": (Document("Document01", CONTENT),),
    }
    values.update(changes)
    return ProvideAndRegisterDocumentSet(**values)  # type: ignore[arg-type]


def replacement(target: str = "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e") -> Association:
    """An RPLC association from Document01 to ``target``."""
    return Association("Association02", AssociationType.REPLACE, "Document01", target)
