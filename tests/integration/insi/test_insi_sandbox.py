"""The INSi client against the sandbox's INSi, over real sockets and mutual TLS.

The sandbox is started with its INSi only (the DMP is always there); expectations come
from the demo dataset and the sandbox's registry of special identities. The client signs
its assertion with the sandbox's signing certificate, as the sandbox preset does; the
sandbox runs in kit mode so that the official request (whose signature cannot be
verified, see ``test_assertion_signature``) can be replayed to check the rest of it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from esante.demo import demo_dataset
from esante.identity import IdentityTraits, InsKind
from esante.identity.insi import ResultCode, TraitsQuery, VitaleQuery, parse_resultat
from esante.insi import (
    InsiClient,
    InsiRejectedError,
    InsiUnavailableError,
    LpsIdentity,
    Professional,
    professional_assertion,
    signed_assertion,
)
from esante.safexml import parse_xml
from esante.sandbox.insi import sandbox_registry
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, read_manifest, start_sandbox
from esante.transport import HttpsTransport, TlsConfig, client_ssl_context
from esante.trust import load_certificate, load_private_key
from tests.conftest import shared_path

DOCTOR = "899700000001"
LPS = LpsIdentity("NumAutorisation", "1.0.0", "esante", "tests")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
        kit_mode=True,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


def _signed(sandbox: RunningSandbox, who: str = DOCTOR) -> Professional:
    pki = sandbox.manifest.pki
    return Professional(
        who,
        signed_assertion(
            who,
            key=load_private_key(pki.signature_key),
            certificate=load_certificate(pki.signature_certificate),
        ),
    )


def _tls(sandbox: RunningSandbox) -> TlsConfig:
    pki = sandbox.manifest.pki
    return TlsConfig(
        ca_bundle=pki.ca, certificate=pki.authentication_certificate, key=pki.authentication_key
    )


@pytest.fixture(scope="module")
def client(running: RunningSandbox) -> Iterator[InsiClient]:
    manifest = read_manifest(running.manifest.directory)
    assert manifest.insi is not None
    with HttpsTransport(_tls(running)) as transport:
        yield InsiClient(transport, manifest.insi.url, lps=LPS, professional=_signed(running))


def _traits(key: str) -> IdentityTraits:
    patient = demo_dataset().patient(key)
    return IdentityTraits(
        birth_family_name=patient.birth_family_name,
        birth_given_names=patient.birth_given_names,
        first_given_name=patient.first_given_name,
        sex=patient.sex,
        birth_date=patient.birth_date,
        birthplace_cog=patient.birthplace_cog,
    )


@pytest.mark.parametrize("key", ["claire", "noah", "anne-sophie", "mathieu"])
def test_a_demo_person_is_found_with_her_nir_and_traits(client: InsiClient, key: str) -> None:
    patient = demo_dataset().patient(key)
    answer = client.search(_traits(key))  # typed with accents, hyphens, apostrophes
    assert answer.code is ResultCode.FOUND
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == patient.nir
    assert answer.resultat.individual.ins.oid == patient.ins_oid
    assert answer.resultat.individual.traits.identity_traits().birth_date == patient.birth_date
    assert answer.reference.startswith("INSi:")


def test_unknown_traits_answer_01(client: InsiClient) -> None:
    query = TraitsQuery("INCONNU", ("PERSONNE",), "F", date(1970, 1, 1))
    answer = client.search_traits(query)
    assert answer.code is ResultCode.NOT_FOUND
    assert answer.resultat.individual is None
    assert answer.resultat.label == ResultCode.NOT_FOUND.official_label


def test_homonyms_answer_02_then_the_other_given_names_find_one(client: InsiClient) -> None:
    wanted = sandbox_registry().by_key("homonyme-2")
    traits = wanted.traits.identity_traits()
    first_only = client.search_traits(TraitsQuery.from_traits(traits))
    assert first_only.code is ResultCode.SEVERAL
    narrowed = client.search(traits)
    assert narrowed.code is ResultCode.FOUND
    assert narrowed.resultat.individual == wanted.individual


def test_a_nia_is_returned_with_the_nia_oid(client: InsiClient) -> None:
    person = sandbox_registry().by_key("nia")
    answer = client.search(person.traits.identity_traits())
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.kind is InsKind.NIA


def test_a_replaced_ins_is_verified_as_replaced_with_the_new_one(client: InsiClient) -> None:
    person = sandbox_registry().by_key("ins-change")
    old = person.individual.history[0].matricule
    answer, verification = client.verify(old, person.traits.identity_traits())
    assert verification.confirmed
    assert verification.replaced
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule != old
    assert answer.resultat.individual.knows(old)


def test_verification_of_a_wrong_ins_is_not_confirmed(client: InsiClient) -> None:
    claire, robert = demo_dataset().patient("claire"), demo_dataset().patient("robert")
    _, verification = client.verify(robert.nir, _traits("claire"))
    assert not verification.confirmed
    assert claire.nir != robert.nir


def test_the_carte_vitale_of_a_parent_finds_the_child(client: InsiClient) -> None:
    lola = demo_dataset().patient("lola")
    parent = next(r for r in lola.legal_representatives if r.patient_key)
    insured = demo_dataset().patient(str(parent.patient_key)).nir
    answer = client.search_vitale(
        VitaleQuery.from_card(insured_nir=insured, birth_date=lola.birth_date)
    )
    assert answer.code is ResultCode.FOUND
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == lola.nir


def _post(running: RunningSandbox, body: bytes) -> httpx.Response:
    assert running.manifest.insi is not None
    with httpx.Client(verify=client_ssl_context(_tls(running)), timeout=10) as http:
        return http.post(
            running.manifest.insi.url,
            content=body,
            headers={"content-type": "application/soap+xml; charset=utf-8"},
        )


def _official_request() -> bytes:
    return shared_path(
        "dmp-kit", "messages", "WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml"
    ).read_bytes()


def test_the_official_request_replayed_gets_a_valid_answer(running: RunningSandbox) -> None:
    answer = _post(running, _official_request())
    assert answer.status_code == 200
    envelope = parse_xml(answer.content, what="réponse")
    resultat = parse_resultat(envelope[0][0])
    assert resultat.code is ResultCode.NOT_FOUND  # PATB-QUATRE is not a demo person


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ((b"<ins:Prenom>LAURENCE<", b"<ins:Prenom>Laurence<"), "insi_01_004"),
        (
            (b'<urn1:ContexteLPS Version="01_00">', b'<urn1:ContexteLPS Version="02_00">'),
            "insi_01_004",
        ),
        ((b"rechercherInsAvecTraitsIdentite</add:Action>", b"autre</add:Action>"), "insi_01_002"),
        ((b"<ins:Sexe>F</ins:Sexe>", b"<ins:Sexe>X</ins:Sexe>"), "insi_01_004"),
    ],
)
def test_malformed_requests_are_refused_with_a_siram_fault(
    running: RunningSandbox, change: tuple[bytes, bytes], code: str
) -> None:
    official = _official_request()
    assert change[0] in official
    answer = _post(running, official.replace(*change))
    assert answer.status_code == 500
    envelope = parse_xml(answer.content, what="réponse")
    erreur = envelope.find(".//{urn:siram}Erreur")
    assert erreur is not None
    assert erreur.get("code") == code


def test_an_unreachable_service_is_retryable(running: RunningSandbox) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    professional = Professional(DOCTOR, lambda: professional_assertion(DOCTOR, issuer="x"))
    with HttpsTransport(_tls(running)) as transport:
        client = InsiClient(
            transport, f"https://127.0.0.1:{port}/insi/ICIR", lps=LPS, professional=professional
        )
        with pytest.raises(InsiUnavailableError) as failed:
            client.search(_traits("claire"))
    assert failed.value.retryable


def test_an_assertion_for_someone_else_is_refused(running: RunningSandbox) -> None:
    assert running.manifest.insi is not None
    other = _signed(running, "899700000002")
    professional = Professional(DOCTOR, other.assertion)  # validly signed, for someone else
    with HttpsTransport(_tls(running)) as transport:
        client = InsiClient(
            transport, running.manifest.insi.url, lps=LPS, professional=professional
        )
        with pytest.raises(InsiRejectedError) as refused:
            client.search(_traits("claire"))
    assert not refused.value.retryable
    assert refused.value.code == "insi_01_003"
