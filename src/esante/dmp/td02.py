"""TD0.2 — does the patient have a DMP, and may this professional use it?

An HL7 v3 query ``PRPA_IN201307UV02`` (Patient Registry Get Demographics Query, NE2009
schemas of the DMP kit) on the ``patients`` service, with the DMP reason code
``TEST_EXST`` and the patient's INS as the only parameter; the answer is a
``PRPA_IN201308UV02`` (DMP kit ``TD0.2_Test_dexistence_*``). Where each fact is:

=============================  ======================================================
fact                           element of the answer
=============================  ======================================================
request accepted               ``acknowledgement/@typeCode`` = ``AA`` (AE/AR: refused,
                               ``acknowledgementDetail`` says why)
DMP exists                     ``controlActProcess/queryAck/queryResponseCode`` = ``OK``
                               (``NF``: no DMP) and a ``patient`` in the answer
DMP closed                     ``…/subject1/patient/statusCode`` other than ``active``
authorisation status           ``attentionLine[keyWordText/@code='AUTORISATION']/value/@code``
médecin traitant DMP           ``attentionLine[keyWordText/@code='STATUT_MT']/value/@value``
attached to Mon espace santé   ``…/patient/subjectOf/administrativeObservation``
                               ``[code/@code='RATTACHEMENT_ENS']/value/@value``
=============================  ======================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from lxml import etree

from esante.dmp.context import LpsInfo
from esante.dmp.endpoints import ProcessingCode
from esante.dmp.errors import DmpRejectedError
from esante.dmp.failures import french_message, unexpected_response
from esante.dmp.results import AuthorizationStatus, DmpStatus
from esante.dmp.transactions import HL7_NS, TD02
from esante.identity import Ins

TRANSACTION: Final = TD02
DMP_DEVICE_OID: Final = "1.2.250.1.213.4.1.1.1"
"""The DMP as an HL7 v3 device (receiver of the queries, custodian of the records)."""
DMP_INTERNAL_ID_OID: Final = "1.2.250.1.213.1.4.2"
"""Root of the DMP's internal identifier of a record, returned next to the INS."""
REASON_CODE_SYSTEM: Final = "1.2.250.1.213.1.1.4.11"
INTERACTION_ROOT: Final = "2.16.840.1.113883.1.6"

_H = f"{{{HL7_NS}}}"
_NS = {"h": HL7_NS}


def _el(
    parent: etree._Element, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{_H}{local}", attrs)
    if text is not None:
        element.text = text
    return element


def _device(parent: etree._Element, type_code: str, oid: str, name: str) -> None:
    role = _el(parent, "receiver" if type_code == "RCV" else "sender", typeCode=type_code)
    device = _el(role, "device", classCode="DEV", determinerCode="INSTANCE")
    _el(device, "id", root=oid)
    _el(device, "softwareName", name)


def build_request(
    ins: Ins,
    lps: LpsInfo,
    *,
    message_id: str,
    query_id: str,
    now: datetime,
    processing_code: ProcessingCode = ProcessingCode.PRODUCTION,
) -> etree._Element:
    """The ``PRPA_IN201307UV02`` query for ``ins`` (ids are UUIDs under the LPS OID);
    ``processing_code`` is the addressed platform's (:class:`ProcessingCode`)."""
    root = etree.Element(f"{_H}PRPA_IN201307UV02", nsmap={None: HL7_NS}, ITSVersion="XML_1.0")
    _el(root, "id", root=lps.oid, extension=message_id)
    _el(root, "creationTime", value=now.strftime("%Y%m%d%H%M%S"))
    _el(root, "interactionId", root=INTERACTION_ROOT, extension="PRPA_IN201307UV02")
    _el(root, "processingCode", code=processing_code.value)
    _el(root, "processingModeCode", code="T")
    _el(root, "acceptAckCode", code="AL")
    _device(root, "RCV", DMP_DEVICE_OID, "DMP")
    _device(root, "SND", lps.oid, lps.name)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _el(
        control,
        "reasonCode",
        code="TEST_EXST",
        codeSystem=REASON_CODE_SYSTEM,
        displayName="Test d'existence de dossier",
    )
    query = _el(control, "queryByParameter")
    _el(query, "queryId", root=lps.oid, extension=query_id)
    _el(query, "statusCode", code="new")
    parameters = _el(query, "parameterList")
    identifier = _el(parameters, "patientIdentifier")
    _el(identifier, "value", root=ins.oid or "", extension=ins.matricule)
    _el(identifier, "semanticsText", "Patient.id")
    return root


def _first(element: etree._Element, path: str) -> etree._Element | None:
    found = element.xpath(path, namespaces=_NS)
    assert isinstance(found, list)
    return next((f for f in found if isinstance(f, etree._Element)), None)


def _boolean(element: etree._Element | None) -> bool | None:
    if element is None:
        return None
    value = (element.get("value") or "").strip().lower()
    return {"true": True, "false": False}.get(value)


def _raise_for_acknowledgement(payload: etree._Element) -> None:
    ack = _first(payload, "h:acknowledgement")
    type_code = "AA" if ack is None else ack.get("typeCode", "AA")
    if type_code in ("AA", "CA"):
        return
    detail = None if ack is None else _first(ack, "h:acknowledgementDetail")
    code_el = None if detail is None else _first(detail, "h:code")
    code = None if code_el is None else code_el.get("code")
    text = None if detail is None else (detail.findtext(f"{_H}text") or "").strip()
    raise DmpRejectedError(
        french_message(code, text or (None if code_el is None else code_el.get("displayName"))),
        code=code,
        detail=f"TD0.2: acknowledgement {type_code}, detail code {code!r}: {text!r}",
        transaction=TRANSACTION.td,
    )


def parse_response(payload: etree._Element) -> DmpStatus:
    """Read a ``PRPA_IN201308UV02`` answer.

    Raises :class:`DmpRejectedError` when the DMP refused the query (acknowledgement
    AE/AR, or ``queryResponseCode`` AE/QE) and
    :class:`~esante.dmp.errors.DmpCommunicationError` when the answer has no query
    acknowledgement.
    """
    _raise_for_acknowledgement(payload)
    response_code_el = _first(payload, "h:controlActProcess/h:queryAck/h:queryResponseCode")
    if response_code_el is None:
        raise unexpected_response(TRANSACTION, "no controlActProcess/queryAck/queryResponseCode")
    response_code = response_code_el.get("code", "")
    if response_code in ("AE", "QE"):
        raise DmpRejectedError(
            french_message(None, "requête de test d'existence refusée"),
            code=response_code,
            detail=f"TD0.2: queryResponseCode {response_code}",
            transaction=TRANSACTION.td,
        )
    patient = _first(
        payload, "h:controlActProcess/h:subject/h:registrationEvent/h:subject1/h:patient"
    )
    attention: dict[str, etree._Element] = {}
    for line in payload.iterchildren(f"{_H}attentionLine"):
        keyword = _first(line, "h:keyWordText")
        value = _first(line, "h:value")
        if keyword is not None and value is not None and keyword.get("code"):
            attention[keyword.get("code", "")] = value
    authorization_el = attention.get("AUTORISATION")
    authorization = None if authorization_el is None else _authorization(authorization_el)
    if response_code != "OK" or patient is None:
        return DmpStatus(exists=False, authorization=authorization)
    status_el = _first(patient, "h:statusCode")
    patient_status = None if status_el is None else status_el.get("code")
    observations: dict[str, str] = {}
    for observation in patient.xpath("h:subjectOf/h:administrativeObservation", namespaces=_NS):
        assert isinstance(observation, etree._Element)
        code_el = _first(observation, "h:code")
        value_el = _first(observation, "h:value")
        if code_el is not None and code_el.get("code") and value_el is not None:
            observations[code_el.get("code", "")] = _raw_value(value_el)
    dmp_id_el = _first(patient, f"h:id[@root='{DMP_INTERNAL_ID_OID}']")
    return DmpStatus(
        exists=True,
        closed=patient_status not in (None, "active"),
        patient_status=patient_status,
        authorization=authorization,
        treating_physician=_boolean(attention.get("STATUT_MT")),
        attached_to_mes=_observation_flag(observations, "RATTACHEMENT_ENS"),
        internet_account_open=_observation_flag(observations, "COMPTE_INTERNET_OUVERT"),
        dmp_id=None if dmp_id_el is None else dmp_id_el.get("extension"),
        observations=observations,
    )


def _authorization(value: etree._Element) -> AuthorizationStatus | str | None:
    code = (value.get("code") or "").strip()
    if not code:
        return None
    try:
        return AuthorizationStatus(code)
    except ValueError:
        return code


def _raw_value(value: etree._Element) -> str:
    for attribute in ("value", "code"):
        if value.get(attribute) is not None:
            return value.get(attribute, "")
    return " ".join("".join(value.itertext()).split())


def _observation_flag(observations: dict[str, str], code: str) -> bool | None:
    raw = observations.get(code)
    return None if raw is None else {"true": True, "false": False}.get(raw.strip().lower())
