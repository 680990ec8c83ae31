"""The Annuaire Santé client against the sandbox directory over a real loopback socket."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from esante.demo import demo_dataset
from esante.mss import (
    DirectoryClient,
    MssDirectoryError,
    MssFormatError,
)
from esante.sandbox.directory import DirectoryServer
from esante.sandbox.runtime.server import bind

KEY = "cle-de-test-annuaire"


@pytest.fixture(scope="module")
def server() -> Iterator[DirectoryServer]:
    running = DirectoryServer(bind("127.0.0.1", 0), api_key=KEY)
    running.start()
    yield running
    running.close()


@pytest.fixture
def client(server: DirectoryServer) -> Iterator[DirectoryClient]:
    with DirectoryClient(KEY, base_url=server.url, timeout=5) as opened:
        yield opened


def test_professional_by_rpps_with_mailboxes_and_structure(client: DirectoryClient) -> None:
    data = demo_dataset()
    gp = data.practitioner("generaliste")
    found = client.practitioner_by_rpps(gp.rpps)
    assert found is not None
    assert found.rpps == gp.rpps
    assert found.id_nat_ps == gp.id_nat_ps
    assert found.family_name == gp.family_name.upper()
    assert found.given_names == (gp.given_name,)
    assert found.display_name == f"{gp.given_name} {gp.family_name.upper()}"
    assert [m.address for m in found.mailboxes] == [gp.mssante_address]
    assert found.mailboxes[0].type == "PER"
    assert found.mailboxes[0].holder == f"Practitioner/{found.id}"
    (role,) = found.roles
    structure = data.structure(gp.structure_key)
    assert role.organization is not None
    assert role.organization.name == structure.name
    assert role.organization.id_nat_struct == structure.id_nat_struct
    assert [m.address for m in role.organization.mailboxes] == [structure.mssante_address]
    assert role.organization.mailboxes[0].type == "ORG"


def test_by_id_nat_ps_and_unknown(client: DirectoryClient) -> None:
    nurse = demo_dataset().practitioner("infirmier")
    assert [m.address for m in client.mailboxes_for_rpps(nurse.id_nat_ps)] == [
        nurse.mssante_address
    ]
    assert client.practitioner_by_rpps("10000000001") is None
    assert client.mailboxes_for_rpps("10000000001") == ()


@pytest.mark.parametrize("rpps", ["123", "1000398693A", "910003986931", ""])
def test_invalid_rpps(client: DirectoryClient, rpps: str) -> None:
    with pytest.raises(MssDirectoryError) as caught:
        client.practitioner_by_rpps(rpps)
    assert caught.value.field == "rpps"


def test_search_by_name_ignores_case_and_accents(client: DirectoryClient) -> None:
    found = client.search_practitioners(family="merc", given="jeremie")
    assert [p.display_name for p in found] == ["Jérémie MERCIER"]
    assert client.search_practitioners(family="Fontaine")[0].rpps == (
        demo_dataset().practitioner("pediatre").rpps
    )
    with pytest.raises(MssDirectoryError):
        client.search_practitioners()


def test_search_follows_pages(server: DirectoryServer) -> None:
    with DirectoryClient(KEY, base_url=server.url, page_size=1) as paged:
        assert [p.family_name for p in paged.search_practitioners(family="m")] == [
            "MERCIER",
            "MALLET",
        ]
        assert len(paged.search_practitioners(family="m", count=1)) == 1
    with DirectoryClient(KEY, base_url=server.url, page_size=1, max_pages=1) as limited:
        assert len(limited.search_practitioners(family="m")) == 1


def test_search_organizations_by_name(client: DirectoryClient) -> None:
    found = client.search_organizations(name="centre")
    assert [o.name for o in found] == ["Centre de santé Jean-Jaurès"]
    with pytest.raises(MssDirectoryError):
        client.search_organizations(name=" ")


def test_practitioners_by_mailbox(client: DirectoryClient) -> None:
    nurse = demo_dataset().practitioner("infirmier")
    (found,) = client.practitioners_by_mailbox(nurse.mssante_address)
    assert found.rpps == nurse.rpps


def test_organizations(client: DirectoryClient) -> None:
    msp = demo_dataset().structure("msp")
    found = client.organization_by_identifier(msp.id_nat_struct)
    assert found is not None
    assert found.name == msp.name
    assert found.finess == msp.finess
    assert [m.address for m in found.mailboxes] == [msp.mssante_address]
    assert client.organization_by_identifier("1000000000") is None
    with pytest.raises(MssDirectoryError):
        client.organization_by_identifier("../Practitioner")


def test_wrong_api_key(server: DirectoryServer) -> None:
    with (
        DirectoryClient("mauvaise-cle", base_url=server.url) as wrong,
        pytest.raises(MssDirectoryError) as caught,
    ):
        wrong.practitioner_by_rpps(demo_dataset().practitioner("generaliste").rpps)
    assert caught.value.code == "401"
    assert "mauvaise-cle" not in str(caught.value)


def test_empty_api_key_is_refused() -> None:
    with pytest.raises(MssDirectoryError):
        DirectoryClient(" ")


def test_unreachable_directory() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/fhir/v2/"
    with (
        DirectoryClient(KEY, base_url=url, timeout=2) as down,
        pytest.raises(MssDirectoryError, match="injoignable"),
    ):
        down.practitioner_by_rpps("10003986931")


# Broken remote answers: an httpx transport stands for a misbehaving third-party gateway
# (the sandbox itself always answers well-formed Bundles).


def _broken(status: int, body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body))


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (200, b"<html>maintenance</html>", MssFormatError, None),
        (200, b'{"resourceType": "OperationOutcome"}', MssFormatError, None),
        (200, b"[1, 2]", MssFormatError, None),
        (503, b'{"resourceType":"OperationOutcome","issue":[{"diagnostics":"en panne"}]}',
         MssDirectoryError, "503"),
        (200, json.dumps({"resourceType": "Bundle", "entry": []}).encode() + b" " * 6000,
         MssFormatError, None),
    ],
)  # fmt: skip
def test_unusable_answers(
    status: int, body: bytes, error: type[Exception], code: str | None
) -> None:
    with (
        DirectoryClient(KEY, transport=_broken(status, body), max_response_bytes=5000) as c,
        pytest.raises(error) as caught,
    ):
        c.practitioner_by_rpps("10003986931")
    if code is not None:
        assert getattr(caught.value, "code", None) == code
        assert "en panne" in (getattr(caught.value, "detail", "") or "")


def test_next_link_to_another_server_is_not_followed() -> None:
    page = {
        "resourceType": "Bundle",
        "link": [{"relation": "next", "url": "https://ailleurs.example.org/fhir/Practitioner?p=2"}],
        "entry": [],
    }
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        return httpx.Response(200, json=page)

    with (
        DirectoryClient(KEY, transport=httpx.MockTransport(answer)) as c,
        pytest.raises(MssFormatError) as caught,
    ):
        c.search_practitioners(family="x")
    assert caught.value.field == "Bundle.link"
    assert seen == ["gateway.api.esante.gouv.fr"]
