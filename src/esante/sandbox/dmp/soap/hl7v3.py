"""The HL7 v3 transactions of the ``patients`` service: TD0.2, TD1.3a, TD1.3b, TD1.4, TD0.5.

NE2009 messages as in the DMP kit (``GestionDossierPatientPartage.wsdl``,
``PDQSupplier.wsdl`` and the official ``TD0.2``, ``TD1.3a``, ``TD1.3b``, ``TD1.4``,
``TD0.5`` examples):

======  ===================  ============  =====================================
TD      request              reasonCode    answer
======  ===================  ============  =====================================
TD0.2   PRPA_IN201307UV02    TEST_EXST     PRPA_IN201308UV02 (+ AUTORISATION,
                                           STATUT_MT attention lines)
TD1.3a  PRPA_IN201307UV02    CNSLT_DATA    PRPA_IN201308UV02 (+ oppositions)
TD1.3b  PRPA_IN201314UV02    MODIF_DATA    PRPA_IN201314UV02_Response/…15UV02
TD1.4   PRPA_IN201314UV02    FERM          PRPA_IN201314UV02_Response/…15UV02
TD0.5   PRPA_IN201305UV02    —             PRPA_IN201306UV02
======  ===================  ============  =====================================

A refusal is an acknowledgement ``AE`` whose ``acknowledgementDetail`` carries the DMP
code and its French text (the client reads both). The patient's traits are returned
as the DMP does (the LPS must not display them, RG_0320). The DMP's internal record id
(root ``1.2.250.1.213.1.4.2``) is derived from the INS, stable across restarts.

Rights: TD0.2 is decided by :meth:`DmpService.test_existence`; TD1.3a applies the
TD1.3a row of the matrix; TD0.5 the TD0.5 row. TD1.3b and TD1.4 are not rows of the
LPS matrix: esante lets a professional with a valid authorization (or any actor in bris
de glace / centre 15) change the oppositions or close the DMP at the patient's request,
through the patient-side operations of :class:`~esante.sandbox.dmp.admin.DmpAdmin`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import date

from lxml import etree

from esante.sandbox.dmp.codes import AuthorizationStatus, DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import Action
from esante.sandbox.dmp.records import ExistenceStatus, PatientIns, PatientRecord
from esante.sandbox.dmp.rights import PatientFacts, check_access
from esante.sandbox.dmp.soap.exchange import Answer, Exchange
from esante.trust.vocabulary import AccessMode

HL7_NS = "urn:hl7-org:v3"
GDP_NS = "asip:ci-sis:gdp:2010"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DMP_DEVICE_OID = "1.2.250.1.213.4.1.1.1"
DMP_RECORD_ID_OID = "1.2.250.1.213.1.4.2"
MESSAGE_ID_ROOT = "1.2.250.1.213.4.1.1.1.1"
INTERACTION_ROOT = "2.16.840.1.113883.1.6"
REASON_SYSTEM = "1.2.250.1.213.1.1.4.11"
OBSERVATION_SYSTEM = "1.2.250.1.213.4.1.2.3"
INTERNET_ACCOUNT_OPEN = "COMPTE_INTERNET_OUVERT"
INTERNET_ACCOUNT_SYSTEM = "1.2.250.1.213.4.1.2.9"
"""The TD0.2 answer's observation: the patient's internet account is open (no label)."""
AUTHORIZATION_KEYWORD_SYSTEM = "1.2.250.1.213.4.1.2.6.1"
AUTHORIZATION_VALUE_SYSTEM = "1.2.250.1.213.4.1.2.6.2"
TREATING_KEYWORD_SYSTEM = "1.2.250.1.213.4.1.2.6.3"
ERROR_SYSTEM = "1.2.250.1.213.4.1.2.5"

TEST_EXISTENCE = "TEST_EXST"
CONSULT_DATA = "CNSLT_DATA"
MODIFY_DATA = "MODIF_DATA"
CLOSE = "FERM"
REASON_LABELS = {
    TEST_EXISTENCE: "Test d'existence de dossier",
    CONSULT_DATA: "Consultation des données de gestion de dossier",
    MODIFY_DATA: "Modification des données de gestion du dossier",
    CLOSE: "Fermeture de dossier",
}
OPPOSITION_BRIS_DE_GLACE = "OPPOSITION_BRIS_DE_GLACE"
OPPOSITION_URGENCE = "OPPOSITION_ACCES_URGENCE"

_H = f"{{{HL7_NS}}}"
_NS = {"h": HL7_NS}


# --- reading requests ---------------------------------------------------------------------


def _find(element: etree._Element, path: str) -> etree._Element | None:
    found = element.xpath(path, namespaces=_NS)
    assert isinstance(found, list)
    return next((f for f in found if isinstance(f, etree._Element)), None)


def _attr(element: etree._Element, path: str, name: str) -> str:
    found = _find(element, path)
    return "" if found is None else (found.get(name) or "").strip()


class _Request:
    """The parts of an HL7 v3 request an answer echoes."""

    def __init__(self, payload: etree._Element):
        self.payload = payload
        self.message_root = _attr(payload, "h:id", "root")
        self.message_extension = _attr(payload, "h:id", "extension")
        self.sender_id = _attr(payload, "h:sender/h:device/h:id", "root")
        sender_name = _find(payload, "h:sender/h:device/h:softwareName")
        self.sender_name = "" if sender_name is None else (sender_name.text or "").strip()
        self.reason = _attr(payload, "h:controlActProcess/h:reasonCode", "code")
        self.query_root = _attr(payload, ".//h:queryByParameter/h:queryId", "root")
        self.query_extension = _attr(payload, ".//h:queryByParameter/h:queryId", "extension")

    def patient(self, exchange: Exchange) -> PatientIns:
        """The patient named in the body (query parameter or registration subject)."""
        value = _find(self.payload, ".//h:parameterList/h:patientIdentifier/h:value")
        if value is None:
            value = _find(self.payload, ".//h:subject1/h:patient/h:id")
        if value is None or not value.get("extension") or not value.get("root"):
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Identifiant du patient (INS) absent de la requête.",
                detail="no patientIdentifier/value nor subject1/patient/id with root+extension",
                field="patientIdentifier",
            )
        patient = PatientIns(value.get("extension", "").strip(), value.get("root", "").strip())
        return exchange.same_patient(patient, "patientIdentifier")


# --- writing answers ----------------------------------------------------------------------


def _el(
    parent: etree._Element, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{_H}{local}", attrs)
    if text is not None:
        element.text = text
    return element


def _typed(parent: etree._Element, local: str, xsi_type: str, **attrs: str) -> etree._Element:
    element = _el(parent, local, **attrs)
    element.set(f"{{{XSI_NS}}}type", xsi_type)
    return element


def _device(parent: etree._Element, role: str, type_code: str, oid: str, name: str) -> None:
    device = _el(_el(parent, role, typeCode=type_code), "device")
    device.set("classCode", "DEV")
    device.set("determinerCode", "INSTANCE")
    _el(device, "id", root=oid or "0")
    _el(device, "softwareName", name or "LPS")


def _message(interaction: str, request: _Request, exchange: Exchange) -> etree._Element:
    root = etree.Element(
        f"{_H}{interaction}", nsmap={None: HL7_NS, "xsi": XSI_NS}, ITSVersion="XML_1.0"
    )
    _el(root, "id", root=MESSAGE_ID_ROOT, extension=str(uuid.uuid4()))
    _el(root, "creationTime", value=exchange.options.clock().strftime("%Y%m%d%H%M%S"))
    _el(root, "interactionId", root=INTERACTION_ROOT, extension=interaction)
    _el(root, "processingCode", code="P")
    _el(root, "processingModeCode", code="T")
    _el(root, "acceptAckCode", code="NE")
    _device(root, "receiver", "RCV", request.sender_id, request.sender_name)
    _device(root, "sender", "SND", DMP_DEVICE_OID, "DMP")
    return root


def _acknowledgement(
    root: etree._Element, request: _Request, refusal: DmpRefusal | None, *, coded: bool = False
) -> None:
    ack = _el(root, "acknowledgement")
    type_code = "AA" if refusal is None else "AE"
    if coded:  # PRPA_IN201306UV02 (TD0.5) writes it as an element, as the kit does
        _el(ack, "typeCode", code=type_code)
    else:
        ack.set("typeCode", type_code)
    target = _el(ack, "targetMessage")
    ids = {"root": request.message_root or "0"}
    if request.message_extension:
        ids["extension"] = request.message_extension
    _el(target, "id", **ids)
    if refusal is not None:
        detail = _el(ack, "acknowledgementDetail", typeCode="E")
        _el(
            detail,
            "code",
            code=refusal.code.value,
            codeSystem=ERROR_SYSTEM,
            displayName=refusal.message,
        )
        _el(detail, "text", refusal.message)


def _query_ack(control: etree._Element, request: _Request, code: str) -> etree._Element:
    ack = _el(control, "queryAck")
    ids = {"root": request.query_root or "0"}
    if request.query_extension:
        ids["extension"] = request.query_extension
    _el(ack, "queryId", **ids)
    _el(ack, "queryResponseCode", code=code)
    return ack


def record_id(patient: PatientIns) -> str:
    """The DMP's internal record id for a patient (22 digits, stable, derived from the INS)."""
    digest = hashlib.sha256(f"esante-dmp:{patient.value}".encode()).hexdigest()
    return str(int(digest, 16))[:22]


def _person(
    patient_el: etree._Element,
    family: str | None,
    given: str | None,
    sex: str | None,
    birth: date | None,
    *,
    prefix: str | None = None,
    email: str | None = None,
    mobile_phone: str | None = None,
) -> None:
    """``patientPerson`` as in the DMP's TD0.2 answer: name (prefix, given, family),
    telecoms (``mailto:``, then the mobile ``tel:`` with use ``MC``), sex, birth."""
    person = _el(patient_el, "patientPerson", classCode="PSN", determinerCode="INSTANCE")
    name = _el(person, "name")
    if prefix:
        _el(name, "prefix", prefix)
    if given:
        _el(name, "given", given)
    _el(name, "family", family or "", qualifier="SP")
    if email:
        _el(person, "telecom", value=f"mailto:{email}")
    if mobile_phone:
        _el(person, "telecom", use="MC", value=f"tel:{mobile_phone}")
    if sex:
        _el(person, "administrativeGenderCode", code=sex)
    if birth is not None:
        _el(person, "birthTime", value=birth.strftime("%Y%m%d"))


def _observation(parent: etree._Element, tag: str, code: str, value: bool, label: str) -> None:
    observation = _el(_el(parent, tag, typeCode="SBJ"), "administrativeObservation")
    observation.set("classCode", "OBS")
    observation.set("moodCode", "EVN")
    _el(observation, "code", code=code, codeSystem=OBSERVATION_SYSTEM, displayName=label)
    _typed(observation, "value", "BL", value="true" if value else "false")


def _registration(
    control: etree._Element, patient: PatientIns, status: str, *, event: bool = True
) -> etree._Element:
    subject = _el(control, "subject", typeCode="SUBJ", contextConductionInd="false")
    registration = _el(subject, "registrationEvent", classCode="REG", moodCode="EVN")
    _el(registration, "statusCode", code="completed")
    patient_el = _el(_el(registration, "subject1", typeCode="SBJ"), "patient", classCode="PAT")
    if event:
        _el(patient_el, "id", root=DMP_RECORD_ID_OID, extension=record_id(patient))
        _el(patient_el, "id", root=patient.oid, extension=patient.value)
    _el(patient_el, "statusCode", code=status)
    custodian = _el(registration, "custodian", typeCode="CST")
    _el(_el(custodian, "assignedEntity", classCode="ASSIGNED"), "id", root=DMP_DEVICE_OID)
    return patient_el


def _reason(control: etree._Element, request: _Request) -> None:
    code = request.reason or TEST_EXISTENCE
    _el(
        control,
        "reasonCode",
        code=code,
        codeSystem=REASON_SYSTEM,
        displayName=REASON_LABELS.get(code, code),
    )


def _query_answer(
    exchange: Exchange,
    request: _Request,
    *,
    refusal: DmpRefusal | None = None,
    status: ExistenceStatus | None = None,
    record: PatientRecord | None = None,
) -> etree._Element:
    root = _message("PRPA_IN201308UV02", request, exchange)
    if status is not None and status.exists:
        line = _el(root, "attentionLine")
        _el(line, "keyWordText", code="AUTORISATION", codeSystem=AUTHORIZATION_KEYWORD_SYSTEM)
        _typed(
            line,
            "value",
            "CV",
            code=status.authorization.value,
            codeSystem=AUTHORIZATION_VALUE_SYSTEM,
        )
        line = _el(root, "attentionLine")
        _el(line, "keyWordText", code="STATUT_MT", codeSystem=TREATING_KEYWORD_SYSTEM)
        _typed(line, "value", "BL", value="true" if status.treating_physician else "false")
    _acknowledgement(root, request, refusal)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _reason(control, request)
    if refusal is not None:
        _query_ack(control, request, "AE")
        return root
    if status is None or not status.exists:
        _query_ack(control, request, "NF")
        return root
    patient_el = _registration(control, status.patient, "active" if status.open else "terminated")
    _person(
        patient_el,
        status.family_name,
        status.given_name,
        status.sex,
        status.birth_date,
        prefix=status.name_prefix,
        email=status.email,
        mobile_phone=status.mobile_phone,
    )
    observation = _el(_el(patient_el, "subjectOf", typeCode="SBJ"), "administrativeObservation")
    observation.set("classCode", "OBS")
    observation.set("moodCode", "EVN")
    _el(observation, "code", code=INTERNET_ACCOUNT_OPEN, codeSystem=INTERNET_ACCOUNT_SYSTEM)
    _typed(observation, "value", "BL", value="true" if status.internet_account_open else "false")
    if record is not None:
        _observation(
            patient_el,
            "subjectOf",
            OPPOSITION_BRIS_DE_GLACE,
            record.opposed_to_bris_de_glace,
            "opposition au mode bris de glace",
        )
        _observation(
            patient_el,
            "subjectOf",
            OPPOSITION_URGENCE,
            record.opposed_to_centre_15,
            "opposition à l'accès au mode urgence",
        )
    _observation(
        patient_el,
        "subjectOf",
        "RATTACHEMENT_ENS",
        status.attached_to_mes,
        "information de rattachement du DMP à un ENS",
    )
    _query_ack(control, request, "OK")
    return root


# --- TD0.2 / TD1.3a ------------------------------------------------------------------------


def get_demographics(exchange: Exchange) -> Answer:
    """PRPA_IN201307UV02: TD0.2 (``TEST_EXST``) or TD1.3a (``CNSLT_DATA``)."""
    request = _Request(exchange.payload)
    caller = exchange.caller
    try:
        patient = request.patient(exchange)
        status = exchange.service.test_existence(
            caller.actor, patient, access_mode=caller.access_mode
        )
        record = None
        if request.reason == CONSULT_DATA:
            if not status.exists:
                raise DmpRefusal(DmpErrorCode.UNKNOWN_PATIENT, detail=f"no DMP for {patient.cx()}")
            record = exchange.admin.get_patient(patient)
            facts = PatientFacts(
                treating_physician=caller.actor.id_nat_ps if status.treating_physician else None,
                authorization=status.authorization,
                opposes_bris_de_glace=record.opposed_to_bris_de_glace,
                opposes_centre_15=record.opposed_to_centre_15,
                masked_access_in_emergency=record.masked_access_in_emergency,
            )
            check_access(
                caller.actor, Action.READ_ADMINISTRATIVE_DATA, caller.access_mode, patient=facts
            ).raise_if_refused()
    except DmpRefusal as refusal:
        return Answer(_query_answer(exchange, request, refusal=refusal))
    return Answer(_query_answer(exchange, request, status=status, record=record))


# --- TD1.3b / TD1.4 -------------------------------------------------------------------------


def _observation_values(payload: etree._Element) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for observation in payload.iter(f"{_H}administrativeObservation"):
        code = _attr(observation, "h:code", "code")
        value = _attr(observation, "h:value", "value").lower()
        if code and value in ("true", "false"):
            found[code] = value == "true"
    return found


def _may_manage(exchange: Exchange, patient: PatientIns) -> PatientRecord:
    """The patient's record once the caller may manage it (esante's rule, see above)."""
    caller = exchange.caller
    status = exchange.service.test_existence(caller.actor, patient, access_mode=caller.access_mode)
    if not status.exists:
        raise DmpRefusal(DmpErrorCode.UNKNOWN_PATIENT, detail=f"no DMP for {patient.cx()}")
    if not status.open:
        raise DmpRefusal(DmpErrorCode.DMP_CLOSED, detail="DMP already closed")
    if status.authorization is AuthorizationStatus.FORBIDDEN:
        raise DmpRefusal(DmpErrorCode.PROFESSIONAL_BLOCKED)
    if caller.access_mode is AccessMode.NORMAL and status.authorization is not (
        AuthorizationStatus.VALID
    ):
        raise DmpRefusal(DmpErrorCode.AUTHORIZATION_MISSING)
    return exchange.admin.get_patient(patient)


def _update_answer(
    exchange: Exchange,
    request: _Request,
    *,
    refusal: DmpRefusal | None = None,
    record: PatientRecord | None = None,
) -> etree._Element:
    wrapper = etree.Element(f"{{{GDP_NS}}}PRPA_IN201314UV02_Response", nsmap={"ns2": GDP_NS})
    root = _message("PRPA_IN201315UV02", request, exchange)
    wrapper.append(root)
    _acknowledgement(root, request, refusal)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _reason(control, request)
    if refusal is None and record is not None:
        patient_el = _registration(
            control, record.patient, "active" if record.open else "terminated", event=False
        )
        _person(patient_el, record.family_name, record.given_name, None, None)
    return wrapper


def update_record(exchange: Exchange) -> Answer:
    """PRPA_IN201314UV02: TD1.3b (``MODIF_DATA``, oppositions) or TD1.4 (``FERM``)."""
    request = _Request(exchange.payload)
    try:
        patient = request.patient(exchange)
        _may_manage(exchange, patient)
        if request.reason == CLOSE:
            reason = _attr(exchange.payload, ".//h:reasonOf/h:detectedIssueEvent/h:code", "code")
            record = exchange.admin.close_dmp(patient, reason=reason or "FERMETURE_DEMANDE_PATIENT")
        elif request.reason == MODIFY_DATA:
            values = _observation_values(exchange.payload)
            record = exchange.admin.set_oppositions(
                patient,
                bris_de_glace=values.get(OPPOSITION_BRIS_DE_GLACE),
                centre_15=values.get(OPPOSITION_URGENCE),
            )
        else:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Motif de la demande (reasonCode) non pris en charge.",
                detail=f"PRPA_IN201314UV02 reasonCode {request.reason!r}",
                field="reasonCode",
            )
    except DmpRefusal as refusal:
        return Answer(_update_answer(exchange, request, refusal=refusal))
    return Answer(_update_answer(exchange, request, record=record))


# --- TD0.5 -----------------------------------------------------------------------------------


def _matches(record: PatientRecord, family: str, given: str) -> bool:
    def fold(text: str | None) -> str:
        return " ".join((text or "").casefold().split())

    if family and fold(record.family_name) != fold(family):
        return False
    return not given or fold(record.given_name) == fold(given)


def find_candidates(exchange: Exchange) -> Answer:
    """PRPA_IN201305UV02 (TD0.5): the open DMPs whose patient has this name."""
    request = _Request(exchange.payload)
    caller = exchange.caller
    family = " ".join(
        (e.text or "").strip()
        for e in exchange.payload.iterfind(f".//{_H}livingSubjectName/{_H}value/{_H}family")
    )
    given = " ".join(
        (e.text or "").strip()
        for e in exchange.payload.iterfind(f".//{_H}livingSubjectName/{_H}value/{_H}given")
    )
    refusal: DmpRefusal | None = None
    found: list[PatientRecord] = []
    try:
        check_access(
            caller.actor, Action.SEARCH_PATIENT_WITHOUT_INS, caller.access_mode
        ).raise_if_refused()
        if not family.strip():
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Le nom du patient est obligatoire pour une recherche sans INS.",
                detail="livingSubjectName/value/family missing",
                field="livingSubjectName",
            )
        found = [r for r in exchange.admin.list_patients() if r.open and _matches(r, family, given)]
    except DmpRefusal as exc:
        refusal = exc
    root = _message("PRPA_IN201306UV02", request, exchange)
    _acknowledgement(root, request, refusal, coded=True)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _el(control, "code", code="PRPA_TE201306UV02", codeSystem=INTERACTION_ROOT)
    _subjects(control, found)
    ack = _query_ack(control, request, "AE" if refusal else ("OK" if found else "NF"))
    for name, value in (("Total", len(found)), ("Current", len(found)), ("Remaining", 0)):
        _el(ack, f"result{name}Quantity", value=str(value))
    return Answer(root)


def _subjects(control: etree._Element, records: Iterable[PatientRecord]) -> None:
    for record in records:
        patient_el = _registration(control, record.patient, "active")
        _person(patient_el, record.family_name, record.given_name, record.sex, record.birth_date)
