"""The sandbox INSi checks the signature of the professional's assertion, over mutual TLS.

A sandbox is started for its PKI (its CA, its structure's authentication and signing
certificates); beside it, the same INSi application is served by the same HTTPS server
code (:func:`esante.sandbox.runtime.insi_server`) with the sandbox's CA as the trusted
signer CA — strict, as the teleservice — and once more in kit mode. Every request goes
over a real socket with the sandbox's client certificate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from lxml import etree

from esante.config import Settings
from esante.demo import demo_dataset
from esante.identity import IdentityTraits
from esante.identity.insi import ResultCode, TraitsQuery, parse_resultat
from esante.insi import (
    InsiClient,
    InsiRejectedError,
    LpsIdentity,
    Professional,
    professional_assertion,
    signed_assertion,
)
from esante.safexml import parse_xml
from esante.sandbox.insi import DEFAULT_PATH, InsiHttpApp
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.sandbox.runtime.process import insi_server
from esante.sandbox.runtime.server import HttpsServer, bind
from esante.services import InsiConnection
from esante.transport import HttpsTransport, TlsConfig, client_ssl_context
from esante.trust import Pki, generate_test_pki, load_certificate, load_pki
from tests.conftest import shared_path

DOCTOR = "899700000001"
OTHER = "899700000002"
LPS = LpsIdentity("NumAutorisation", "1.0.0", "esante", "tests")
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("insi-signature"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def pki(running: RunningSandbox) -> Pki:
    return load_pki(running.manifest.pki.directory)


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Another CA, trusted by nobody here."""
    return generate_test_pki(tmp_path_factory.mktemp("pki") / "other")


@pytest.fixture(scope="module")
def expired_pki(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Pki:
    """A CA the strict INSi also trusts, whose leaves (3 years) expired a year ago."""
    created = load_certificate(pki.ca.certificate).not_valid_before_utc
    past = created.replace(year=created.year - 4)
    return generate_test_pki(tmp_path_factory.mktemp("pki") / "expired", now=past)


def _serve(running: RunningSandbox, pki: Pki, app: InsiHttpApp) -> HttpsServer:
    options = SandboxOptions(directory=Path(running.manifest.directory))
    return insi_server(options, pki, app, bind("127.0.0.1", 0)).start()


@pytest.fixture(scope="module")
def strict(running: RunningSandbox, pki: Pki, expired_pki: Pki) -> Iterator[str]:
    trusted = [load_certificate(pki.ca.certificate), load_certificate(expired_pki.ca.certificate)]
    server = _serve(running, pki, InsiHttpApp(trusted_cas=trusted))
    try:
        yield server.url + DEFAULT_PATH
    finally:
        server.close()


@pytest.fixture(scope="module")
def kit(running: RunningSandbox, pki: Pki) -> Iterator[str]:
    app = InsiHttpApp(trusted_cas=[load_certificate(pki.ca.certificate)], kit_mode=True)
    server = _serve(running, pki, app)
    try:
        yield server.url + DEFAULT_PATH
    finally:
        server.close()


def _tls(pki: Pki) -> TlsConfig:
    return TlsConfig(
        ca_bundle=pki.ca.certificate,
        certificate=pki.authentication.certificate,
        key=pki.authentication.key,
    )


def _signed_by(signer: Pki, who: str = DOCTOR) -> Callable[[], etree._Element]:
    return signed_assertion(
        who, key=signer.signature.load_key(), certificate=signer.signature.load_certificate()
    )


def _search(
    url: str, pki: Pki, assertion: Callable[[], etree._Element], who: str = DOCTOR
) -> ResultCode:
    patient = demo_dataset().patient("claire")
    traits = IdentityTraits(
        birth_family_name=patient.birth_family_name,
        birth_given_names=patient.birth_given_names,
        first_given_name=patient.first_given_name,
        sex=patient.sex,
        birth_date=patient.birth_date,
        birthplace_cog=patient.birthplace_cog,
    )
    with HttpsTransport(_tls(pki)) as transport:
        client = InsiClient(transport, url, lps=LPS, professional=Professional(who, assertion))
        answer = client.search(traits)
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == patient.nir
    return answer.code


def _refused(
    url: str, pki: Pki, assertion: Callable[[], etree._Element], who: str = DOCTOR
) -> InsiRejectedError:
    with pytest.raises(InsiRejectedError) as refused:
        _search(url, pki, assertion, who)
    assert refused.value.code == "insi_01_003"
    assert not refused.value.retryable
    print(f"refused: {refused.value.message}")
    return refused.value


def test_an_assertion_signed_by_the_sandbox_signing_certificate_is_answered(
    strict: str, pki: Pki
) -> None:
    assert _search(strict, pki, _signed_by(pki)) is ResultCode.FOUND


def test_the_client_assembled_from_the_settings_signs_and_is_answered(
    strict: str, running: RunningSandbox, tmp_path: Path
) -> None:
    """services.InsiConnection signs with the sandbox preset's signing credential."""
    settings = Settings(home=tmp_path, services="sandbox", insi_url=strict)
    patient = demo_dataset().patient("noah")
    with InsiConnection(settings, DOCTOR, sandbox=Path(running.manifest.directory)) as insi:
        answer = insi.search_traits(
            TraitsQuery(
                patient.birth_family_name,
                (patient.first_given_name,),
                patient.sex,
                patient.birth_date,
            )
        )
    assert answer.code is ResultCode.FOUND
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == patient.nir


def test_an_unsigned_assertion_is_refused(strict: str, pki: Pki) -> None:
    error = _refused(strict, pki, lambda: professional_assertion(DOCTOR, issuer="CN=" + DOCTOR))
    assert "Signature" in error.message


def test_an_assertion_whose_nameid_was_changed_after_signing_is_refused(
    strict: str, pki: Pki
) -> None:
    sign = _signed_by(pki)

    def tampered() -> etree._Element:
        assertion = sign()
        name_id = assertion.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
        assert name_id is not None
        assert name_id.text == DOCTOR
        name_id.text = OTHER  # the emitter of the contexts is OTHER too: only the signature
        return assertion

    error = _refused(strict, pki, tampered, OTHER)
    assert "modifié" in error.message


def test_an_assertion_signed_under_another_ca_is_refused(
    strict: str, pki: Pki, other_pki: Pki
) -> None:
    error = _refused(strict, pki, _signed_by(other_pki))
    assert "autorité de confiance" in error.message


def test_an_assertion_signed_with_an_expired_certificate_is_refused(
    strict: str, pki: Pki, expired_pki: Pki
) -> None:
    error = _refused(strict, pki, _signed_by(expired_pki))
    assert "expiré" in error.message


def test_a_validly_signed_assertion_for_someone_else_is_refused(strict: str, pki: Pki) -> None:
    with pytest.raises(InsiRejectedError) as refused:
        _search(strict, pki, _signed_by(pki, OTHER), DOCTOR)
    assert refused.value.code == "insi_01_003"
    assert "émetteur" in refused.value.message


def _post(url: str, pki: Pki, body: bytes) -> httpx.Response:
    with httpx.Client(verify=client_ssl_context(_tls(pki)), timeout=10) as http:
        return http.post(
            url, content=body, headers={"content-type": "application/soap+xml; charset=utf-8"}
        )


def _official_request() -> bytes:
    return shared_path(
        "dmp-kit", "messages", "WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml"
    ).read_bytes()


def test_the_official_request_is_refused_by_the_strict_service(strict: str, pki: Pki) -> None:
    """Its assertion is signed by a CPS of the ANS test IGC, expired since 2021-05-15,
    and was edited after signing: the strict service refuses it as the real one would
    refuse a foreign signer."""
    answer = _post(strict, pki, _official_request())
    assert answer.status_code == 500
    envelope = parse_xml(answer.content, what="réponse")
    assert envelope.find(".//{http://www.w3.org/2003/05/soap-envelope}Value") is not None
    erreur = envelope.find(".//{urn:siram}Erreur")
    assert erreur is not None
    assert erreur.get("code") == "insi_01_003"
    print(f"official request, strict service: {erreur.get('code')} {erreur.text}")


def test_the_official_request_is_answered_in_kit_mode(kit: str, pki: Pki) -> None:
    answer = _post(kit, pki, _official_request())
    assert answer.status_code == 200
    envelope = parse_xml(answer.content, what="réponse")
    resultat = parse_resultat(envelope[0][0])
    assert resultat.code is ResultCode.NOT_FOUND  # PATB-QUATRE is not a demo person


def test_kit_mode_still_refuses_an_unsigned_assertion(kit: str, pki: Pki) -> None:
    _refused(kit, pki, lambda: professional_assertion(DOCTOR, issuer="CN=" + DOCTOR))


def test_kit_mode_answers_a_correctly_signed_request(kit: str, pki: Pki) -> None:
    assert _search(kit, pki, _signed_by(pki)) is ResultCode.FOUND


def test_the_unknown_traits_still_answer_01_when_signed(strict: str, pki: Pki) -> None:
    with HttpsTransport(_tls(pki)) as transport:
        client = InsiClient(
            transport, strict, lps=LPS, professional=Professional(DOCTOR, _signed_by(pki))
        )
        answer = client.search_traits(TraitsQuery("INCONNU", ("PERSONNE",), "F", date(1970, 1, 1)))
    assert answer.code is ResultCode.NOT_FOUND
