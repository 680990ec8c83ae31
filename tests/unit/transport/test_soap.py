"""SOAP envelopes: every official DMP message parses; built envelopes and faults round-trip."""

from __future__ import annotations

import pytest
from lxml import etree

from esante.transport import (
    ANONYMOUS,
    SOAP12_NS,
    WSA_NS,
    WSSE_NS,
    MessageError,
    PermanentError,
    ReceiverFaultError,
    SenderFaultError,
    SoapFaultError,
    SoapRequest,
    TransientError,
    build_envelope,
    build_fault,
    fault_error,
    parse_envelope,
    security_tokens,
    with_addressing,
    with_reply_addressing,
    with_security,
)
from tests.conftest import shared_path

MAX = 10 * 1024 * 1024
SAML_ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"

# (file, WS-Addressing Action, local name of the Body payload), read from the DMP kit.
OFFICIAL = [
    ("TD0.2_Test_dexistence_reponse.xml", "urn:hl7-org:v3:PRPA_IN201308UV02", "PRPA_IN201308UV02"),
    ("TD0.2_Test_dexistence_requete.xml", "urn:hl7-org:v3:PRPA_IN201307UV02", "PRPA_IN201307UV02"),
    (
        "TD0.3_Mise_a_jour_de_lautorisation_reponse.xml",
        "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorizationResponse",
        "setAuthorizationResponse",
    ),
    (
        "TD0.3_Mise_a_jour_de_lautorisation_requete.xml",
        "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization",
        "setAuthorization",
    ),
    (
        "TD0.4_Liste_des_DMP_autorises_reponse.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:patientListResponse",
        "patientListResponse",
    ),
    (
        "TD0.4_Liste_des_DMP_autorises_requete.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:patientList",
        "patientList",
    ),
    (
        "TD0.5_Recherche_dun_patient_sans_INS_reponse.xml",
        "urn:hl7-org:v3:PRPA_IN201306UV02",
        "PRPA_IN201306UV02",
    ),
    (
        "TD0.5_Recherche_dun_patient_sans_INS_requete.xml",
        "urn:hl7-org:v3:PRPA_IN201305UV02",
        "PRPA_IN201305UV02",
    ),
    ("TD1.3a_Consultation_reponse.xml", "urn:hl7-org:v3:PRPA_IN201308UV02", "PRPA_IN201308UV02"),
    ("TD1.3a_Consultation_requete.xml", "urn:hl7-org:v3:PRPA_IN201307UV02", "PRPA_IN201307UV02"),
    (
        "TD1.3b_Modification_reponse.xml",
        "urn:hl7-org:v3:PRPA_IN201314ResponseUV02",
        "PRPA_IN201314UV02_Response",
    ),
    ("TD1.3b_Modification_requete.xml", "urn:hl7-org:v3:PRPA_IN201314UV02", "PRPA_IN201314UV02"),
    (
        "TD1.4_Fermer_reponse.xml",
        "urn:hl7-org:v3:PRPA_IN201314ResponseUV02",
        "PRPA_IN201314UV02_Response",
    ),
    ("TD1.4_Fermer_requete.xml", "urn:hl7-org:v3:PRPA_IN201314UV02", "PRPA_IN201314UV02"),
    (
        "TD1.5a_Creation_du_compte_internet_patient_reponse.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:createPatientAccessResponse",
        "createPatientAccessResponse",
    ),
    (
        "TD1.5a_Creation_du_compte_internet_patient_requete.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:createPatientAccess",
        "createPatientAccess",
    ),
    (
        "TD1.5b_Ajout_dun_canal_OTP_reponse.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:patientOTPUpdateResponse",
        "patientOTPUpdateResponse",
    ),
    (
        "TD1.5b_Ajout_dun_canal_OTP_requete.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:patientOTPUpdate",
        "patientOTPUpdate",
    ),
    (
        # The kit's response announces a fault action but its body is a normal response.
        "TD1.5d_Maj_des_information_du_compte_internet_reponse.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:updatePatientAccess:Fault:SoapFault",
        "updatePatientAccessResponse",
    ),
    (
        "TD1.5d_Maj_des_information_du_compte_internet_requete.xml",
        "urn:si-dmp-patients:PatientSpecificEndPoint:updatePatientAccess",
        "updatePatientAccess",
    ),
    (
        "TD1.6_Liste_des_PS_autorises_ou_bloques_reponse.xml",
        "urn:si-dmp-habilitations:HabilitationsEndPoint:listAuthorizationByPatientResponse",
        "listAuthorizationByPatientResponse",
    ),
    (
        "TD1.6_Liste_des_PS_autorises_ou_bloques_requete.xml",
        "urn:si-dmp-habilitations:HabilitationsEndPoint:listAuthorizationByPatient",
        "listAuthorizationByPatient",
    ),
    (
        "TD2.1_Alimentation_reponse.xml",
        "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse",
        "RegistryResponse",
    ),
    (
        "TD3.1_Recherche_de_document_reponse.xml",
        "urn:ihe:iti:2007:RegistryStoredQueryResponse",
        "AdhocQueryResponse",
    ),
    (
        "TD3.1_Recherche_de_document_requete.xml",
        "urn:ihe:iti:2007:RegistryStoredQuery",
        "AdhocQueryRequest",
    ),
    (
        "TD3.2_Consultation_dun_document_reponse.xml",
        "urn:ihe:iti:2007:RetrieveDocumentSetResponse",
        "RetrieveDocumentSetResponse",
    ),
    (
        "TD3.2_Consultation_dun_document_requete.xml",
        "urn:ihe:iti:2007:RetrieveDocumentSet",
        "RetrieveDocumentSetRequest",
    ),
    (
        "TD3.3c_Supprimer_un_document_reponse.xml",
        "urn:ihe:iti:2010:UpdateDocumentSet-Response",
        "RegistryResponse",
    ),
    (
        "TD3.3c_Supprimer_un_document_requete.xml",
        "urn:ihe:iti:2010:UpdateDocumentSet",
        "SubmitObjectsRequest",
    ),
    (
        "TD3.3d_Archiver_un_document_reponse.xml",
        "urn:ihe:iti:2010:UpdateDocumentSet-Response",
        "RegistryResponse",
    ),
    (
        "TD3.3d_Archiver_un_document_requete.xml",
        "urn:ihe:iti:2010:UpdateDocumentSet",
        "SubmitObjectsRequest",
    ),
    ("WS_INS2_rechercherInsAvecTraitsIdentite_reponse.xml", None, "RESULTAT"),
    (
        "WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml",
        "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite",
        "RECSANSVITALE",
    ),
]


def _kit(name: str) -> bytes:
    return shared_path("dmp-kit", "messages", name).read_bytes()


def test_every_kit_envelope_is_listed() -> None:
    folder = shared_path("dmp-kit", "messages")
    envelopes = {
        p.name for p in folder.glob("*.xml") if p.read_bytes().lstrip().startswith(b"<soap:")
    }
    assert envelopes == {name for name, _, _ in OFFICIAL}


@pytest.mark.parametrize(("name", "action", "payload"), OFFICIAL, ids=[o[0] for o in OFFICIAL])
def test_official_envelope_parses(name: str, action: str | None, payload: str) -> None:
    envelope = parse_envelope(_kit(name), max_bytes=MAX)
    assert envelope.version == "1.2"
    assert envelope.addressing.action == action
    assert envelope.payload is not None
    assert etree.QName(envelope.payload).localname == payload
    assert envelope.fault is None
    if name.startswith("TD") and "requete" in name:
        assert envelope.addressing.message_id.startswith("urn:uuid:")
        assert envelope.addressing.reply_to == ANONYMOUS
        tokens = security_tokens(envelope)
        assert [t.tag for t in tokens] == [SAML_ASSERTION]
    elif name.startswith("TD"):
        assert envelope.addressing.to == ANONYMOUS
        assert envelope.addressing.relates_to.startswith("urn:uuid:")


def test_td21_response_relates_to_the_td21_request() -> None:
    # The only request/response pair of the kit whose ids match (the request is MTOM).
    request = _kit("TD2.1_Alimentation_requete.xml")
    response = parse_envelope(_kit("TD2.1_Alimentation_reponse.xml"), max_bytes=MAX)
    assert response.addressing.relates_to is not None
    assert response.addressing.relates_to.encode() in request


def _payload() -> etree._Element:
    query = etree.Element("{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryRequest")
    etree.SubElement(query, "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}AdhocQuery", id="x")
    return query


def test_built_request_carries_addressing_and_security_and_round_trips() -> None:
    token = etree.fromstring(
        b'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1"/>'
    )
    request = SoapRequest(url="https://dmp.example/registry", envelope=build_envelope(_payload()))
    request = with_security(request, token)
    request = with_addressing(
        request, action="urn:ihe:iti:2007:RegistryStoredQuery", message_id="urn:uuid:42"
    )
    parsed = parse_envelope(request.envelope.to_bytes(), max_bytes=MAX)
    assert parsed.version == "1.2"
    assert parsed.addressing.action == "urn:ihe:iti:2007:RegistryStoredQuery"
    assert parsed.addressing.message_id == "urn:uuid:42"
    assert parsed.addressing.to == "https://dmp.example/registry"
    assert parsed.addressing.reply_to == ANONYMOUS
    header = parsed.header
    assert header is not None
    # Addressing first, then security, as in the DMP examples.
    assert [etree.QName(c).localname for c in header] == [
        "MessageID",
        "To",
        "ReplyTo",
        "Action",
        "Security",
    ]
    action = parsed.header_blocks(f"{{{WSA_NS}}}Action")[0]
    assert action.get(f"{{{SOAP12_NS}}}mustUnderstand") == "true"
    assert [t.get("ID") for t in security_tokens(parsed)] == ["_1"]
    assert parsed.payload is not None
    assert parsed.payload.tag == "{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryRequest"


def test_header_functions_do_not_mutate_their_input() -> None:
    original = SoapRequest(url="https://x/y", envelope=build_envelope(_payload()))
    before = original.envelope.to_bytes()
    with_addressing(original, action="urn:a")
    with_security(original, etree.Element("{urn:x}token"))
    assert original.envelope.to_bytes() == before


def test_addressing_replaces_previous_headers_and_uses_the_id_source() -> None:
    request = SoapRequest(url="https://x/y", envelope=build_envelope(_payload()))
    ids = iter(["urn:uuid:1", "urn:uuid:2"])
    first = with_addressing(request, action="urn:a", id_source=lambda: next(ids))
    second = with_addressing(first, action="urn:b", id_source=lambda: next(ids))
    assert second.envelope.addressing.action == "urn:b"
    assert second.envelope.addressing.message_id == "urn:uuid:2"
    assert len(second.envelope.header_blocks(f"{{{WSA_NS}}}Action")) == 1


def test_security_tokens_are_appended_to_one_security_header() -> None:
    request = SoapRequest(url="https://x/y", envelope=build_envelope(_payload()))
    request = with_security(request, etree.Element("{urn:x}a"))
    request = with_security(request, etree.Element("{urn:x}b"))
    assert len(request.envelope.header_blocks(f"{{{WSSE_NS}}}Security")) == 1
    assert [t.tag for t in security_tokens(request.envelope)] == ["{urn:x}a", "{urn:x}b"]


def test_reply_addressing_relates_to_the_request() -> None:
    from esante.transport import SoapResponse

    response = SoapResponse(envelope=build_envelope(_payload()))
    response = with_reply_addressing(
        response, action="urn:ihe:iti:2007:RegistryStoredQueryResponse", relates_to="urn:uuid:9"
    )
    addressing = response.envelope.addressing
    assert addressing.relates_to == "urn:uuid:9"
    assert addressing.to == ANONYMOUS
    assert addressing.action == "urn:ihe:iti:2007:RegistryStoredQueryResponse"


def test_fault_round_trip_with_subcodes_reason_and_detail() -> None:
    detail = etree.Element("{urn:x}error", code="DMPAccessDenied")
    envelope = build_fault(
        "Sender",
        "Accès refusé au DMP",
        subcodes=["{urn:si-dmp}AccessDenied", "{urn:si-dmp}NoAuthorization"],
        detail=[detail],
    )
    fault = parse_envelope(envelope.to_bytes(), max_bytes=MAX).fault
    assert fault is not None
    assert fault.code == "Sender"
    assert fault.subcodes == ("{urn:si-dmp}AccessDenied", "{urn:si-dmp}NoAuthorization")
    assert fault.reason == "Accès refusé au DMP"
    assert fault.reason_lang == "fr"
    assert fault.detail is not None
    assert fault.detail[0].get("code") == "DMPAccessDenied"


def test_fault_classification() -> None:
    sender = fault_error(parse_envelope(build_fault("Sender", "x").to_bytes(), max_bytes=MAX).fault)
    receiver = fault_error(
        parse_envelope(build_fault("Receiver", "y").to_bytes(), max_bytes=MAX).fault
    )
    must = fault_error(
        parse_envelope(build_fault("MustUnderstand", "z").to_bytes(), max_bytes=MAX).fault
    )
    assert isinstance(sender, SenderFaultError)
    assert isinstance(sender, PermanentError)
    assert isinstance(receiver, ReceiverFaultError)
    assert isinstance(receiver, TransientError)
    assert isinstance(must, SenderFaultError)
    for error in (sender, receiver, must):
        assert isinstance(error, SoapFaultError)
    assert "x" in sender.message


def test_soap11_fault_is_read() -> None:
    data = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Server</faultcode><faultstring>panne</faultstring></s:Fault>"
        b"</s:Body></s:Envelope>"
    )
    envelope = parse_envelope(data, max_bytes=MAX)
    assert envelope.version == "1.1"
    fault = envelope.fault
    assert fault is not None
    assert (fault.code, fault.reason) == ("Receiver", "panne")


def test_reason_prefers_french_text() -> None:
    data = (
        f'<e:Envelope xmlns:e="{SOAP12_NS}"><e:Body><e:Fault><e:Code><e:Value>e:Sender</e:Value>'
        "</e:Code><e:Reason><e:Text xml:lang='en'>denied</e:Text>"
        "<e:Text xml:lang='fr'>refusé</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>"
    ).encode()
    fault = parse_envelope(data, max_bytes=MAX).fault
    assert fault is not None
    assert fault.reason == "refusé"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not xml at all", "mal formé"),
        (b"<a/>", "pas une enveloppe SOAP"),
        (f'<e:Envelope xmlns:e="{SOAP12_NS}"><e:Header/></e:Envelope>'.encode(), "sans Body"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
    ],
)
def test_malformed_envelopes_are_refused_clearly(data: bytes, expected: str) -> None:
    with pytest.raises(MessageError) as err:
        parse_envelope(data, max_bytes=MAX)
    assert expected in err.value.message


def test_envelope_size_is_bounded() -> None:
    big = build_envelope(_payload()).to_bytes()
    with pytest.raises(MessageError) as err:
        parse_envelope(big, max_bytes=len(big) - 1)
    assert "volumineux" in err.value.message
