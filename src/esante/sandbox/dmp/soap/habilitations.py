"""The ``habilitations`` and patient-specific services: TD0.3, TD1.6, TD0.4, TD1.5a/b/d.

Document/literal messages of ``Habilitations.wsdl`` and ``PatientsSpecific.wsdl`` (DMP
kit), answered as the official examples are: an ``output`` element with the result and
a ``status`` (``DMPOk``, else the DMP error code) and ``context`` (the French text).

* TD0.3 ``setAuthorization`` — :meth:`DmpService.set_authorization` (``AJOUT`` /
  ``SUPPRESSION``, ``role`` ``MEDECIN_TRAITANT``);
* TD1.6 ``listAuthorizationByPatient`` — :meth:`DmpService.list_authorizations`;
* TD0.4 ``patientList`` — the open DMPs the caller is authorized on (matrix row TD0.4);
* TD1.5a/b/d (``createPatientAccess``, ``patientOTPUpdate``, ``updatePatientAccess``) —
  the patient's Mon espace santé account lives outside the sandbox: the answer is a
  ``DMPOk`` for an existing, open DMP, with throwaway credentials for TD1.5a/d and a
  context saying that nothing real was created.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from lxml import etree

from esante.sandbox.dmp.codes import DMP_OK, DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import Action
from esante.sandbox.dmp.records import (
    AuthorizationAction,
    AuthorizationListMode,
    AuthorizationRecord,
)
from esante.sandbox.dmp.rights import check_access
from esante.sandbox.dmp.soap.exchange import Answer, Exchange
from esante.sandbox.dmp.soap.hl7v3 import DMP_RECORD_ID_OID, record_id

HABILITATIONS_NS = "urn:si-dmp-habilitations"
PATIENTS_NS = "urn:si-dmp-patients"
TREATING_PHYSICIAN_ROLE = "MEDECIN_TRAITANT"
PS_ID_OID = "1.2.250.1.71.4.2.1"
STRUCTURE_ID_OID = "1.2.250.1.71.4.2.2"
SIMULATED_ACCOUNT = "Compte simulé par le bac à sable : aucun accès Mon espace santé n'est créé."


def _text(payload: etree._Element, namespace: str, local: str) -> str:
    return (payload.findtext(f"{{{namespace}}}{local}") or "").strip()


def _output(namespace: str, root: str) -> tuple[etree._Element, etree._Element]:
    element = etree.Element(f"{{{namespace}}}{root}", nsmap={"ns1": namespace})
    return element, etree.SubElement(element, f"{{{namespace}}}output")


def _status(output: etree._Element, namespace: str, status: str, context: str | None) -> None:
    etree.SubElement(output, f"{{{namespace}}}status").text = status
    etree.SubElement(output, f"{{{namespace}}}context").text = context or ""


def _dtm(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y%m%d%H%M%S")


# --- TD0.3 -----------------------------------------------------------------------------------


def set_authorization(exchange: Exchange) -> Answer:
    """TD0.3 ``setAuthorization``: answer ``DMPOk`` and what was done, or the refusal."""
    ns = HABILITATIONS_NS
    payload = exchange.payload
    root, output = _output(ns, "setAuthorizationResponse")
    caller = exchange.caller
    try:
        raw_action = _text(payload, ns, "action")
        try:
            action = AuthorizationAction(raw_action)
        except ValueError:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Action d'autorisation inconnue (AJOUT ou SUPPRESSION attendu).",
                detail=f"setAuthorization action {raw_action!r}",
                field="action",
            ) from None
        update = exchange.service.set_authorization(
            caller.actor,
            exchange.patient(),
            action,
            treating_physician=_text(payload, ns, "role") == TREATING_PHYSICIAN_ROLE,
            access_mode=caller.access_mode,
        )
    except DmpRefusal as refusal:
        _status(output, ns, refusal.code.value, refusal.message)
        return Answer(root)
    _status(output, ns, update.status, update.context_text)
    return Answer(root)


# --- TD1.6 -----------------------------------------------------------------------------------


def list_authorizations(exchange: Exchange) -> Answer:
    """TD1.6 ``listAuthorizationByPatient``: the professionals authorized and/or blocked."""
    ns = HABILITATIONS_NS
    root, output = _output(ns, "listAuthorizationByPatientResponse")
    caller = exchange.caller
    try:
        raw_mode = _text(exchange.payload, ns, "mode") or AuthorizationListMode.ALL.value
        try:
            mode = AuthorizationListMode(raw_mode)
        except ValueError:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Mode de liste inconnu (ACTIVE, INTERDITE ou TOUTE attendu).",
                detail=f"listAuthorizationByPatient mode {raw_mode!r}",
                field="mode",
            ) from None
        records = exchange.service.list_authorizations(
            caller.actor, exchange.patient(), mode, access_mode=caller.access_mode
        )
    except DmpRefusal as refusal:
        _status(output, ns, refusal.code.value, refusal.message)
        return Answer(root)
    for record in records:
        _authorization(output, record)
    _status(output, ns, DMP_OK, None)
    return Answer(root)


def _authorization(output: etree._Element, record: AuthorizationRecord) -> None:
    ns = HABILITATIONS_NS
    item = etree.SubElement(output, f"{{{ns}}}listOfAuthorizationByPatient")
    structure = record.subject_kind.upper().startswith("STRUCT")
    values: list[tuple[str, str | None]] = [
        ("nationalId", record.subject_id),
        ("nationalIdType", STRUCTURE_ID_OID if structure else PS_ID_OID),
        ("firstName", record.given_name),
        ("lastName", record.family_name),
        ("codeSpeciality", record.specialty),
        ("startOfAuthorization", _dtm(record.granted_at)),
        ("endOfAuthorization", _dtm(record.expires_at)),
        ("lastActionDate", _dtm(record.last_action_at)),
        ("mode", record.mode.value),
    ]
    for local, value in values:
        if value:
            etree.SubElement(item, f"{{{ns}}}{local}").text = value


# --- TD0.4 -----------------------------------------------------------------------------------


def patient_list(exchange: Exchange) -> Answer:
    """TD0.4 ``patientList``: the open DMPs on which the caller holds an authorization."""
    ns = PATIENTS_NS
    root, output = _output(ns, "patientListResponse")
    caller = exchange.caller
    try:
        check_access(
            caller.actor, Action.LIST_AUTHORIZED_PATIENTS, caller.access_mode
        ).raise_if_refused()
        admin = exchange.admin
        for record in admin.list_patients():
            if not record.open:
                continue
            granted = admin.authorizations(record.patient, AuthorizationListMode.ACTIVE)
            ids = {caller.actor.id_nat_ps, caller.actor.structure_id}
            if not any(g.subject_id in ids for g in granted):
                continue
            data = etree.SubElement(output, f"{{{ns}}}patientlistData")
            for value, oid in (
                (record_id(record.patient), DMP_RECORD_ID_OID),
                (record.patient.value, record.patient.oid),
            ):
                identifier = etree.SubElement(data, f"{{{ns}}}patientIdentifier")
                etree.SubElement(identifier, f"{{{ns}}}nationalId").text = value
                etree.SubElement(identifier, f"{{{ns}}}nationalIdType").text = oid
            fields: list[tuple[str, str | None]] = [
                ("lastName", record.family_name),
                ("firstName", record.given_name),
                (
                    "dateOfBirth",
                    record.birth_date.strftime("%Y%m%d") if record.birth_date else None,
                ),
                ("MT", "true" if record.treating_physician == caller.actor.id_nat_ps else "false"),
                ("message", "false"),
            ]
            for local, text in fields:
                if text:
                    etree.SubElement(data, f"{{{ns}}}{local}").text = text
    except DmpRefusal as refusal:
        _status(output, ns, refusal.code.value, refusal.message)
        return Answer(root)
    etree.SubElement(output, f"{{{ns}}}status").text = DMP_OK
    return Answer(root)


# --- TD1.5a/b/d ------------------------------------------------------------------------------


def _patient_account(
    response: str, *, credentials: bool, context: str
) -> Callable[[Exchange], Answer]:
    def handle(exchange: Exchange) -> Answer:
        ns = PATIENTS_NS
        root, output = _output(ns, response)
        try:
            record = exchange.admin.get_patient(exchange.patient())
            if not record.open:
                raise DmpRefusal(DmpErrorCode.DMP_CLOSED)
        except DmpRefusal as refusal:
            _status(output, ns, refusal.code.value, refusal.message)
            return Answer(root)
        if credentials:
            etree.SubElement(output, f"{{{ns}}}login").text = f"bas{secrets.token_hex(3)}"
            etree.SubElement(output, f"{{{ns}}}password").text = secrets.token_urlsafe(9)
        _status(output, ns, DMP_OK, context)
        return Answer(root)

    return handle


create_patient_access = _patient_account(
    "createPatientAccessResponse", credentials=True, context=SIMULATED_ACCOUNT
)
update_patient_otp = _patient_account(
    "patientOTPUpdateResponse", credentials=False, context="OTP mis à jour (simulé)."
)
update_patient_access = _patient_account(
    "updatePatientAccessResponse", credentials=True, context=SIMULATED_ACCOUNT
)
