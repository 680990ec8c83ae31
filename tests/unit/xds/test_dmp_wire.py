"""The one table of DMP wire facts agrees with the DMP kit, and both sides read it.

Every row is checked against the kit's example messages (actions, body roots) and WSDLs
(declared actions, the services' base path); the client's transactions and the
sandbox's routing are shown to be rows of this table, not copies.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from esante import dmp
from esante.sandbox.dmp.soap import BY_ACTION, DEFAULT_BASE_PATH, SERVICES
from esante.xds import dmp_wire
from esante.xds.dmp_wire import WIRE_TRANSACTIONS, DmpService, transactions_by_action
from tests.unit.dmp import kit

WSAW = "{http://www.w3.org/2006/05/addressing/wsdl}Action"
SOAP12_OPERATION = "{http://schemas.xmlsoap.org/wsdl/soap12/}operation"

#: TD → the kit's message pair (request, response), where the kit has one.
KIT: dict[str, str] = {
    "TD0.2": "TD0.2_Test_dexistence",
    "TD0.3": "TD0.3_Mise_a_jour_de_lautorisation",
    "TD0.4": "TD0.4_Liste_des_DMP_autorises",
    "TD0.5": "TD0.5_Recherche_dun_patient_sans_INS",
    "TD1.3a": "TD1.3a_Consultation",
    "TD1.3b": "TD1.3b_Modification",
    "TD1.4": "TD1.4_Fermer",
    "TD1.5a": "TD1.5a_Creation_du_compte_internet_patient",
    "TD1.5b": "TD1.5b_Ajout_dun_canal_OTP",
    "TD1.5d": "TD1.5d_Maj_des_information_du_compte_internet",
    "TD1.6": "TD1.6_Liste_des_PS_autorises_ou_bloques",
    "TD2.1": "TD2.1_Alimentation",
    "TD3.1": "TD3.1_Recherche_de_document",
    "TD3.2": "TD3.2_Consultation_dun_document",
    "TD3.3c": "TD3.3c_Supprimer_un_document",
    "TD3.3d": "TD3.3d_Archiver_un_document",
}
KIT_FAULT_ACTION = {"TD1.5d"}
"""The kit's TD1.5d answer carries a fault action over a normal answer (wire-deviations)."""


@pytest.mark.parametrize("td", sorted(KIT))
def test_each_row_is_the_kits_message(td: str) -> None:
    row = WIRE_TRANSACTIONS[td]
    request, response = f"{KIT[td]}_requete.xml", f"{KIT[td]}_reponse.xml"
    assert kit.action(request) == row.action
    assert kit.body(request).tag == row.request_root
    assert kit.body(response).tag == row.response_root
    if td in KIT_FAULT_ACTION:
        assert kit.action(response) == f"{row.action}:Fault:SoapFault"
    else:
        assert kit.action(response) == row.response_action


def _wsdl_actions(name: str) -> set[str]:
    return {e.get(WSAW, "") for e in kit.wsdl(name).iter() if e.get(WSAW)}


def test_actions_are_declared_by_the_wsdls_except_td03() -> None:
    by_service = {
        DmpService.REGISTRY: _wsdl_actions("XDS.b_DocumentRegistry.wsdl"),
        DmpService.REPOSITORY: _wsdl_actions("XDS.b_DocumentRepository.wsdl"),
    }
    patients = _wsdl_actions("GestionDossierPatientPartage.wsdl") | _wsdl_actions(
        "PDQSupplier.wsdl"
    )
    for row in WIRE_TRANSACTIONS.values():
        if row.service in by_service:
            assert {row.action, row.response_action} <= by_service[row.service], row.td
        elif row.action.startswith(dmp_wire.HL7_NS):
            assert {row.action, row.response_action} <= patients, row.td
    # TD0.3: the WSDL's soapAction differs from the action the DMP exchanges (the kit's)
    habilitations = {
        e.get("soapAction")
        for e in kit.wsdl("Habilitations.wsdl").iter(SOAP12_OPERATION)
        if e.get("soapAction")
    }
    assert "urn:hl7-org:v3:setAuthorization" in habilitations
    assert WIRE_TRANSACTIONS["TD0.3"].action not in habilitations


def test_base_path_is_the_wsdls() -> None:
    for name in ("GestionDossierPatientPartage.wsdl", "Habilitations.wsdl"):
        locations = [e.get("location") for e in kit.wsdl(name).iter() if e.get("location")]
        assert locations, name
        assert {urlparse(str(x)).path.rstrip("/") for x in locations} == {DEFAULT_BASE_PATH}


def test_the_client_and_the_sandbox_read_the_same_table() -> None:
    for td, transaction in dmp.TRANSACTIONS.items():
        assert transaction is WIRE_TRANSACTIONS[td]
    assert set(SERVICES) == {s.value for s in dmp.Service} == {s.value for s in DmpService}
    grouped = transactions_by_action()
    assert set(BY_ACTION) == set(grouped)
    for action, endpoint in BY_ACTION.items():
        rows = grouped[action]
        assert {r.service.value for r in rows} == {endpoint.service}
        assert {r.response_action for r in rows} == {endpoint.response_action}
    served = {td for rows in grouped.values() for td in (r.td for r in rows)}
    assert served == set(WIRE_TRANSACTIONS)


def test_error_codes_are_one_table_for_both_sides() -> None:
    from esante.dmp.failures import FRENCH_LABELS, TRANSIENT_CODES, registry_failure
    from esante.sandbox.dmp import DmpErrorCode, error_message
    from esante.xds import ErrorSeverity, RegistryError
    from esante.xds.dmp_errors import ERRORS, Retry

    assert {c.value for c in DmpErrorCode} <= set(ERRORS)
    for code in DmpErrorCode:
        assert error_message(code) == ERRORS[code.value].dmp_text
    assert {c: e.label for c, e in ERRORS.items()} == FRENCH_LABELS
    assert {c for c, e in ERRORS.items() if e.retry is Retry.TRANSIENT} == TRANSIENT_CODES
    # the retry class decides the client's error: the sandbox's "down" code may be retried
    down = RegistryError("DMPServiceUnavailable", "indisponible", ErrorSeverity.ERROR)
    closed = RegistryError("DMPClosed", "fermé", ErrorSeverity.ERROR)
    assert registry_failure([down], WIRE_TRANSACTIONS["TD2.1"]).is_transient
    assert not registry_failure([closed], WIRE_TRANSACTIONS["TD2.1"]).is_transient
