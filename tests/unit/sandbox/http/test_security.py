"""Who is calling: VIHF → actor, checks against the TLS certificate, kit mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from esante.sandbox.dmp import Card
from esante.sandbox.dmp.soap import DmpFault, TrustPolicy, authenticate
from esante.transport import SoapRequest, build_envelope, with_security
from esante.trust import (
    AccessMode,
    AuthenticationMode,
    Code,
    PatientId,
    Pki,
    Vihf,
    build_vihf,
    sign_vihf,
)
from esante.trust.vocabulary import SAML_NS

NOW = datetime.now(UTC)


def _vihf(pki: Pki, **changes: object) -> Vihf:
    values: dict[str, object] = {
        "subject_id": "810003986931",
        "subject_name": "François PERRIN",
        "structure_id": pki.structure_id,
        "activity_sector": "SA07",
        "role": Code("10", "1.2.250.1.71.1.2.7", "Médecin"),
        "specialty": Code("SM54", "1.2.250.1.71.4.2.5"),
        "patient": PatientId("279035121518989", "1.2.250.1.213.1.4.10"),
        "authentication_mode": AuthenticationMode.DIRECTE,
        "lps_name": "lps",
        "lps_version": "1",
        "lps_homologation_id": "H",
    }
    values.update(changes)
    return Vihf(**values)  # type: ignore[arg-type]


def _request(pki: Pki, vihf: Vihf, *, extra: etree._Element | None = None) -> SoapRequest:
    certificate = pki.signature.load_certificate()
    assertion = build_vihf(vihf, issuer=certificate.subject.rfc4514_string(), now=NOW)
    if extra is not None:
        assertion.find(f"{{{SAML_NS}}}AttributeStatement").append(extra)  # type: ignore[union-attr]
    signed = sign_vihf(assertion, key=pki.signature.load_key(), certificate=certificate)
    request = SoapRequest(url="https://x/", envelope=build_envelope(etree.Element("body")))
    return with_security(request, signed)


def _policy(pki: Pki, *, kit: bool = False) -> TrustPolicy:
    return TrustPolicy((pki.ca.load_certificate(),), kit_mode=kit, clock=lambda: NOW)


def test_a_physician_becomes_the_matrix_actor(pki: Pki) -> None:
    caller = authenticate(
        _request(pki, _vihf(pki)).envelope, pki.authentication.load_certificate(), _policy(pki)
    )
    actor = caller.actor
    assert (actor.id_nat_ps, actor.profession, actor.specialty) == ("810003986931", "10", "SM54")
    assert (actor.given_name, actor.family_name) == ("François", "PERRIN")
    assert actor.structure_id == pki.structure_id
    assert actor.effective_card is Card.CPS
    assert caller.patient is not None
    assert caller.patient.value == "279035121518989"
    assert caller.verified
    assert caller.tls_structure_id == pki.structure_id


def test_staff_without_profession_keep_their_role(pki: Pki) -> None:
    vihf = _vihf(pki, role=Code("SECRETAIRE", "1.2.250.1.213.1.1.4.6"), specialty=None)
    caller = authenticate(
        _request(pki, vihf).envelope, pki.authentication.load_certificate(), _policy(pki)
    )
    assert caller.actor.profession is None
    assert caller.actor.role == "SECRETAIRE"
    assert caller.actor.effective_card is Card.CPE


def _reason(text: str) -> etree._Element:
    attribute = etree.Element(f"{{{SAML_NS}}}Attribute", Name="Mode_Acces_Raison")
    etree.SubElement(attribute, f"{{{SAML_NS}}}AttributeValue").text = text
    return attribute


def test_bris_de_glace_needs_its_reason(pki: Pki) -> None:
    vihf = _vihf(pki, access_mode=AccessMode.BRIS_DE_GLACE)
    peer = pki.authentication.load_certificate()
    with pytest.raises(DmpFault) as refused:
        authenticate(_request(pki, vihf).envelope, peer, _policy(pki))
    assert "motif" in refused.value.message
    caller = authenticate(
        _request(pki, vihf, extra=_reason("Urgence vitale")).envelope, peer, _policy(pki)
    )
    assert caller.access_mode is AccessMode.BRIS_DE_GLACE
    assert caller.access_reason == "Urgence vitale"


def test_the_signature_certificate_is_not_a_tls_identity_of_another_structure(pki: Pki) -> None:
    vihf = _vihf(pki, structure_id="10B0001001")
    with pytest.raises(DmpFault) as refused:
        authenticate(
            _request(pki, vihf).envelope, pki.authentication.load_certificate(), _policy(pki)
        )
    assert refused.value.code == "Sender"
    assert refused.value.subcodes[-1].endswith("FailedAuthentication")
    caller = authenticate(
        _request(pki, vihf).envelope, pki.authentication.load_certificate(), _policy(pki, kit=True)
    )
    assert caller.actor.structure_id == "10B0001001"  # kit mode only logs the mismatch
