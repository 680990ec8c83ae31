"""The declarative transaction table agrees with the DMP WSDLs and official messages."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from esante.xds import Endpoint, iti18, iti41, iti43, iti57, transaction_for_action
from esante.xds.transactions import TRANSACTIONS
from tests.unit.xds.dmp_messages import body, raw

CASES = [
    (iti41, "TD2.1_Alimentation_requete.xml", "TD2.1_Alimentation_reponse.xml"),
    (iti18, "TD3.1_Recherche_de_document_requete.xml", "TD3.1_Recherche_de_document_reponse.xml"),
    (
        iti43,
        "TD3.2_Consultation_dun_document_requete.xml",
        "TD3.2_Consultation_dun_document_reponse.xml",
    ),
    (iti57, "TD3.3c_Supprimer_un_document_requete.xml", "TD3.3c_Supprimer_un_document_reponse.xml"),
]


def action(name: str) -> str:
    match = re.search(rb"<Action[^>]*>([^<]+)</Action>", raw(name))
    assert match is not None
    return match.group(1).decode()


@pytest.mark.parametrize(("module", "request_file", "response_file"), CASES)
def test_records_match_the_official_messages(module, request_file: str, response_file: str) -> None:  # type: ignore[no-untyped-def]
    record = module.TRANSACTION
    assert TRANSACTIONS[record.id] is record
    assert record.action == action(request_file)
    assert record.response_action == action(response_file)
    assert record.request_root == body(request_file).tag
    assert record.response_root == body(response_file).tag
    assert transaction_for_action(record.action) is record


def test_mtom_and_endpoints() -> None:
    assert (iti41.TRANSACTION.mtom_request, iti41.TRANSACTION.mtom_response) == (True, False)
    assert (iti43.TRANSACTION.mtom_request, iti43.TRANSACTION.mtom_response) == (False, True)
    assert not iti18.TRANSACTION.mtom_request
    assert not iti57.TRANSACTION.mtom_request
    assert [
        t.endpoint
        for t in (iti41.TRANSACTION, iti18.TRANSACTION, iti43.TRANSACTION, iti57.TRANSACTION)
    ] == [
        Endpoint.REPOSITORY,
        Endpoint.REGISTRY,
        Endpoint.REPOSITORY,
        Endpoint.REGISTRY,
    ]
    assert iti57.TRANSACTION.dmp == ("TD3.3a", "TD3.3b", "TD3.3c", "TD3.3d")
    assert transaction_for_action("urn:example:unknown") is None


def test_the_multipart_td21_request_declares_mtom() -> None:
    head = raw("TD2.1_Alimentation_requete.xml")[:400]
    assert b"application/xop+xml" in head
    assert (
        etree.QName(body("TD2.1_Alimentation_requete.xml")).localname
        == "ProvideAndRegisterDocumentSetRequest"
    )
