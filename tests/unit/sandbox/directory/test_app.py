"""The sandbox Annuaire Santé over a real loopback socket: key, reads, searches, includes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from esante.demo import demo_dataset
from esante.sandbox.directory import (
    API_KEY_HEADER,
    DirectoryServer,
    directory_resources,
    mailbox_address,
)
from esante.sandbox.directory.resources import EMAIL_TYPE_URL, MAILBOX_METADATA_URL
from esante.sandbox.dmp.errors import SandboxError
from esante.sandbox.runtime.server import bind

KEY = "cle-bac-a-sable"


@pytest.fixture(scope="module")
def server() -> Iterator[DirectoryServer]:
    running = DirectoryServer(bind("127.0.0.1", 0), api_key=KEY)
    running.start()
    yield running
    running.close()


@pytest.fixture
def http(server: DirectoryServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={API_KEY_HEADER: KEY}, timeout=5) as client:
        yield client


def get(http: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    response = http.get(path, params=params or None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert isinstance(body, dict)
    return body


def kinds(bundle: dict[str, Any], mode: str) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == mode]


def test_url_is_the_fhir_base(server: DirectoryServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.url.endswith("/fhir/v2/")


@pytest.mark.parametrize("key", [None, "", "autre-cle"])
def test_the_api_key_is_required(server: DirectoryServer, key: str | None) -> None:
    headers = {} if key is None else {API_KEY_HEADER: key}
    response = httpx.get(f"{server.url}Practitioner", headers=headers, timeout=5)
    assert response.status_code == 401
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "ESANTE-API-KEY" in outcome["issue"][0]["diagnostics"]


def test_capability_statement(http: httpx.Client) -> None:
    capability = get(http, "metadata")
    assert capability["resourceType"] == "CapabilityStatement"
    served = {r["type"] for r in capability["rest"][0]["resource"]}
    assert served == {"Practitioner", "PractitionerRole", "Organization"}


def test_read_and_not_found(http: httpx.Client) -> None:
    gp = demo_dataset().practitioner("generaliste")
    practitioner = get(http, f"Practitioner/ps-{gp.rpps}")
    assert practitioner["identifier"][1] == {
        "use": "official",
        "type": {
            "coding": [
                {
                    "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                    "code": "RPPS",
                }
            ]
        },
        "system": "https://rpps.esante.gouv.fr",
        "value": gp.rpps,
    }
    missing = http.get("Practitioner/ps-0")
    assert missing.status_code == 404
    assert missing.json()["issue"][0]["code"] == "not-found"
    assert http.get("Patient").status_code == 404


def test_practitioner_mailbox_is_an_mssante_contact_point(http: httpx.Client) -> None:
    gp = demo_dataset().practitioner("generaliste")
    (telecom,) = get(http, f"Practitioner/ps-{gp.rpps}")["telecom"]
    assert telecom["system"] == "email"
    assert telecom["value"] == gp.mssante_address
    extensions = {e["url"]: e for e in telecom["extension"]}
    assert extensions[EMAIL_TYPE_URL]["valueCoding"]["code"] == "MSSANTE"
    metadata = {e["url"]: e for e in extensions[MAILBOX_METADATA_URL]["extension"]}
    assert metadata["type"]["valueCodeableConcept"]["coding"][0]["code"] == "PER"
    assert metadata["listeRouge"]["valueBoolean"] is False


def test_search_by_identifier_with_includes(http: httpx.Client) -> None:
    gp = demo_dataset().practitioner("generaliste")
    bundle = get(
        http,
        "Practitioner",
        identifier=f"urn:oid:1.2.250.1.71.4.2.1|{gp.id_nat_ps}",
        _revinclude="PractitionerRole:practitioner",
        **{"_include:iterate": "PractitionerRole:organization"},
    )
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 1
    assert kinds(bundle, "match") == ["Practitioner"]
    assert kinds(bundle, "include") == ["PractitionerRole", "Organization"]
    assert bundle["entry"][0]["fullUrl"].endswith(f"/fhir/v2/Practitioner/ps-{gp.rpps}")


def test_string_search_modifiers(http: httpx.Client) -> None:
    def families(**params: str) -> list[str]:
        bundle = get(http, "Practitioner", **params)
        return [e["resource"]["name"][0]["family"] for e in bundle["entry"]]

    assert families(family="FONT") == ["DE LA FONTAINE"]  # start of a word
    assert families(family="ontai") == []
    assert families(**{"family:contains": "ontai"}) == ["DE LA FONTAINE"]
    assert families(**{"family:exact": "MERCIER"}) == ["MERCIER"]
    assert families(**{"family:exact": "mercier"}) == []
    assert families(given="herve") == ["CARRÉ"]
    assert families(family="mallet,girard") == ["MALLET", "GIRARD"]
    assert families(family="m", given="jer") == ["MERCIER"]


def test_search_by_mailbox(http: httpx.Client) -> None:
    centre = demo_dataset().structure("centre")
    bundle = get(http, "Organization", **{"mailbox-mss": centre.mssante_address})
    assert [e["resource"]["name"] for e in bundle["entry"]] == [centre.name]
    people = get(http, "Practitioner", **{"mailbox-mss:contains": "cds-jean-jaures"})
    assert len(people["entry"]) == 2


def test_roles_with_their_organization_and_practitioner(http: httpx.Client) -> None:
    cardio = demo_dataset().practitioner("cardiologue")
    bundle = get(
        http,
        "PractitionerRole",
        practitioner=f"Practitioner/ps-{cardio.rpps}",
        _include="PractitionerRole:organization",
    )
    assert kinds(bundle, "match") == ["PractitionerRole"]
    assert kinds(bundle, "include") == ["Organization"]
    both = http.get(
        "PractitionerRole",
        params=[
            ("practitioner", f"ps-{cardio.rpps}"),
            ("_include", "PractitionerRole:organization"),
            ("_include", "PractitionerRole:practitioner"),
        ],
    ).json()
    assert kinds(both, "include") == ["Organization", "Practitioner"]
    staff = get(
        http, "Organization", _id="st-1693445256", _revinclude="PractitionerRole:organization"
    )
    assert len([k for k in kinds(staff, "include") if k == "PractitionerRole"]) == 2


def test_paging_with_next_links(http: httpx.Client) -> None:
    first = get(http, "Practitioner", active="true", _count="3")
    assert first["total"] == len(demo_dataset().practitioners)
    names: list[str] = []
    page: dict[str, Any] | None = first
    while page is not None:
        names += [e["resource"]["id"] for e in page["entry"]]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        page = get(http, following[0]) if following else None
    assert len(names) == len(set(names)) == first["total"]


@pytest.mark.parametrize(
    "params",
    [
        {"birthdate": "1970"},
        {"family:above": "x"},
        {"_include": "Practitioner:organization"},
        {"_count": "beaucoup"},
        {"_format": "xml"},
    ],
)
def test_unsupported_parameters_are_refused(http: httpx.Client, params: dict[str, str]) -> None:
    response = http.get("Practitioner", params=params)
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "not-supported"


def test_mailbox_derived_when_the_dataset_has_none() -> None:
    data = demo_dataset()
    nurse = replace(data.practitioner("infirmier"), mssante_address="")
    assert mailbox_address(nurse, data.structure("msp")) == "chloe.girard@msp-tilleuls.mssante.fr"
    pediatrician = replace(data.practitioner("pediatre"), mssante_address="")
    assert (
        mailbox_address(pediatrician, data.structure("centre"))
        == "nicolas.delafontaine@cds-jean-jaures.mssante.fr"
    )


def test_resources_cover_the_dataset() -> None:
    data = demo_dataset()
    resources = directory_resources(data)
    assert len(resources["Practitioner"]) == len(data.practitioners)
    assert len(resources["PractitionerRole"]) == len(data.practitioners)
    assert len(resources["Organization"]) == len(data.structures)


def test_an_api_key_is_needed_to_serve() -> None:
    with pytest.raises(SandboxError):
        DirectoryServer(bind("127.0.0.1", 0), api_key=" ")
