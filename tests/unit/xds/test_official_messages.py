"""Every ebRIM/ebRS payload of the official DMP messages parses into the model, and
re-encoding it gives the same structures (and schema-valid XML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.xds import (
    AssociationType,
    AvailabilityStatus,
    Code,
    FindDocuments,
    ResponseStatus,
    ReturnType,
    SubmissionSetStatus,
    XdsFormatError,
    iti18,
    iti41,
    iti43,
    iti57,
    load_schema,
    vocabulary,
)
from tests.unit.xds.dmp_messages import attachments, body, schema_dir

TD21 = "TD2.1_Alimentation_requete.xml"


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return load_schema(Path(schema_dir()))


def test_td21_request(schema) -> None:  # type: ignore[no-untyped-def]
    request = iti41.decode_request(body(TD21), attachments=attachments(TD21))
    submission_set = request.submission_set
    assert submission_set.entry_uuid == "SubmissionSet01"
    assert submission_set.unique_id == "1.2.250.1.999.1.1.7898.1.1622814651504"
    assert submission_set.source_id == "1.2.250.1.999.1.1.7898"
    assert submission_set.submission_time == "20210604135051"
    assert submission_set.content_type_code == Code(
        "04", "1.2.250.1.213.2.2", "Hospitalisation de jour"
    )
    assert submission_set.patient_id is not None
    assert (
        submission_set.patient_id.to_hl7()
        == "207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH^^20100907"
    )
    (author,) = submission_set.authors
    assert author.person is not None
    assert author.person.id == "899900063480"
    assert author.institutions[0].identifier == "499900063480001"
    assert author.specialties[0].code == "G15_10/SM26"

    document, signature = request.document_entries
    assert document.entry_uuid == "DocumentME2"
    assert document.unique_id == "1.2.250.1.999.1.1.7898.3.1622814651504"
    assert document.class_code == Code("10", "1.2.250.1.213.1.1.4.1", "Compte rendu")
    assert document.type_code is not None
    assert document.type_code.code == "27899-4"
    assert document.format_code is not None
    assert document.format_code.code == "urn:ihe:iti:xds-sd:text:2008"
    assert document.source_patient_id is not None
    assert document.source_patient_id.type_code == "PI"
    assert document.source_patient_info is not None
    assert document.source_patient_info.names[0].family_name == "patb-quatre"
    assert (document.title, document.comments) == ("Document 1", "commentaire sur document")
    assert (document.service_start_time, document.service_stop_time) == (
        "20100319183244",
        "20100319183344",
    )
    assert not document.masked_to_professionals
    assert signature.is_signature
    assert signature.masked_to_professionals
    assert signature.invisible_to_patient

    types = [(a.association_type, a.source, a.target) for a in request.associations]
    assert types == [
        (AssociationType.HAS_MEMBER, "SubmissionSet01", "DocumentME2"),
        (AssociationType.HAS_MEMBER, "SubmissionSet01", "Signature01"),
        (AssociationType.SIGNS, "Signature01", "SubmissionSet01"),
    ]
    assert request.associations[0].submission_set_status is SubmissionSetStatus.ORIGINAL
    # the official example attaches "documentME2" to the entry "DocumentME2"
    assert [d.id for d in request.documents] == ["documentME2", "Signature01"]
    content = request.document("DocumentME2")
    assert content is not None
    assert content.data.startswith(b"<ClinicalDocument")
    signature_content = request.document("Signature01")
    assert signature_content is not None
    assert b"<Signature" in signature_content.data

    element = iti41.encode_request(request)
    schema.validate(element)
    assert iti41.decode_request(element) == request


def test_td21_request_without_its_mime_parts_is_refused() -> None:
    with pytest.raises(XdsFormatError, match=r"cid:WS_DMP_TD2\.1-DocumentME2\.xml"):
        iti41.decode_request(body(TD21))


@pytest.mark.parametrize(
    "name",
    [
        "TD2.1_Alimentation_reponse.xml",
        "TD3.3c_Supprimer_un_document_reponse.xml",
        "TD3.3d_Archiver_un_document_reponse.xml",
    ],
)
def test_registry_responses(name: str, schema) -> None:  # type: ignore[no-untyped-def]
    response = iti41.decode_response(body(name))
    assert response.success
    assert response.errors == ()
    element = iti57.encode_response(response)
    schema.validate(element)
    assert iti57.decode_response(element) == response


def test_td31_request(schema) -> None:  # type: ignore[no-untyped-def]
    request = iti18.decode_request(body("TD3.1_Recherche_de_document_requete.xml"))
    assert request.return_type is ReturnType.LEAF_CLASS
    assert isinstance(request.query, FindDocuments)
    assert request.query.patient_id.to_hl7() == "207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH"
    assert request.query.statuses == (AvailabilityStatus.APPROVED,)
    element = iti18.encode_request(request)
    schema.validate(element)
    assert iti18.decode_request(element) == request
    # the slots are written exactly as the official example writes them
    raw, _ = iti18.decode_raw_request(element)
    official, _ = iti18.decode_raw_request(body("TD3.1_Recherche_de_document_requete.xml"))
    assert raw == official


def test_td31_response(schema) -> None:  # type: ignore[no-untyped-def]
    response = iti18.decode_response(body("TD3.1_Recherche_de_document_reponse.xml"))
    assert response.status is ResponseStatus.SUCCESS
    assert response.total_result_count == 21
    assert response.start_index == 0
    assert len(response.document_entries) == 21
    first = response.document_entries[0]
    assert first.entry_uuid == "urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e"
    assert first.logical_id == first.entry_uuid
    assert first.unique_id == "1.2.250.1.999.1.1.7898.1.995657292"
    assert first.repository_unique_id == "1.2.250.1.213.4.1.1.1.2"
    assert (first.hash, first.size, first.version) == (
        "af326fb44feb720121d2c277ce10f87407818089",
        2768,
        "1",
    )
    assert first.availability_status is AvailabilityStatus.APPROVED
    assert first.invisible_to_patient
    assert not first.masked_to_professionals
    assert first.event_codes == (
        Code("H33", "2.16.840.1.113883.6.3", "Décollement et déchirement de la rétine"),
    )
    assert first.legal_authenticator is not None
    assert first.legal_authenticator.family_name == "OPTOLUNE0058"
    assert iti18.validate_response(response) == []
    element = iti18.encode_response(response)
    schema.validate(element)
    assert iti18.decode_response(element) == response


def test_td32_request_and_response(schema) -> None:  # type: ignore[no-untyped-def]
    request = iti43.decode_request(body("TD3.2_Consultation_dun_document_requete.xml"))
    (document,) = request.documents
    assert document.repository_unique_id == "1.2.250.1.213.4.1.1.1.2"
    assert document.document_unique_id == "1.2.250.1.999.1.1.7898.1.995657292"
    assert iti43.validate_request(request) == []
    schema.validate(iti43.encode_request(request))

    official = body("TD3.2_Consultation_dun_document_reponse.xml")
    with pytest.raises(XdsFormatError, match="xop:Include"):
        iti43.decode_response(official)  # the kit file has no MIME part
    content_id = "b857abb7-a2c3-4db8-bd69-d5ff76826e72-2@urn:ihe:iti:xds-b:2007"
    response = iti43.decode_response(official, attachments={content_id: b"<ClinicalDocument/>"})
    assert response.success
    (retrieved,) = response.documents
    assert (retrieved.mime_type, retrieved.data) == ("text/xml", b"<ClinicalDocument/>")
    schema.validate(iti43.encode_response(response))


@pytest.mark.parametrize(
    ("name", "original", "new", "unique_id"),
    [
        (
            "TD3.3c_Supprimer_un_document_requete.xml",
            AvailabilityStatus.ARCHIVED,
            AvailabilityStatus.DELETED,
            "1.2.250.1.999.1.1.7898.3.20180518163612.3",
        ),
        (
            "TD3.3d_Archiver_un_document_requete.xml",
            AvailabilityStatus.APPROVED,
            AvailabilityStatus.ARCHIVED,
            "1.2.250.1.999.1.1.7898.1.11086546546895",
        ),
    ],
)
def test_td33_requests(name: str, original, new, unique_id: str, schema) -> None:  # type: ignore[no-untyped-def]
    request = iti57.decode_request(body(name))
    assert request.submission_set.unique_id == unique_id
    assert request.document_entries == ()
    (change,) = request.associations
    assert change.association_type is AssociationType.UPDATE_AVAILABILITY_STATUS
    assert change.source == "SubmissionSet01"
    assert change.target == "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e"
    assert (change.original_status, change.new_status) == (original, new)
    assert iti57.validate_request(request) == []
    # the official file omits classifiedObject/registryObject; what esante writes is valid
    element = iti57.encode_request(request)
    schema.validate(element)
    assert iti57.decode_request(element) == request


@pytest.mark.parametrize(
    "name",
    [TD21, "TD3.1_Recherche_de_document_reponse.xml", "TD3.3c_Supprimer_un_document_requete.xml"],
)
def test_every_scheme_of_the_official_messages_is_in_the_vocabulary(name: str) -> None:
    known = {
        value
        for key, value in vars(vocabulary).items()
        if key.startswith(("DE_", "SS_", "FOLDER_")) or key.endswith("_NODE")
    }
    payload = body(name)
    used = {
        value
        for attribute in ("classificationScheme", "identificationScheme", "classificationNode")
        for value in payload.xpath(f"//@{attribute}")
    }
    assert used
    assert used <= known
