"""XDS metadata ↔ the sandbox records: what is kept as received, what the registry owns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from esante.demo import demo_dataset
from esante.sandbox.dmp import (
    AuthorInfo,
    CodedValue,
    DmpAdmin,
    DocumentRecord,
    PatientIns,
    session_factory,
)
from esante.sandbox.dmp.soap.metadata import document_entry, new_document
from esante.sandbox.runtime import seed_demo
from esante.xds import (
    Author,
    AvailabilityStatus,
    Code,
    DocumentEntry,
    Identifier,
    Person,
    visibility_code,
)

PATIENT = Identifier("279035121518989", "1.2.250.1.213.1.4.10", "NH")
ENTRY = DocumentEntry(
    entry_uuid="Document01",
    unique_id="1.2.250.1.999.1",
    patient_id=PATIENT,
    class_code=Code("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
    type_code=Code("11488-4", "2.16.840.1.113883.6.1", "CR de consultation"),
    format_code=Code("urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3"),
    confidentiality_codes=(
        Code("N", "2.16.840.1.113883.5.25", "Normal"),
        visibility_code("MASQUE_PS"),
    ),
    authors=(
        Author(
            person=Person(
                "810003986931", "PERRIN", "François", assigning_authority="1.2.250.1.71.4.2.1"
            ),
            specialties=(Code("G15_10/SM54", "1.2.250.1.213.1.1.4.5"),),
        ),
    ),
    legal_authenticator=Person("810003986931", "PERRIN", "François"),
    creation_time="20250115093000",
    service_start_time="20250115090000",
    language_code="fr-FR",
    mime_type="text/xml",
    title="Compte rendu",
    hash="ab" * 20,
    size=3,
)


def _record(new: object, **overrides: object) -> DocumentRecord:
    document = new  # a NewDocument
    values: dict[str, object] = {
        "entry_uuid": "urn:uuid:5b9a0f7e-2a3c-4d4b-9d5f-3e8b0a1c2d3e",
        "logical_id": "urn:uuid:5b9a0f7e-2a3c-4d4b-9d5f-3e8b0a1c2d3e",
        "version": 2,
        "unique_id": document.unique_id,  # type: ignore[attr-defined]
        "patient": PatientIns(PATIENT.id, PATIENT.assigning_authority),
        "status": AvailabilityStatus.ARCHIVED,
        "class_code": document.class_code,  # type: ignore[attr-defined]
        "type_code": document.type_code,  # type: ignore[attr-defined]
        "format_code": document.format_code,  # type: ignore[attr-defined]
        "mime_type": "text/xml",
        "title": "Compte rendu",
        "creation_time": document.creation_time,  # type: ignore[attr-defined]
        "submission_time": datetime(2025, 1, 16, tzinfo=UTC),
        "hash": "cd" * 20,
        "size": 3,
        "repository_unique_id": "1.2.250.1.213.4.1.1.1.2",
        "submission_set_entry_uuid": "urn:uuid:0e0e0e0e-0000-4000-8000-000000000000",
        "submitter_id": "810003986931",
        "submitter_structure_id": None,
        "authors": document.authors,  # type: ignore[attr-defined]
        "wire_metadata": document.wire_metadata,  # type: ignore[attr-defined]
    }
    values.update(overrides)
    return DocumentRecord(**values)  # type: ignore[arg-type]


def test_a_submitted_entry_becomes_a_record_value() -> None:
    document = new_document(ENTRY, b"abc", replaces="urn:uuid:1")
    assert document.masked
    assert not document.invisible_to_patient
    assert document.confidentiality_code == CodedValue("N", "2.16.840.1.113883.5.25", "Normal")
    assert document.creation_time == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    assert document.authors == (
        AuthorInfo(
            id_nat_ps="810003986931",
            family_name="PERRIN",
            given_name="François",
            specialty="G15_10/SM54",
        ),
    )
    assert document.replaces == "urn:uuid:1"
    assert document.patient == PatientIns(PATIENT.id, PATIENT.assigning_authority)
    assert document.wire_metadata
    assert "legalAuthenticator" in document.wire_metadata


def test_the_answer_keeps_what_was_received_and_the_registry_owns_the_rest() -> None:
    record = _record(new_document(ENTRY, b"abc"), masked=False, invisible_to_patient=True)
    entry = document_entry(record)
    assert entry.legal_authenticator == ENTRY.legal_authenticator  # as received
    assert entry.title == "Compte rendu"
    assert (entry.entry_uuid, entry.version) == (record.entry_uuid, "2")
    assert entry.availability_status == AvailabilityStatus.ARCHIVED
    assert (entry.hash, entry.repository_unique_id) == ("cd" * 20, "1.2.250.1.213.4.1.1.1.2")
    assert not entry.masked_to_professionals
    assert entry.invisible_to_patient
    assert [c.code for c in entry.confidentiality_codes] == ["N", "INVISIBLE_PATIENT"]


def test_a_record_without_received_metadata_is_written_from_its_fields() -> None:
    record = _record(new_document(ENTRY, b"abc"), wire_metadata=None, masked=True)
    entry = document_entry(record)
    assert entry.type_code == ENTRY.type_code
    assert entry.creation_time == ENTRY.creation_time
    assert entry.authors[0].person is not None
    assert entry.authors[0].person.id == "810003986931"
    assert entry.masked_to_professionals
    assert entry.patient_id is not None
    assert entry.patient_id.same_as(PATIENT)


def test_broken_received_metadata_falls_back_to_the_fields() -> None:
    record = _record(new_document(ENTRY, b"abc"), wire_metadata="<not-ebrim")
    assert document_entry(record).type_code == ENTRY.type_code


def test_seeding_opens_the_demo_dmps_once(engine: Engine, tmp_path: Path) -> None:
    data = demo_dataset()
    with session_factory(engine)() as session:
        first = seed_demo(session)
        second = seed_demo(session)
        robert = data.patient("robert")
        record = DmpAdmin(session).get_patient(PatientIns(robert.nir, robert.ins_oid))
    assert (first.created, first.already_present) == (len(data.patients), 0)
    assert (second.created, second.already_present) == (0, len(data.patients))
    assert record.treating_physician == data.practitioner("generaliste").id_nat_ps
    assert record.family_name == "LEFEBVRE"
    assert replace(record, family_name=None).open


def test_search_answers_read_the_stored_metadata_once_and_only_when_needed() -> None:
    from esante.sandbox.dmp.soap.metadata import encoded_records

    document = new_document(ENTRY, b"abc")
    # a search leaves the stored ebRIM out; a fresh entryUUID is not in the cache yet
    record = _record(
        document, wire_metadata=None, entry_uuid="urn:uuid:7d1c1e4a-0000-4000-8000-0000000000aa"
    )
    asked: list[list[str]] = []

    def received(uuids: object) -> dict[str, str | None]:
        asked.append(list(uuids))  # type: ignore[call-overload]
        return {record.entry_uuid: document.wire_metadata}

    first = encoded_records([record], received)
    assert asked == [[record.entry_uuid]]
    assert b"legalAuthenticator" in first[0]  # the received metadata was used
    again = encoded_records([record], received)
    assert asked == [[record.entry_uuid]]  # served from the cache: no second read
    assert again == first
