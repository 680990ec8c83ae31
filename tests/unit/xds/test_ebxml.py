"""Model -> ebRIM -> model round trips, and the XML emitted validates against the XSDs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from esante.xds import (
    AssociationType,
    AvailabilityStatus,
    Code,
    DocumentRequest,
    ErrorSeverity,
    FindDocuments,
    GetAssociations,
    GetDocuments,
    QueryRequest,
    QueryResponse,
    RegistryError,
    RegistryResponse,
    ResponseStatus,
    RetrievedDocument,
    RetrieveDocumentSetRequest,
    RetrieveDocumentSetResponse,
    ReturnType,
    XdsFormatError,
    XdsSchemaError,
    archive_document,
    delete_document,
    load_schema,
    mask_to_professionals,
)
from esante.xds.ebxml import (
    association_from_ebrim,
    association_to_ebrim,
    document_entry_from_ebrim,
    document_entry_to_ebrim,
    provide_and_register_from_xml,
    provide_and_register_to_xml,
    query_request_from_xml,
    query_request_to_xml,
    query_response_from_xml,
    query_response_to_xml,
    registry_response_from_xml,
    registry_response_to_xml,
    retrieve_request_from_xml,
    retrieve_request_to_xml,
    retrieve_response_from_xml,
    retrieve_response_to_xml,
    submission_set_from_ebrim,
    submission_set_to_ebrim,
    update_document_set_from_xml,
    update_document_set_to_xml,
)
from esante.xds.vocabulary import DE_CLASS_CODE, NS_RIM, NS_XOP
from tests.unit.xds import samples
from tests.unit.xds.dmp_messages import schema_dir

PATIENT = samples.PATIENT


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return load_schema(Path(schema_dir()))


def test_document_entry_round_trip() -> None:
    for entry in (samples.entry(), samples.registered_entry()):
        element = document_entry_to_ebrim(entry, new_id=samples.ids())
        assert document_entry_from_ebrim(element) == entry


def test_document_entry_wire_form() -> None:
    element = document_entry_to_ebrim(samples.entry(), new_id=samples.ids("cl"))
    ns = {"rim": NS_RIM}
    assert element.get("objectType") == "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
    (klass,) = element.xpath(
        f"rim:Classification[@classificationScheme='{DE_CLASS_CODE}']", namespaces=ns
    )
    assert klass.get("nodeRepresentation") == "11"
    assert klass.get("classifiedObject") == "Document01"
    assert klass.xpath(
        "rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value/text()", namespaces=ns
    ) == ["1.2.250.1.213.1.1.4.1"]
    assert element.xpath(
        "rim:Slot[@name='sourcePatientInfo']//rim:Value/text()", namespaces=ns
    ) == [
        "PID-5|NESSI^Ruth^^^^^L",
        "PID-7|19770714",
        "PID-8|F",
    ]
    assert element.xpath(
        "rim:Slot[@name='legalAuthenticator']//rim:Value/text()", namespaces=ns
    ) == ["801234567897^MEDIONI^Stéphane^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"]
    children = [etree.QName(c).localname for c in element]
    # rim.xsd order: Slot* Name? Description? VersionInfo? Classification* ExternalIdentifier*
    assert children == sorted(
        children,
        key=[
            "Slot",
            "Name",
            "Description",
            "VersionInfo",
            "Classification",
            "ExternalIdentifier",
        ].index,
    )


def test_submission_set_and_association_round_trip() -> None:
    submission_set = samples.submission_set()
    assert submission_set_from_ebrim(submission_set_to_ebrim(submission_set)) == submission_set
    for association in (
        samples.replacement(),
        samples.provide_and_register().associations[0],
    ):
        assert association_from_ebrim(association_to_ebrim(association)) == association


def test_provide_and_register_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    request = samples.provide_and_register(
        associations=(*samples.provide_and_register().associations, samples.replacement())
    )
    element = provide_and_register_to_xml(request, new_id=samples.ids())
    schema.validate(element)
    assert provide_and_register_from_xml(element) == request
    # and through bytes, as received
    assert provide_and_register_from_xml(etree.tostring(element)) == request


def test_provide_and_register_with_mtom_attachments(schema) -> None:  # type: ignore[no-untyped-def]
    request = samples.provide_and_register()

    def attach(document):  # type: ignore[no-untyped-def]
        include = etree.Element(f"{{{NS_XOP}}}Include", nsmap={"xop": NS_XOP})
        include.set("href", f"cid:{document.id}%40esante")
        return include

    element = provide_and_register_to_xml(request, attach=attach)
    schema.validate(element)  # xop:Include stands for base64 content
    decoded = provide_and_register_from_xml(
        element, attachments={"Document01@esante": samples.CONTENT}
    )
    assert decoded.documents == request.documents
    with pytest.raises(XdsFormatError, match="xop:Include"):
        provide_and_register_from_xml(element, attachments={})


def test_update_document_set_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    submission_set = samples.submission_set()
    for request in (
        mask_to_professionals(
            samples.registered_entry(), masked=True, submission_set=submission_set
        ),
        delete_document(samples.registered_entry().entry_uuid, submission_set=submission_set),
        archive_document(
            samples.registered_entry().entry_uuid, archived=False, submission_set=submission_set
        ),
    ):
        element = update_document_set_to_xml(request)
        schema.validate(element)
        assert update_document_set_from_xml(element) == request


def test_query_request_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    queries = [
        FindDocuments(
            patient_id=PATIENT,
            statuses=(AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED),
            class_codes=(Code("11", "1.2.250.1.213.1.1.4.1"), Code("10", "1.2.250.1.213.1.1.4.1")),
            type_codes=(Code("SYNTH", "1.2.250.1.213.1.1.4.12"),),
            confidentiality_codes=((Code("MASQUE_PS", "1.2.250.1.213.1.1.4.13"),),),
            event_codes=(
                (Code("H33", "2.16.840.1.113883.6.3"),),
                (Code("BACA008", "1.2.250.1.213.2.5"),),
            ),
            author_persons=("%MEDIONI%",),
            creation_time_from="20240101",
            creation_time_to="20250101",
            service_start_time_from="2023",
        ),
        GetDocuments(unique_ids=("1.2.250.1.999.1.1.7898.3.42", "1.2.3'4")),
        GetAssociations(uuids=("urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e",)),
    ]
    for query in queries:
        for return_type in ReturnType:
            request = QueryRequest(query, return_type)
            element = query_request_to_xml(request)
            schema.validate(element)
            assert query_request_from_xml(element) == request


def test_query_response_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    leaf = QueryResponse(
        ResponseStatus.SUCCESS,
        document_entries=(samples.registered_entry(),),
        submission_sets=(
            samples.submission_set(entry_uuid="urn:uuid:f26abbcb-0000-4422-8a30-edb644bbc1a9"),
        ),
        associations=(samples.replacement(),),
        total_result_count=1,
        start_index=0,
    )
    refs = QueryResponse(
        ResponseStatus.SUCCESS, references=("urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e",)
    )
    failure = QueryResponse(
        ResponseStatus.FAILURE,
        errors=(
            RegistryError(
                "XDSUnknownPatientId", "patient inconnu", location="$XDSDocumentEntryPatientId"
            ),
        ),
    )
    for response in (leaf, refs, failure):
        element = query_response_to_xml(response, new_id=samples.ids())
        schema.validate(element)
        assert query_response_from_xml(element) == response


def test_registry_response_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    responses = [
        RegistryResponse(ResponseStatus.SUCCESS),
        RegistryResponse(
            ResponseStatus.PARTIAL_SUCCESS,
            (RegistryError("XDSRegistryError", "partiel", ErrorSeverity.WARNING),),
        ),
        RegistryResponse.from_errors(
            (
                RegistryError("XDSNonIdenticalHash", "hash", location="DocumentEntry[Document01]"),
                RegistryError("XDSRegistryMetadataError", "warn", ErrorSeverity.WARNING),
            )
        ),
    ]
    assert responses[2].status == ResponseStatus.FAILURE
    assert responses[2].error_codes == ("XDSNonIdenticalHash", "XDSRegistryMetadataError")
    for response in responses:
        element = registry_response_to_xml(response)
        schema.validate(element)
        assert registry_response_from_xml(element) == response


def test_retrieve_round_trip_and_schema(schema) -> None:  # type: ignore[no-untyped-def]
    request = RetrieveDocumentSetRequest(
        (DocumentRequest("1.2.250.1.213.4.1.1.1.2", "1.2.250.1.999.1.1.7898.3.42"),)
    )
    element = retrieve_request_to_xml(request)
    schema.validate(element)
    assert retrieve_request_from_xml(element) == request
    response = RetrieveDocumentSetResponse(
        RegistryResponse(ResponseStatus.SUCCESS),
        (
            RetrievedDocument(
                "1.2.250.1.213.4.1.1.1.2",
                "1.2.250.1.999.1.1.7898.3.42",
                "text/xml",
                samples.CONTENT,
            ),
        ),
    )
    element = retrieve_response_to_xml(response)
    schema.validate(element)
    assert retrieve_response_from_xml(element) == response


def test_schema_rejects_what_the_xsd_forbids(schema) -> None:  # type: ignore[no-untyped-def]
    element = association_to_ebrim(samples.replacement())
    wrapper = etree.fromstring(
        b'<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
        b'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList/>'
        b"</lcm:SubmitObjectsRequest>"
    )
    del element.attrib["sourceObject"]
    wrapper[0].append(element)
    with pytest.raises(XdsSchemaError) as caught:
        schema.validate(wrapper, what="Requête")
    assert "sourceObject" in " ".join(caught.value.errors)


def test_missing_schema_directory(tmp_path: Path) -> None:
    with pytest.raises(XdsSchemaError, match="introuvables"):
        load_schema(tmp_path)


def test_association_type_round_trips_even_when_unknown() -> None:
    association = samples.replacement()
    element = association_to_ebrim(association)
    element.set("associationType", "urn:example:Custom")
    assert association_from_ebrim(element).association_type == "urn:example:Custom"
    assert association.association_type is AssociationType.REPLACE


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(title=_TEXT, display=_TEXT, family=_TEXT.map(str.strip).filter(bool))
def test_round_trip_of_free_text(title: str, display: str, family: str) -> None:
    person = dataclasses.replace(samples.DOCTOR, family_name=family)
    entry = samples.entry(
        title=title,
        comments=display,
        class_code=Code("11", "1.2.250.1.213.1.1.4.1", display),
        legal_authenticator=person,
    )
    assert document_entry_from_ebrim(document_entry_to_ebrim(entry)) == entry


def test_control_characters_are_refused_clearly() -> None:
    with pytest.raises(XdsFormatError, match="Caractère non autorisé"):
        document_entry_to_ebrim(samples.entry(title="Synthèse\x0b"))
