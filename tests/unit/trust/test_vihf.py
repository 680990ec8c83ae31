"""VIHF: build, sign, verify; every refusal names its cause; the official tokens are read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from esante.transport import (
    SoapRequest,
    build_envelope,
    parse_envelope,
    security_tokens,
    with_security,
)
from esante.trust import (
    AccessMode,
    AuthenticationMode,
    CertificateError,
    Code,
    PatientId,
    Pki,
    SignatureError,
    Vihf,
    VihfError,
    build_vihf,
    issue_vihf,
    parse_vihf,
    sign_vihf,
    verify_vihf,
)
from tests.conftest import shared_path

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NOW = datetime.now(UTC)

MEDECIN = Vihf(
    subject_id="899700000001",
    structure_id="499900000000001",
    activity_sector="SA07",
    role=Code("10", "1.2.250.1.71.1.2.7", "Médecin", "professions"),
    specialty=Code("SM26", "1.2.250.1.71.4.2.5", "Qualifié en médecine générale (SM)"),
    subject_name="DUPONT Jeanne",
    patient=PatientId("279035121518989", "1.2.250.1.213.1.4.10"),
    access_mode=AccessMode.BRIS_DE_GLACE,
    authentication_mode=AuthenticationMode.INDIRECTE_RENFORCEE,
    confidentiality_code=Code("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
    lps_id="1.2.250.1.999.42",
    lps_name="esante",
    lps_version="0.1.0",
    lps_homologation_id="HOMOLOGATION-TEST",
    authn_instant=NOW - timedelta(minutes=10),
)


def _issue(pki: Pki, vihf: Vihf = MEDECIN, **kwargs: object) -> etree._Element:
    return issue_vihf(
        vihf,
        key=pki.signature.load_key(),
        certificate=pki.signature.load_certificate(),
        now=kwargs.pop("now", NOW),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def _verify(data: bytes | etree._Element, pki: Pki, **kwargs: object) -> object:
    return verify_vihf(data, trusted_cas=[pki.ca.load_certificate()], now=NOW, **kwargs)  # type: ignore[arg-type]


def test_issued_vihf_verifies_and_returns_every_attribute(pki: Pki) -> None:
    token = etree.tostring(_issue(pki, assertion_id="_test-1"))
    result = verify_vihf(token, trusted_cas=[pki.ca.load_certificate()], now=NOW)
    assert result.vihf == replace(MEDECIN, authn_instant=result.vihf.authn_instant)
    assert abs(result.vihf.authn_instant - MEDECIN.authn_instant) < timedelta(milliseconds=1)  # type: ignore[operator]
    assert result.assertion_id == "_test-1"
    assert result.issuer == pki.signature.load_certificate().subject.rfc4514_string()
    assert result.not_on_or_after is not None
    assert result.not_on_or_after - result.issue_instant == timedelta(hours=1)
    assert result.certificate == pki.signature.load_certificate()
    assert result.other_attributes == {}


def test_xml_follows_the_official_token_layout(pki: Pki) -> None:
    assertion = _issue(pki)
    children = [etree.QName(c).localname for c in assertion]
    assert children == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
    ]
    names = [
        a.get("Name")
        for a in assertion.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute")
    ]
    assert names == [
        "Identifiant_Structure",
        "Secteur_Activite",
        "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
        "urn:oasis:names:tc:xacml:2.0:subject:role",
        "VIHF_Version",
        "Authentification_mode",
        "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
        "Ressource_URN",
        "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
        "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code",
        "LPS_ID",
        "LPS_Nom",
        "LPS_Version",
        "LPS_ID_HOMOLOGATION_DMP",
    ]
    text = etree.tostring(assertion).decode()
    assert "279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH" in text
    assert "SA07^1.2.250.1.71.4.2.4" in text
    assert 'code="bris_de_glace" codeSystem="1.2.250.1.213.1.1.4.248"' in text
    signature = assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert algorithms == [
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ]


def test_signature_survives_the_trip_in_a_soap_header(pki: Pki) -> None:
    request = with_security(
        SoapRequest(url="https://dmp/x", envelope=build_envelope()), _issue(pki)
    )
    received = parse_envelope(request.envelope.to_bytes(), max_bytes=1 << 20)
    [token] = security_tokens(received)
    assert _verify(token, pki)


def test_tampered_attribute_breaks_the_signature(pki: Pki) -> None:
    token = etree.tostring(_issue(pki)).replace(b"279035121518989", b"279035121518990")
    with pytest.raises(SignatureError) as err:
        _verify(token, pki)
    assert "modifié" in err.value.message


def test_renamed_assertion_no_longer_matches_its_signature(pki: Pki) -> None:
    assertion = _issue(pki)
    assertion.set("ID", "_another")
    with pytest.raises(SignatureError):
        _verify(assertion, pki)


def test_unsigned_vihf_is_refused(pki: Pki) -> None:
    unsigned = build_vihf(MEDECIN, issuer="CN=x", now=NOW)
    with pytest.raises(SignatureError) as err:
        _verify(unsigned, pki)
    assert "pas signé" in err.value.message


def test_expired_vihf_is_refused(pki: Pki) -> None:
    token = _issue(pki, lifetime=timedelta(minutes=30))
    with pytest.raises(VihfError) as err:
        verify_vihf(token, trusted_cas=[pki.ca.load_certificate()], now=NOW + timedelta(hours=1))
    assert "expiré" in err.value.message
    # Within the validity period (and the clock skew) it is accepted.
    assert verify_vihf(
        token, trusted_cas=[pki.ca.load_certificate()], now=NOW + timedelta(minutes=33)
    )


def test_vihf_from_the_future_is_refused(pki: Pki) -> None:
    token = _issue(pki, now=NOW + timedelta(hours=2))
    with pytest.raises(VihfError) as err:
        _verify(token, pki)
    assert "futur" in err.value.message


def test_vihf_without_conditions_is_bounded_by_max_age(pki: Pki) -> None:
    token = _issue(pki, lifetime=None, now=NOW - timedelta(hours=3))
    with pytest.raises(VihfError):
        _verify(token, pki)
    assert _verify(token, pki, max_age=timedelta(hours=4))


def test_signer_from_another_ca_is_refused(pki: Pki, other_pki: Pki) -> None:
    token = _issue(other_pki)
    with pytest.raises(CertificateError) as err:
        _verify(token, pki)
    assert "autorité de confiance" in err.value.message


def test_foreign_mode_checks_the_signature_with_the_embedded_certificate(
    pki: Pki, other_pki: Pki
) -> None:
    token = etree.tostring(_issue(other_pki))
    result = verify_vihf(token, foreign_signature=True, now=NOW)
    assert result.certificate == other_pki.signature.load_certificate()
    with pytest.raises(SignatureError):
        verify_vihf(token.replace(b"DUPONT", b"DURAND"), foreign_signature=True, now=NOW)


def test_expired_signing_certificate_is_refused(expired_pki: Pki) -> None:
    token = _issue(expired_pki)
    with pytest.raises(CertificateError) as err:
        _verify(token, expired_pki)
    assert "expiré" in err.value.message


def test_medecin_and_pharmacien_need_a_specialty() -> None:
    for code, label in (("10", "médecin"), ("21", "pharmacien")):
        vihf = replace(MEDECIN, role=Code(code, "1.2.250.1.71.1.2.7"), specialty=None)
        with pytest.raises(VihfError) as err:
            build_vihf(vihf, issuer="CN=x")
        assert (
            f"spécialité (2e rôle) est obligatoire dans le VIHF d'un {label}" in err.value.message
        )
    nurse = replace(MEDECIN, role=Code("60", "1.2.250.1.71.1.2.7", "Infirmier"), specialty=None)
    assert build_vihf(nurse, issuer="CN=x") is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject_name": None}, "urn:oasis:names:tc:xspa:1.0:subject:subject-id"),
        ({"structure_id": " "}, "Identifiant_Structure"),
        ({"lps_homologation_id": ""}, "LPS_ID_HOMOLOGATION_DMP"),
        (
            {"patient": PatientId("123", "1.2.250.1.71.4.2.1")},
            "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
        ),
        ({"role": Code("", "")}, "urn:oasis:names:tc:xacml:2.0:subject:role"),
    ],
)
def test_incoherent_attributes_are_named(change: dict[str, object], field: str) -> None:
    with pytest.raises(VihfError) as err:
        build_vihf(replace(MEDECIN, **change), issuer="CN=x")  # type: ignore[arg-type]
    assert err.value.field == field


def test_direct_authentication_does_not_need_a_user_name() -> None:
    direct = replace(MEDECIN, authentication_mode=AuthenticationMode.DIRECTE, subject_name=None)
    assert build_vihf(direct, issuer="CN=x") is not None


def test_a_correctly_signed_but_incoherent_vihf_is_refused(pki: Pki) -> None:
    # Remove the specialty after the checks of build_vihf, then sign: the verifier still refuses.
    assertion = build_vihf(MEDECIN, issuer="CN=x", now=NOW)
    role = assertion.find(
        f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute[@Name='urn:oasis:names:tc:xacml:2.0:subject:role']"
    )
    assert role is not None
    role.remove(role[1])
    signed = sign_vihf(
        assertion, key=pki.signature.load_key(), certificate=pki.signature.load_certificate()
    )
    with pytest.raises(VihfError) as err:
        _verify(signed, pki)
    assert "spécialité" in err.value.message


def test_not_an_assertion_is_refused(pki: Pki) -> None:
    with pytest.raises(VihfError):
        _verify(b"<root/>", pki)
    with pytest.raises(VihfError):
        _verify(b"<unclosed", pki)


def _kit_token(name: str) -> bytes:
    data = shared_path("dmp-kit", "messages", "vihf", name).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # The DIRECTE tokens of the kit are Latin-1 without an XML declaration.
        data = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data
    return data


@pytest.mark.parametrize(
    ("name", "mode", "subject_name"),
    [
        ("VIHF_DIRECTE_non_signe.xml", AuthenticationMode.DIRECTE, None),
        ("VIHF_DIRECTE_signe.xml", AuthenticationMode.DIRECTE, None),
        ("VIHF_INDIRECTE_signe.xml", AuthenticationMode.INDIRECTE, "MAX LIBRE"),
        ("VIHF_INDIRECTE_RENFORCEE_signe.xml", AuthenticationMode.INDIRECTE_RENFORCEE, "MAX LIBRE"),
    ],
)
def test_official_tokens_are_read(
    name: str, mode: AuthenticationMode, subject_name: str | None
) -> None:
    token = parse_vihf(_kit_token(name))
    vihf = token.vihf
    assert vihf.authentication_mode is mode
    assert vihf.subject_id == "899900063480"
    assert vihf.subject_name == subject_name
    assert vihf.activity_sector == "SA07"
    assert (vihf.role.code, vihf.role.code_system) == ("10", "1.2.250.1.71.1.2.7")
    assert vihf.specialty is not None
    assert vihf.specialty.code == "SM26"
    assert vihf.patient == PatientId("207058575627097", "1.2.250.1.213.1.4.10")
    assert vihf.access_mode is AccessMode.NORMAL
    assert vihf.resource_urn == "urn:dmp"
    assert vihf.vihf_version == "3.0"
    assert (vihf.lps_name, vihf.lps_version, vihf.lps_id) == ("LPS GIE-SV", "1", "01.01.01.01")
    assert vihf.lps_homologation_id == "NumAutorisation"
    assert token.issue_instant.year in (2019, 2020)


def test_official_tokens_in_foreign_mode() -> None:
    # The kit tokens were edited after signing (their SignatureValue is valid over SignedInfo
    # but the digest of the content no longer matches): foreign mode reports it precisely.
    for name in ("VIHF_INDIRECTE_signe.xml", "VIHF_INDIRECTE_RENFORCEE_signe.xml"):
        with pytest.raises(SignatureError) as err:
            verify_vihf(_kit_token(name), foreign_signature=True, check_times=False)
        assert "Digest mismatch" in (err.value.detail or "")
    # The DIRECTE token's CPS certificate is not valid DER (unordered SET in its subject).
    with pytest.raises(CertificateError) as cert_err:
        verify_vihf(_kit_token("VIHF_DIRECTE_signe.xml"), foreign_signature=True, check_times=False)
    assert "illisible" in cert_err.value.message
    with pytest.raises(SignatureError):
        verify_vihf(
            _kit_token("VIHF_DIRECTE_non_signe.xml"), foreign_signature=True, check_times=False
        )


def test_saml_schema_validation_if_the_kit_ships_one() -> None:
    schemas = [
        p
        for p in shared_path("dmp-kit", "annexe-wsdl-schema").rglob("*.xsd")
        if b"urn:oasis:names:tc:SAML:2.0:assertion" in p.read_bytes()[:4096]
    ]
    if not schemas:
        pytest.skip("the DMP kit has no SAML 2.0 assertion schema (annexe-wsdl-schema)")
    schema = etree.XMLSchema(etree.parse(str(schemas[0])))
    assert schema.validate(build_vihf(MEDECIN, issuer="CN=x"))


def test_sha1_is_refused_outside_foreign_mode(pki: Pki) -> None:
    token = etree.tostring(_issue(pki)).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )
    with pytest.raises(SignatureError) as err:
        _verify(token, pki)
    assert "algorithme refusé" in err.value.message
