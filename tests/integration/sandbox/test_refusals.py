"""What the sandbox refuses, and how the real client hears it, over real sockets.

Transport-level refusals (no client certificate, a certificate of another CA) end the TLS
handshake; security refusals (VIHF unsigned, forged, expired, signed by another PKI,
of another structure, médecin without specialty) are ``soap:Sender`` faults with a
WS-Security subcode; business refusals are the DMP's own error codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from esante.cda.examples import example_document
from esante.dmp import (
    Actor,
    DmpClient,
    DmpCommunicationError,
    DmpRejectedError,
    Signer,
    Visibility,
)
from esante.sandbox.runtime import RunningSandbox
from esante.transport import HttpsTransport, TlsConfig, TlsError
from esante.trust import Pki, generate_test_pki
from esante.trust.vocabulary import SAML_NS
from tests.integration.sandbox import world

S = f"{{{SAML_NS}}}"


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("other") / "pki")


@pytest.fixture
def open_transport(sandbox: RunningSandbox) -> Iterator[HttpsTransport]:
    with HttpsTransport(world.tls_config(sandbox.manifest)) as transport:
        yield transport


def _edited_client(
    sandbox: RunningSandbox, transport: HttpsTransport, **edits: object
) -> DmpClient:
    issuer = world.EditingIssuer(world.signer(sandbox.manifest), **edits)  # type: ignore[arg-type]
    return world.client_with_issuer(sandbox.manifest, transport, issuer)


def _security_refusal(client: DmpClient, sandbox: RunningSandbox, actor: Actor) -> DmpRejectedError:
    ins = world.new_patient(sandbox, actor)
    with pytest.raises(DmpRejectedError) as refused:
        client.test_existence(ins, actor=actor)
    return refused.value


# --- TLS ---------------------------------------------------------------------------------


def test_a_client_without_certificate_is_refused_at_the_handshake(
    sandbox: RunningSandbox, doctor: Actor
) -> None:
    tls = TlsConfig(ca_bundle=sandbox.manifest.pki.ca)
    with HttpsTransport(tls) as transport:
        client = world.dmp_client(sandbox.manifest, transport)
        with pytest.raises(DmpCommunicationError) as refused:
            client.test_existence(world.fresh_ins(), actor=doctor)
    assert isinstance(refused.value.__cause__, TlsError)
    assert "TLS" in refused.value.message


def test_a_certificate_of_another_ca_is_refused_at_the_handshake(
    sandbox: RunningSandbox, doctor: Actor, other_pki: Pki
) -> None:
    tls = TlsConfig(
        ca_bundle=sandbox.manifest.pki.ca,
        certificate=other_pki.authentication.certificate,
        key=other_pki.authentication.key,
    )
    with HttpsTransport(tls) as transport:
        client = world.dmp_client(sandbox.manifest, transport)
        with pytest.raises(DmpCommunicationError) as refused:
            client.test_existence(world.fresh_ins(), actor=doctor)
    assert isinstance(refused.value.__cause__, TlsError)


# --- VIHF --------------------------------------------------------------------------------


def test_an_unsigned_vihf_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    client = _edited_client(sandbox, open_transport, sign=False)
    refusal = _security_refusal(client, sandbox, doctor)
    assert refusal.code == "FailedAuthentication"
    assert "n'est pas signé" in refusal.message


def test_a_forged_vihf_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor, colleague: Actor
) -> None:
    def impersonate(signed: etree._Element) -> None:
        name_id = signed.find(f"{S}Subject/{S}NameID")
        assert name_id is not None
        name_id.text = colleague.id  # another professional, after signing

    client = _edited_client(sandbox, open_transport, after=impersonate)
    refusal = _security_refusal(client, sandbox, doctor)
    assert refusal.code == "FailedAuthentication"
    assert "modifié" in refusal.message


def test_an_expired_vihf_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    client = _edited_client(sandbox, open_transport, now=two_hours_ago)
    refusal = _security_refusal(client, sandbox, doctor)
    assert refusal.code == "FailedAuthentication"
    assert "expiré" in refusal.message


def test_a_vihf_signed_by_another_pki_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor, other_pki: Pki
) -> None:
    issuer = world.EditingIssuer(Signer.from_pki(other_pki))
    client = world.client_with_issuer(sandbox.manifest, open_transport, issuer)
    refusal = _security_refusal(client, sandbox, doctor)
    assert refusal.code == "FailedAuthentication"
    assert "autorité de confiance" in refusal.message


def test_a_vihf_of_another_structure_than_the_tls_certificate_is_refused(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    from dataclasses import replace

    elsewhere = replace(doctor, structure_id="499900000000999")
    refusal = _security_refusal(client, sandbox, elsewhere)
    assert refusal.code == "FailedAuthentication"
    assert "Identifiant_Structure" in refusal.message


def test_a_medecin_without_specialty_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    def drop_specialty(assertion: etree._Element) -> None:
        for attribute in assertion.iter(f"{S}Attribute"):
            if attribute.get("Name", "").endswith("subject:role"):
                values = attribute.findall(f"{S}AttributeValue")
                attribute.remove(values[1])

    client = _edited_client(sandbox, open_transport, before=drop_specialty)
    refusal = _security_refusal(client, sandbox, doctor)
    assert refusal.code == "FailedAuthentication"
    assert "spécialité" in refusal.message


# --- business refusals -------------------------------------------------------------------


def test_a_professional_blocked_by_the_patient_is_refused_and_the_refusal_is_logged(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    ins = world.new_patient(sandbox, doctor)
    admin = world.admin(sandbox)
    admin.block(world.patient_ins(ins), doctor.id)
    with pytest.raises(DmpRejectedError) as refused:
        client.find_documents(ins, actor=doctor)
    assert refused.value.code == "DMPProfessionalBlocked"
    last = admin.access_history(world.patient_ins(ins), limit=1)[0]
    assert (last.actor_id, last.error_code) == (doctor.id, "DMPProfessionalBlocked")
    admin.session.close()


def test_a_masked_document_is_hidden_from_a_non_author_in_normal_mode(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, colleague: Actor
) -> None:
    ins = world.new_patient(sandbox, doctor, colleague)
    built = example_document("vsm", ins=ins.matricule, author="generaliste")
    sent = client.submit(
        ins, built.xml, actor=doctor, visibility=[Visibility.MASKED_TO_PROFESSIONALS]
    )
    assert client.find_documents(ins, actor=colleague).documents == ()
    own = client.find_documents(ins, actor=doctor).documents
    assert [d.unique_id for d in own] == [sent.document_unique_id]
    with pytest.raises(DmpRejectedError) as refused:
        client.retrieve(
            ins,
            sent.document_unique_id,
            own[0].repository_unique_id or "",
            actor=colleague,
        )
    assert refused.value.code == "DMPDocumentMasked"


def test_td33_on_another_authors_document_is_refused(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, colleague: Actor
) -> None:
    ins = world.new_patient(sandbox, doctor, colleague)
    built = example_document("vsm", ins=ins.matricule, author="generaliste")
    client.submit(ins, built.xml, actor=doctor)
    (entry,) = client.find_documents(ins, actor=colleague).documents
    with pytest.raises(DmpRejectedError) as refused:
        client.archive(ins, entry, actor=colleague)
    assert refused.value.code == "DMPNotDocumentAuthor"
    with pytest.raises(DmpRejectedError):
        client.delete(ins, entry, actor=colleague)
    assert len(client.find_documents(ins, actor=doctor)) == 1


def test_an_unknown_patient_has_no_dmp(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    unknown = world.fresh_ins()
    assert not client.test_existence(unknown, actor=doctor).exists
    with pytest.raises(DmpRejectedError) as refused:
        client.find_documents(unknown, actor=doctor)
    assert refused.value.code == "XDSUnknownPatientId"
    built = example_document("vsm", ins=unknown.matricule)
    with pytest.raises(DmpRejectedError) as rejected:
        client.submit(unknown, built.xml, actor=doctor)
    assert rejected.value.code == "XDSUnknownPatientId"


def test_a_closed_dmp_refuses_feeding(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    ins = world.new_patient(sandbox, doctor)
    admin = world.admin(sandbox)
    admin.close_dmp(world.patient_ins(ins))
    admin.session.close()
    status = client.test_existence(ins, actor=doctor)
    assert status.exists
    assert status.closed
    with pytest.raises(DmpRejectedError) as refused:
        client.submit(ins, example_document("vsm", ins=ins.matricule).xml, actor=doctor)
    assert refused.value.code == "DMPClosed"


def test_an_indirect_establishment_may_feed_but_not_consult(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    from dataclasses import replace

    from esante.trust import AuthenticationMode

    system = replace(doctor, authentication_mode=AuthenticationMode.INDIRECTE)
    ins = world.new_patient(sandbox, doctor)
    client.submit(ins, example_document("vsm", ins=ins.matricule).xml, actor=system)
    with pytest.raises(DmpRejectedError) as refused:
        client.find_documents(ins, actor=system)
    assert refused.value.code == "DMPAccessNotAllowed"
    assert len(client.find_documents(ins, actor=doctor)) == 1
