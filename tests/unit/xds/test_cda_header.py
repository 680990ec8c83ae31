"""CDA header -> XDS metadata on the official CI-SIS examples (French mapping table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.xds import (
    AssociationType,
    Author,
    Code,
    ValidationContext,
    XdsMappingError,
    document_entry_from_cda,
    iti41,
    load_schema,
    provide_and_register_from_cda,
    raise_for_failures,
    replaced_document_id,
    submission_set_for,
    visibility_code,
)
from esante.xds.cda_header import read_clinical_document
from tests.conftest import shared_path
from tests.unit.xds.dmp_messages import raw, schema_dir

CONTENT_TYPE = Code("07", "1.2.250.1.213.2.2", "Consultation externe")
REPORT = Code("10", "1.2.250.1.213.1.1.4.1", "Compte rendu")


def example(name: str) -> bytes:
    return shared_path("cisis-kit", "ExemplesCDA", name).read_bytes()


def test_vsm() -> None:
    cda = example("VSM_2023.01.xml")
    entry = document_entry_from_cda(cda)
    assert entry.unique_id == "1.2.250.1.213.1.1.1.13.1"
    assert entry.type_code == Code("SYNTH", "1.2.250.1.213.1.1.4.12", "Synthèse")
    assert entry.class_code == Code("11", "1.2.250.1.213.1.1.4.1", "Synthèse")
    assert entry.format_code is not None
    assert (entry.format_code.code, entry.format_code.coding_scheme) == (
        "urn:asip:ci-sis:vsm:2012",
        "1.2.250.1.213.1.1.4.2.282",
    )
    assert entry.patient_id is not None
    assert entry.patient_id.to_hl7() == "277076322082910^^^&1.2.250.1.213.1.4.8&ISO^NH"
    assert entry.source_patient_id is not None
    assert entry.source_patient_id.to_hl7() == "1234567890121^^^&1.2.3.4.567.8.9.10&ISO^PI"
    assert entry.source_patient_info is not None
    assert entry.source_patient_info.to_values() == (
        "PID-5|NESSI^Ruth^^^^^L",
        "PID-5|DECOURCY^Ruth^^^^^D",
        "PID-7|19770714",
        "PID-8|F",
    )
    (author,) = entry.authors
    assert author.person is not None
    assert author.person.to_hl7() == (
        "801234567897^MEDIONI^Stéphane^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
    )
    assert [i.to_hl7() for i in author.institutions] == [
        "Centre de soins le Belvédère^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^2801234567897"
    ]
    assert author.roles == (Code("PCP", "2.16.840.1.113883.5.88", "Médecin traitant"),)
    assert [s.code for s in author.specialties] == ["G15_10/SM26"]
    assert entry.legal_authenticator == author.person
    assert entry.healthcare_facility_type_code == Code(
        "SA04", "1.2.250.1.71.4.2.4", "Etablissement privé non PSPH"
    )
    assert entry.practice_setting_code is not None
    assert entry.practice_setting_code.code == "ETABLISSEMENT"
    assert entry.confidentiality_codes == (Code("N", "2.16.840.1.113883.5.25", "Normal"),)
    # 20200312111700+0100 in the header, UTC in XDS
    assert (entry.creation_time, entry.service_start_time, entry.service_stop_time) == (
        "20200312101700",
        "20200312101700",
        None,
    )
    assert (entry.language_code, entry.mime_type, entry.title) == (
        "fr-FR",
        "text/xml",
        "Synthèse Médicale",
    )
    assert entry.size == len(cda)
    assert entry.hash is not None
    assert len(entry.hash) == 40
    assert replaced_document_id(cda) is None


def test_cse_cs24() -> None:
    entry = document_entry_from_cda(example("CSE-CS24_2025.01.xml"))
    assert entry.type_code is not None
    assert entry.type_code.code == "CERT_DECL"
    assert entry.class_code is not None
    assert entry.class_code.code == "52"
    assert entry.format_code is not None
    assert entry.format_code.code == "urn:asip:ci-sis:cse-cs24:2017"
    assert entry.patient_id is not None
    assert entry.patient_id.to_hl7() == "221042545611404^^^&1.2.250.1.213.1.4.10&ISO^NH"
    (author,) = entry.authors
    assert author.person is not None
    assert (author.person.id, author.person.identifier_type_code) == ("801234567897", "IDNPS")
    assert author.specialties == (
        Code("G15_10/SM40", "1.2.250.1.213.1.1.4.5", "Médecin - Pédiatrie (SM)"),
    )
    assert entry.healthcare_facility_type_code is not None
    assert entry.healthcare_facility_type_code.code == "SA03"
    assert entry.creation_time == "20210803103623"


def test_unstructured_n1_document() -> None:
    cda = example("DOC_NON_STRUCTURE_CDA-R2-N1.xml")
    with pytest.raises(XdsMappingError) as caught:
        document_entry_from_cda(cda)  # 11502-2 has no class in esante's catalogue
    assert caught.value.field == "code"
    assert "classCode" in caught.value.message
    entry = document_entry_from_cda(cda, class_code=REPORT)
    assert entry.class_code == REPORT
    assert entry.format_code is not None
    assert entry.format_code.code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert entry.format_code.coding_scheme == "1.3.6.1.4.1.19376.1.2.3"
    assert entry.practice_setting_code is not None
    assert entry.practice_setting_code.code == "AMBULATOIRE"
    assert (entry.service_start_time, entry.service_stop_time) == (
        "20210104124700",
        "20210104125500",
    )
    assert entry.legal_authenticator is not None
    assert entry.legal_authenticator.to_hl7() == (
        "807505123456^Camparini^Marcel^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
    )


def test_the_official_dmp_cda_gives_the_official_author_and_patient() -> None:
    """TD2.1-DocumentME2.xml is the CDA sent in the official TD2.1 request."""
    cda = raw("TD2.1-DocumentME2.xml")
    entry = document_entry_from_cda(cda, class_code=REPORT)
    assert entry.format_code is not None
    assert entry.format_code.code == "urn:ihe:iti:xds-sd:text:2008"  # as the official request
    assert entry.authors[0].person is not None
    assert entry.authors[0].person.to_hl7() == (
        "899900063480^MAX^LIBRE^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
    )
    assert entry.source_patient_id is not None
    assert entry.source_patient_id.to_hl7() == "0456789999^^^&1.2.250.1.999.1.1.7898.2&ISO^PI"
    assert entry.patient_id is not None
    assert entry.patient_id.to_hl7() == "207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH"


def test_submission_for_a_new_document_is_valid_and_schema_valid() -> None:
    cda = example("VSM_2023.01.xml")
    request = provide_and_register_from_cda(
        cda,
        submission_unique_id="1.2.250.1.999.1.1.7898.1.1",
        source_id="1.2.250.1.999.1.1.7898",
        submission_time="20240105103000",
        content_type_code=CONTENT_TYPE,
    )
    submission_set = request.submission_set
    assert submission_set.patient_id == request.document_entries[0].patient_id
    assert submission_set.authors == request.document_entries[0].authors
    assert [a.association_type for a in request.associations] == [AssociationType.HAS_MEMBER]
    assert request.documents[0].data == cda
    raise_for_failures(iti41.validate_request(request))
    element = iti41.encode_request(request)
    load_schema(Path(schema_dir())).validate(element)
    assert iti41.decode_request(element) == request


def test_replacement_needs_the_entry_uuid_of_the_replaced_document() -> None:
    cda = example("CSE-CS8_2024.01.xml")
    assert replaced_document_id(cda) == "1.2.250.1.213.1.1.1.5.1.1"
    options = {
        "submission_unique_id": "1.2.250.1.999.1.1.7898.1.2",
        "source_id": "1.2.250.1.999.1.1.7898",
        "submission_time": "20240105103000",
        "content_type_code": CONTENT_TYPE,
    }
    with pytest.raises(XdsMappingError, match="entryUUID"):
        provide_and_register_from_cda(cda, **options)  # type: ignore[arg-type]
    replaced = "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e"
    request = provide_and_register_from_cda(cda, replaced_entry_uuid=replaced, **options)  # type: ignore[arg-type]
    rplc = request.associations[1]
    assert (rplc.association_type, rplc.source, rplc.target) == (
        AssociationType.REPLACE,
        "Document01",
        replaced,
    )
    raise_for_failures(iti41.validate_request(request))
    with pytest.raises(XdsMappingError, match="relatedDocument"):
        provide_and_register_from_cda(
            example("VSM_2023.01.xml"),
            replaced_entry_uuid=replaced,
            **options,  # type: ignore[arg-type]
        )


def test_visibility_codes_and_custom_author() -> None:
    cda = example("VSM_2023.01.xml")
    entry = document_entry_from_cda(
        cda, extra_confidentiality_codes=(visibility_code("INVISIBLE_PATIENT"),)
    )
    assert entry.invisible_to_patient
    assert not entry.masked_to_professionals
    secretary = Author(specialties=(Code("SECRETAIRE", "9.9"),))
    submission_set = submission_set_for(
        entry,
        unique_id="1.2.3",
        source_id="1.2.4",
        submission_time="20240105",
        content_type_code=CONTENT_TYPE,
        author=secretary,
    )
    assert submission_set.authors == (secretary,)
    request = provide_and_register_from_cda(
        cda,
        submission_unique_id="1.2.3",
        source_id="1.2.4",
        submission_time="20240105",
        content_type_code=CONTENT_TYPE,
        entry=entry,
    )
    assert request.document_entries == (entry,)
    raise_for_failures(iti41.validate_request(request, ValidationContext()))


def test_bad_inputs() -> None:
    with pytest.raises(XdsMappingError, match="ClinicalDocument"):
        read_clinical_document(b"<html/>")
    no_ins = example("VSM_2023.01.xml").replace(b'root="1.2.250.1.213.1.4.8"', b'root="1.2.3"')
    with pytest.raises(XdsMappingError) as caught:
        document_entry_from_cda(no_ins)
    assert caught.value.field == "recordTarget/patientRole/id"
    assert "INS" in caught.value.message
    no_model = example("VSM_2023.01.xml").replace(b"1.2.250.1.213.1.1.1.13", b"1.2.3.4.5")
    with pytest.raises(XdsMappingError, match="formatCode"):
        document_entry_from_cda(no_model)
    fixed = document_entry_from_cda(no_model, format_code=Code("urn:x", "1.2.3"))
    assert fixed.format_code == Code("urn:x", "1.2.3")
