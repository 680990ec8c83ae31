"""TD0.2: the HL7 v3 query has the official structure and validates; every answer is read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from lxml import etree

from esante.dmp import (
    AuthorizationStatus,
    DmpClient,
    DmpCommunicationError,
    DmpEndpoints,
    DmpRejectedError,
    DmpStatus,
    ProcessingCode,
    Signer,
    td02,
)
from esante.transport import InProcessTransport
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import BASE_URL, ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT, LPS

H = "{urn:hl7-org:v3}"
NS = {"h": "urn:hl7-org:v3"}
OFFICIAL_REQUEST = "TD0.2_Test_dexistence_requete.xml"


def _request() -> etree._Element:
    return td02.build_request(
        KIT_PATIENT, LPS, message_id="m-1", query_id="q-1", now=datetime(2025, 1, 15, tzinfo=UTC)
    )


def test_request_has_the_elements_of_the_official_query() -> None:
    ours = kit.paths(_request())
    theirs = kit.paths(kit.body(OFFICIAL_REQUEST))
    # The official example also sends two nil elements (attentionLine, dataSource).
    optional = {p for p in theirs if p.endswith((f"{H}attentionLine", f"{H}dataSource"))}
    assert ours == theirs - optional


def _processing_code(request: etree._Element) -> str | None:
    element = request.find(f"{H}processingCode")
    assert element is not None
    return element.get("code")


def test_processing_code_is_the_platforms() -> None:
    """The kit's request (test platform) says D, the DMP's answer P: P goes to production
    only, D to a test platform or the sandbox."""
    official_code = _processing_code(kit.body(OFFICIAL_REQUEST))
    answer_code = _processing_code(kit.body(official.TD02))
    assert (official_code, answer_code) == ("D", "P")
    test_platform = td02.build_request(
        KIT_PATIENT,
        LPS,
        message_id="m-1",
        query_id="q-1",
        now=datetime(2025, 1, 15, tzinfo=UTC),
        processing_code=ProcessingCode.DEBUGGING,
    )
    assert _processing_code(test_platform) == official_code
    assert _processing_code(_request()) == answer_code == ProcessingCode.PRODUCTION


def test_client_sends_its_endpoints_processing_code(
    client: DmpClient, dmp: ScriptedDmp, signer: Signer
) -> None:
    test_platform = DmpClient.with_signer(
        InProcessTransport(dmp),
        DmpEndpoints.from_base_url(BASE_URL, processing_code=ProcessingCode.DEBUGGING),
        signer=signer,
        lps=LPS,
    )
    for sender, expected in ((test_platform, "D"), (client, "P")):
        dmp.reply_official(official.TD02)
        sender.test_existence(KIT_PATIENT, actor=DOCTOR)
        payload = dmp.last.envelope.payload
        assert payload is not None
        assert _processing_code(payload) == expected


def test_request_carries_the_patient_and_the_software() -> None:
    request = _request()
    value = request.find(f".//{H}patientIdentifier/{H}value")
    assert value is not None
    assert (value.get("root"), value.get("extension")) == (KIT_PATIENT.oid, KIT_PATIENT.matricule)
    reason = request.find(f"{H}controlActProcess/{H}reasonCode")
    assert reason is not None
    assert reason.get("code") == "TEST_EXST"
    assert request.findtext(f"{H}sender/{H}device/{H}softwareName") == LPS.name
    assert request.findtext(f"{H}receiver/{H}device/{H}softwareName") == "DMP"
    message_id = request.find(f"{H}id")
    assert message_id is not None
    assert message_id.get("root") == LPS.oid


def test_request_validates_against_the_kit_schema() -> None:
    schema = kit.hl7_schema("PRPA_IN201307UV02")
    assert schema.validate(_request()), schema.error_log
    assert schema.validate(kit.body(OFFICIAL_REQUEST))  # the schema is the right one


def test_official_answer(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD02)
    status = client.test_existence(KIT_PATIENT, actor=DOCTOR)
    assert status == DmpStatus(
        exists=True,
        closed=False,
        patient_status="active",
        authorization=AuthorizationStatus.VALIDE,
        treating_physician=True,
        attached_to_mes=False,
        internet_account_open=True,
        dmp_id="1197854176879056415520",
        observations={"COMPTE_INTERNET_OUVERT": "true", "RATTACHEMENT_ENS": "false"},
    )
    assert status.active
    assert status.authorized


def _answer(edit: Callable[[etree._Element], None]) -> bytes:
    return kit.variant(official.TD02, edit)


def _set(root: etree._Element, path: str, attribute: str, value: str) -> None:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    for element in found:
        assert isinstance(element, etree._Element)
        element.set(attribute, value)


def test_closed_dmp_and_other_authorization(client: DmpClient, dmp: ScriptedDmp) -> None:
    def edit(root: etree._Element) -> None:
        _set(root, "//h:patient/h:statusCode", "code", "terminated")
        _set(
            root, "//h:attentionLine[h:keyWordText/@code='AUTORISATION']/h:value", "code", "EXPIREE"
        )
        _set(root, "//h:attentionLine[h:keyWordText/@code='STATUT_MT']/h:value", "value", "false")

    dmp.reply(_answer(edit))
    status = client.test_existence(KIT_PATIENT, actor=DOCTOR)
    assert status.exists
    assert status.closed
    assert not status.active
    assert status.authorization is AuthorizationStatus.EXPIREE
    assert not status.authorized
    assert status.treating_physician is False


def test_unknown_authorization_code_is_kept_raw(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(
        _answer(
            lambda root: _set(
                root, "//h:attentionLine[h:keyWordText/@code='AUTORISATION']/h:value", "code", "X"
            )
        )
    )
    assert client.test_existence(KIT_PATIENT, actor=DOCTOR).authorization == "X"


def test_no_dmp(client: DmpClient, dmp: ScriptedDmp) -> None:
    def edit(root: etree._Element) -> None:
        _set(root, "//h:queryResponseCode", "code", "NF")
        for subject in root.xpath("//h:controlActProcess/h:subject", namespaces=NS):
            assert isinstance(subject, etree._Element)
            parent = subject.getparent()
            assert parent is not None
            parent.remove(subject)

    dmp.reply(_answer(edit))
    status = client.test_existence(KIT_PATIENT, actor=DOCTOR)
    assert not status.exists
    assert not status.active
    assert status.closed is False


def test_refused_query_carries_the_dmp_code(client: DmpClient, dmp: ScriptedDmp) -> None:
    def edit(root: etree._Element) -> None:
        _set(root, "//h:acknowledgement", "typeCode", "AE")
        ack = root.find(f".//{H}acknowledgement")
        assert ack is not None
        detail = etree.SubElement(ack, f"{H}acknowledgementDetail", typeCode="E")
        etree.SubElement(detail, f"{H}code", code="DMPAccesInterdit")
        etree.SubElement(detail, f"{H}text").text = "Accès interdit à ce dossier"

    dmp.reply(_answer(edit))
    with pytest.raises(DmpRejectedError) as caught:
        client.test_existence(KIT_PATIENT, actor=DOCTOR)
    error = caught.value
    assert error.code == "DMPAccesInterdit"
    assert "Accès interdit à ce dossier" in error.message
    assert not error.is_transient
    assert error.transaction == "TD0.2"


def test_answer_without_query_ack_is_unexpected(client: DmpClient, dmp: ScriptedDmp) -> None:
    def edit(root: etree._Element) -> None:
        for ack in root.xpath("//h:queryAck", namespaces=NS):
            assert isinstance(ack, etree._Element)
            parent = ack.getparent()
            assert parent is not None
            parent.remove(ack)

    dmp.reply(_answer(edit))
    with pytest.raises(DmpCommunicationError) as caught:
        client.test_existence(KIT_PATIENT, actor=DOCTOR)
    assert not caught.value.outcome_uncertain  # a read: nothing to check before retrying
