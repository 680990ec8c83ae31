"""The DMP sandbox's HTTP application, in-process: routing, pipeline, answers, troubles.

The real DMP client sends its bytes through the in-process transport to
:meth:`DmpHttpApp.wire_handler`, bound to the TLS client certificate a connection would
have presented (or none).
"""

from __future__ import annotations

import base64

import pytest
from lxml import etree
from sqlalchemy import Engine

from esante.dmp import Actor, DmpClient, DmpRejectedError, DmpUnavailableError
from esante.identity import check_ins
from esante.sandbox.dmp import DmpAdmin, PatientIns, session_factory
from esante.sandbox.dmp.http import DmpHttpApp
from esante.sandbox.dmp.soap import BY_ACTION, ENDPOINTS, SERVICES, EndpointOptions
from esante.transport import WireRequest, decode_response
from esante.trust import Pki
from esante.xds.transactions import TRANSACTIONS
from tests.unit.sandbox.http.conftest import BASE, in_process_client

PATIENT = check_ins("279035121518989", "1.2.250.1.213.1.4.10")
CDA_PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def _open(engine: Engine, *authorized: Actor) -> None:
    with session_factory(engine)() as session:
        admin = DmpAdmin(session)
        patient = PatientIns(PATIENT.matricule, PATIENT.oid or "")
        admin.create_dmp(patient, family_name="MARTIN", given_name="Marie")
        for actor in authorized:
            admin.set_authorization(patient, actor.id)


def _cda(actor: Actor, document_id: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="FR"/><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/><templateId root="1.2.250.1.213.1.1.1.1"/>
  <templateId root="1.3.6.1.4.1.19376.1.2.20"/>
  <id root="{document_id}"/>
  <code code="11488-4" codeSystem="2.16.840.1.113883.6.1" displayName="CR de consultation"/>
  <title>Compte rendu de consultation</title>
  <effectiveTime value="20250115103000+0100"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25" displayName="Normal"/>
  <languageCode code="fr-FR"/>
  <recordTarget><patientRole><id root="{PATIENT.oid}" extension="{PATIENT.matricule}"/>
    <patient><name><given>MARIE</given><family qualifier="BR">MARTIN</family></name>
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="19790315"/></patient></patientRole></recordTarget>
  <author><time value="20250115103000+0100"/><assignedAuthor>
    <id root="1.2.250.1.71.4.2.1" extension="{actor.id}"/>
    <code code="G15_10/SM54" codeSystem="1.2.250.1.213.1.1.4.5" displayName="Médecin"/>
    <assignedPerson><name><given>François</given><family>PERRIN</family></name></assignedPerson>
    <representedOrganization><id root="1.2.250.1.71.4.2.2" extension="{actor.structure_id}"/>
      <name>CABINET</name>
      <standardIndustryClassCode code="AMBULATOIRE" codeSystem="1.2.250.1.213.1.1.4.9"
          displayName="Ambulatoire"/>
    </representedOrganization></assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.71.4.2.2" extension="{actor.structure_id}"/><name>CABINET</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <legalAuthenticator><time value="20250115103000+0100"/><signatureCode code="S"/>
    <assignedEntity><id root="1.2.250.1.71.4.2.1" extension="{actor.id}"/>
      <assignedPerson><name><given>François</given><family>PERRIN</family></name>
      </assignedPerson></assignedEntity></legalAuthenticator>
  <documentationOf><serviceEvent><effectiveTime><low value="20250115100000+0100"/>
  </effectiveTime></serviceEvent></documentationOf>
  <componentOf><encompassingEncounter><effectiveTime><low value="20250115100000+0100"/>
    </effectiveTime><location><healthCareFacility>
      <code code="SA07" codeSystem="1.2.250.1.71.4.2.4" displayName="Cabinet individuel"/>
    </healthCareFacility></location></encompassingEncounter></componentOf>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">{CDA_PDF}</text>
  </nonXMLBody></component>
</ClinicalDocument>
""".encode()


# --- the transaction table --------------------------------------------------------------


def test_every_xds_transaction_is_served_on_the_service_of_its_actor() -> None:
    for transaction in TRANSACTIONS.values():
        endpoint = BY_ACTION[transaction.action]
        assert endpoint.service == transaction.endpoint.value
        assert endpoint.response_action == transaction.response_action
    assert {e.service for e in ENDPOINTS} == set(SERVICES)
    assert len(BY_ACTION) == len(ENDPOINTS)


# --- routing ------------------------------------------------------------------------------


def test_routing_answers_health_and_refuses_other_paths_and_methods(app: DmpHttpApp) -> None:
    def call(method: str, path: str) -> int:
        wire = WireRequest(url=path, content_type="application/soap+xml", body=b"")
        return app.handle(method, wire, None).status_code

    assert call("GET", "/health") == 200
    assert call("GET", "/si-dmp-server/v2/services") == 200
    assert call("GET", "/si-dmp-server/v2/services/registry") == 405
    assert call("POST", "/si-dmp-server/v2/services/elsewhere") == 404
    assert call("POST", "/") == 404


# --- a whole exchange in-process --------------------------------------------------------


def test_submit_find_retrieve_in_process(
    app: DmpHttpApp, engine: Engine, client: DmpClient, doctor: Actor
) -> None:
    _open(engine, doctor)
    cda = _cda(doctor, "1.2.250.1.999.42.7.1")
    assert client.test_existence(PATIENT, actor=doctor).authorized
    sent = client.submit(PATIENT, cda, actor=doctor)
    found = client.find_documents(PATIENT, actor=doctor)
    assert [d.unique_id for d in found.documents] == [sent.document_unique_id]
    (entry,) = found.documents
    assert entry.legal_authenticator is not None  # kept from the submitted metadata
    assert entry.legal_authenticator.id == doctor.id
    retrieved = client.retrieve(
        PATIENT, sent.document_unique_id, entry.repository_unique_id or "", actor=doctor
    )
    assert retrieved.data == cda


def test_a_second_submission_of_the_same_document_is_a_duplicate(
    engine: Engine, client: DmpClient, doctor: Actor
) -> None:
    _open(engine, doctor)
    cda = _cda(doctor, "1.2.250.1.999.42.7.2")
    client.submit(PATIENT, cda, actor=doctor)
    with pytest.raises(DmpRejectedError) as duplicate:
        client.submit(PATIENT, cda, actor=doctor)
    assert duplicate.value.code == "XDSDuplicateUniqueIdInRegistry"


def test_a_request_without_tls_certificate_is_refused(
    app: DmpHttpApp, engine: Engine, pki: Pki, doctor: Actor
) -> None:
    _open(engine, doctor)
    client = in_process_client(app, pki, peer=False)
    with pytest.raises(DmpRejectedError) as refused:
        client.test_existence(PATIENT, actor=doctor)
    assert refused.value.code == "FailedAuthentication"
    assert "Certificat" in refused.value.message


def test_the_answer_relates_to_the_request(app: DmpHttpApp, engine: Engine, pki: Pki) -> None:
    envelope = (
        b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header>'
        b"<wsa:Action>urn:hl7-org:v3:PRPA_IN201307UV02</wsa:Action>"
        b"<wsa:MessageID>urn:uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID>"
        b"</soap:Header><soap:Body/></soap:Envelope>"
    )
    wire = WireRequest(f"{BASE}/patients", "application/soap+xml", envelope)
    answer = decode_response(app.handle("POST", wire, pki.authentication.load_certificate()))
    assert answer.envelope.addressing.relates_to == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert answer.fault is not None
    assert answer.fault.code == "Sender"
    assert answer.status_code == 400


# --- trouble ------------------------------------------------------------------------------


def test_trouble_settings_apply_to_the_next_request(
    app: DmpHttpApp, engine: Engine, client: DmpClient, doctor: Actor
) -> None:
    _open(engine, doctor)
    with session_factory(engine)() as session:
        DmpAdmin(session).set_troubles(fail_rate=1.0)
    with pytest.raises(DmpUnavailableError) as busy:
        client.test_existence(PATIENT, actor=doctor)
    assert busy.value.code == "XDSRegistryBusy"
    with session_factory(engine)() as session:
        DmpAdmin(session).set_troubles(fail_rate=0.0, down=True)
    with pytest.raises(DmpUnavailableError) as down:
        client.test_existence(PATIENT, actor=doctor)
    assert "503" in down.value.message
    with session_factory(engine)() as session:
        DmpAdmin(session).set_troubles(down=False, latency_ms=25)
    slept: list[float] = []
    app._sleep = slept.append  # type: ignore[method-assign]
    assert client.test_existence(PATIENT, actor=doctor).exists
    assert slept == [0.025]


# --- kit mode -----------------------------------------------------------------------------


def _kit_td02(app: DmpHttpApp, pki: Pki) -> etree._Element:
    from tests.conftest import shared_path

    body = shared_path("dmp-kit", "messages", "TD0.2_Test_dexistence_requete.xml").read_bytes()
    wire = WireRequest(f"{BASE}/patients", "application/soap+xml", body)
    answer = decode_response(app.handle("POST", wire, pki.authentication.load_certificate()))
    assert answer.envelope.payload is not None
    return answer.envelope.payload


def test_the_official_tokens_are_refused_outside_kit_mode(app: DmpHttpApp, pki: Pki) -> None:
    payload = _kit_td02(app, pki)
    assert etree.QName(payload).localname == "Fault"


def test_kit_mode_reads_the_official_tokens_and_says_so(
    engine: Engine, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    options = EndpointOptions(trusted_cas=(pki.ca.load_certificate(),), kit_mode=True)
    kit_app = DmpHttpApp(session_factory(engine), options)
    payload = _kit_td02(kit_app, pki)
    assert etree.QName(payload).localname == "PRPA_IN201308UV02"
    response_code = payload.find(".//{urn:hl7-org:v3}queryResponseCode")
    assert response_code is not None
    assert response_code.get("code") == "NF"
    assert "WITHOUT SIGNATURE CHECK" in caplog.text
