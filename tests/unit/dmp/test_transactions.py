"""The transaction table agrees with the DMP kit: WSDL actions and the official messages."""

from __future__ import annotations

import pytest

from esante.dmp import TRANSACTIONS, DmpEndpoints, DmpRequestError, DmpTransaction, Service
from esante.dmp.transactions import TD02, TD03, TD21, TD31, TD32, TD33C, TD33D
from tests.unit.dmp import kit

WSAW = "{http://www.w3.org/2006/05/addressing/wsdl}Action"

#: (TD record, official request, official response) of the kit.
OFFICIAL = [
    (TD02, "TD0.2_Test_dexistence_requete.xml", "TD0.2_Test_dexistence_reponse.xml"),
    (
        TD03,
        "TD0.3_Mise_a_jour_de_lautorisation_requete.xml",
        "TD0.3_Mise_a_jour_de_lautorisation_reponse.xml",
    ),
    (TD21, "TD2.1_Alimentation_requete.xml", "TD2.1_Alimentation_reponse.xml"),
    (TD31, "TD3.1_Recherche_de_document_requete.xml", "TD3.1_Recherche_de_document_reponse.xml"),
    (
        TD32,
        "TD3.2_Consultation_dun_document_requete.xml",
        "TD3.2_Consultation_dun_document_reponse.xml",
    ),
    (TD33C, "TD3.3c_Supprimer_un_document_requete.xml", "TD3.3c_Supprimer_un_document_reponse.xml"),
    (TD33D, "TD3.3d_Archiver_un_document_requete.xml", "TD3.3d_Archiver_un_document_reponse.xml"),
]


@pytest.mark.parametrize(("transaction", "request_name", "response_name"), OFFICIAL)
def test_actions_and_roots_are_those_of_the_official_messages(
    transaction: DmpTransaction, request_name: str, response_name: str
) -> None:
    assert kit.action(request_name) == transaction.action
    assert kit.action(response_name) == transaction.response_action
    assert kit.body(request_name).tag == transaction.request_root
    assert kit.body(response_name).tag == transaction.response_root


def _wsdl_actions(name: str) -> set[str]:
    return {element.get(WSAW, "") for element in kit.wsdl(name).iter() if element.get(WSAW)}


def test_xds_and_patient_actions_are_declared_by_the_wsdls() -> None:
    registry = _wsdl_actions("XDS.b_DocumentRegistry.wsdl")
    repository = _wsdl_actions("XDS.b_DocumentRepository.wsdl")
    patients = _wsdl_actions("GestionDossierPatientPartage.wsdl")
    for transaction in TRANSACTIONS.values():
        if transaction.service is Service.REGISTRY:
            assert {transaction.action, transaction.response_action} <= registry
        elif transaction.service is Service.REPOSITORY:
            assert {transaction.action, transaction.response_action} <= repository
        elif transaction.service is Service.PATIENTS:
            assert {transaction.action, transaction.response_action} <= patients


def test_table_covers_every_td_of_the_client() -> None:
    assert set(TRANSACTIONS) == {
        "TD0.2", "TD0.3", "TD2.1", "TD3.1", "TD3.1b", "TD3.2",
        "TD3.3a", "TD3.3b", "TD3.3c", "TD3.3d",
    }  # fmt: skip
    writes = {td for td, t in TRANSACTIONS.items() if t.writes}
    assert writes == {"TD0.3", "TD2.1", "TD3.3a", "TD3.3b", "TD3.3c", "TD3.3d"}
    assert [td for td, t in TRANSACTIONS.items() if t.mtom_request] == ["TD2.1"]
    assert [td for td, t in TRANSACTIONS.items() if t.mtom_response] == ["TD3.2"]


def test_endpoints_from_base_url() -> None:
    endpoints = DmpEndpoints.from_base_url("https://dmp.example/si-dmp-server/v2/services/")
    assert (
        endpoints.url(Service.PATIENTS) == "https://dmp.example/si-dmp-server/v2/services/patients"
    )
    assert endpoints.url(Service.REPOSITORY).endswith("/services/repository")
    with pytest.raises(DmpRequestError) as caught:
        DmpEndpoints("ftp://x", "https://a", "https://b", "https://c")
    assert caught.value.field == "patients"
