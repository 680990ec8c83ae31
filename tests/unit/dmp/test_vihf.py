"""Each call's VIHF: the acting professional, the patient, the access mode (and its reason)."""

from __future__ import annotations

import dataclasses

import pytest

from esante.dmp import (
    Access,
    DmpClient,
    DmpRequestError,
    vihf_for,
)
from esante.transport import security_tokens
from esante.trust import AccessMode, AuthenticationMode, Pki, VihfAssertion, verify_vihf
from esante.trust import Code as RoleCode
from esante.xds import Code
from tests.unit.dmp import official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT, LPS


def _sent_vihf(dmp: ScriptedDmp, pki: Pki) -> VihfAssertion:
    (token,) = security_tokens(dmp.last.envelope)
    return verify_vihf(token, trusted_cas=[pki.ca.load_certificate()])


def test_normal_access(client: DmpClient, dmp: ScriptedDmp, pki: Pki) -> None:
    dmp.reply_official(official.TD02)
    client.test_existence(KIT_PATIENT, actor=DOCTOR)
    assertion = _sent_vihf(dmp, pki)
    vihf = assertion.vihf
    assert vihf.access_mode is AccessMode.NORMAL
    assert vihf.authentication_mode is AuthenticationMode.INDIRECTE
    assert (vihf.subject_id, vihf.subject_name) == (DOCTOR.id, "Jeanne DUPONT")
    assert (vihf.structure_id, vihf.activity_sector) == (DOCTOR.structure_id, "SA07")
    assert (vihf.role, vihf.specialty) == (DOCTOR.role, DOCTOR.specialty)
    assert vihf.patient is not None
    assert vihf.patient.to_cx() == KIT_PATIENT.cx()
    assert (vihf.lps_name, vihf.lps_version, vihf.lps_homologation_id) == (
        LPS.name,
        LPS.version,
        LPS.homologation_id,
    )
    assert "Mode_Acces_Raison" not in assertion.other_attributes


def test_break_glass_carries_its_reason_inside_the_signature(
    client: DmpClient, dmp: ScriptedDmp, pki: Pki
) -> None:
    dmp.reply_official(official.TD31)
    access = Access.break_glass("Patient inconscient admis aux urgences")
    client.find_documents(KIT_PATIENT, actor=DOCTOR, access=access)
    assertion = _sent_vihf(dmp, pki)  # verifies: the reason was added before signing
    assert assertion.vihf.access_mode is AccessMode.BRIS_DE_GLACE
    assert assertion.other_attributes["Mode_Acces_Raison"] == (
        "Patient inconscient admis aux urgences",
    )


def test_regulation_centre(client: DmpClient, dmp: ScriptedDmp, pki: Pki) -> None:
    dmp.reply_official(official.TD31)
    client.find_documents(KIT_PATIENT, actor=DOCTOR, access=Access.regulation_centre())
    assert _sent_vihf(dmp, pki).vihf.access_mode is AccessMode.CENTRE_15


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_break_glass_without_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(DmpRequestError) as caught:
        Access(AccessMode.BRIS_DE_GLACE, reason)
    assert caught.value.field == "reason"
    assert "motif" in caught.value.message


def test_incomplete_actor_is_refused_before_sending(client: DmpClient, dmp: ScriptedDmp) -> None:
    nameless = dataclasses.replace(DOCTOR, family_name="", given_name="")
    with pytest.raises(DmpRequestError) as caught:
        client.test_existence(KIT_PATIENT, actor=nameless)
    assert "subject-id" in caught.value.message
    assert dmp.requests == []


def test_vihf_for_directe_authentication() -> None:
    card = dataclasses.replace(DOCTOR, authentication_mode=AuthenticationMode.DIRECTE)
    vihf = vihf_for(card, Access(), LPS, KIT_PATIENT)
    assert vihf.authentication_mode is AuthenticationMode.DIRECTE


def test_author_specialty() -> None:
    assert DOCTOR.author_specialty() == Code(
        "G15_10/SM54", "1.2.250.1.213.1.1.4.5", "Médecin - Médecine Générale (SM)"
    )
    nurse = dataclasses.replace(
        DOCTOR, role=RoleCode("60", "1.2.250.1.71.1.2.7", "Infirmier"), specialty=None
    )
    specialty = nurse.author_specialty()
    assert specialty is not None
    assert specialty.code == "G15_60"
    unknown = dataclasses.replace(
        DOCTOR, specialty=RoleCode("SM99", "1.2.250.1.71.4.2.5", "Inconnue")
    )
    assert unknown.author_specialty() == Code(
        "G15_10/SM99", "1.2.250.1.213.1.1.4.5", "Médecin - Inconnue"
    )
    system = dataclasses.replace(DOCTOR, role=RoleCode("AUTOMATE", "1.2.250.1.213.1.1.4.6"))
    assert system.author_specialty() is None


def test_actor_as_xds_author() -> None:
    author = DOCTOR.xds_author()
    assert author.person is not None
    assert (
        author.person.to_hl7()
        == "899700000001^DUPONT^Jeanne^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
    )
    assert author.institutions[0].to_hl7() == (
        "CABINET DUPONT^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^499900000000001"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"oid": "not-an-oid"}, "oid"), ({"homologation_id": " "}, "homologation_id")],
)
def test_lps_info_is_checked(changes: dict[str, str], field: str) -> None:
    with pytest.raises(DmpRequestError) as caught:
        dataclasses.replace(LPS, **changes)
    assert caught.value.field == field
