"""check_access: representative profiles, the footnote conditions, the patient's state."""

from __future__ import annotations

import pytest

from esante.sandbox.dmp import (
    Action,
    ActorKind,
    AuthorizationStatus,
    Condition,
    DmpErrorCode,
    DmpRefusal,
    DocumentFacts,
    PatientFacts,
    check_access,
    resolve_profile,
)
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from esante.xds.vocabulary import AvailabilityStatus
from tests.unit.sandbox.dmp.factories import (
    DR_A,
    DR_B,
    ESTABLISHMENT,
    NURSE,
    OCCUPATIONAL,
    SECRETARY,
    STRUCTURE_A,
    STRUCTURE_B,
    physician,
)

NORMAL = AccessMode.NORMAL
BDG = AccessMode.BRIS_DE_GLACE
C15 = AccessMode.CENTRE_15
AUTHORIZED = PatientFacts(authorization=AuthorizationStatus.VALID)
BY_DR_A = DocumentFacts(
    author_ids=frozenset({DR_A.id_nat_ps}), structure_ids=frozenset({STRUCTURE_A})
)
BY_DR_B = DocumentFacts(
    author_ids=frozenset({DR_B.id_nat_ps}), structure_ids=frozenset({STRUCTURE_B})
)
MASKED_BY_DR_A = DocumentFacts(
    author_ids=frozenset({DR_A.id_nat_ps}), structure_ids=frozenset({STRUCTURE_A}), masked=True
)
AIR_PHYSICIAN = physician("810000000055", mode=AuthenticationMode.INDIRECTE_RENFORCEE)


def kind(actor: object, mode: AccessMode = NORMAL, patient: PatientFacts | None = None) -> object:
    profile = resolve_profile(actor, mode, patient)  # type: ignore[arg-type]
    return profile.kind if profile else None


def test_profiles_follow_profession_specialty_card_authentication_and_mode() -> None:
    assert kind(DR_A) is ActorKind.PHYSICIAN
    assert kind(NURSE, BDG) is ActorKind.NON_PHYSICIAN
    assert kind(OCCUPATIONAL, BDG) is ActorKind.OCCUPATIONAL_PHYSICIAN
    assert kind(SECRETARY) is ActorKind.NON_PROFESSIONAL
    assert kind(ESTABLISHMENT) is ActorKind.ESTABLISHMENT
    assert kind(AIR_PHYSICIAN) is ActorKind.PHYSICIAN
    treating = PatientFacts(treating_physician=DR_A.id_nat_ps)
    assert kind(DR_A, NORMAL, treating) is ActorKind.TREATING_PHYSICIAN
    assert kind(DR_A, BDG, treating) is ActorKind.TREATING_PHYSICIAN
    # the MT columns have no centre 15 mode: the physician column applies
    assert kind(DR_A, C15, treating) is ActorKind.PHYSICIAN
    assert kind(DR_B, NORMAL, treating) is ActorKind.PHYSICIAN


def test_no_column_means_refused() -> None:
    decision = check_access(ESTABLISHMENT, Action.TEST_EXISTENCE, BDG)
    assert not decision.allowed
    assert decision.profile is None
    assert decision.code is DmpErrorCode.ACCESS_NOT_ALLOWED
    assert not check_access(SECRETARY, Action.TEST_EXISTENCE, C15).allowed


@pytest.mark.parametrize(
    ("actor", "action", "mode", "allowed"),
    [
        (DR_A, Action.SUBMIT, NORMAL, True),
        (DR_A, Action.SUBMIT, BDG, True),
        (DR_A, Action.SEARCH_METADATA, C15, True),
        (DR_A, Action.AUTHORIZE_SELF, BDG, False),
        (NURSE, Action.AUTHORIZE_SELF, NORMAL, True),
        (NURSE, Action.SEARCH_PATIENT_WITHOUT_INS, C15, True),
        (NURSE, Action.LIST_AUTHORIZATIONS, C15, False),
        (OCCUPATIONAL, Action.SUBMIT, NORMAL, True),
        (OCCUPATIONAL, Action.SEARCH_METADATA, NORMAL, True),
        (OCCUPATIONAL, Action.RETRIEVE, NORMAL, False),
        (OCCUPATIONAL, Action.RETRIEVE, BDG, False),
        (SECRETARY, Action.SUBMIT, NORMAL, False),
        (SECRETARY, Action.SUBMIT_BY_MEDICAL_SECRETARY, NORMAL, True),
        (SECRETARY, Action.SEARCH_METADATA, NORMAL, False),
        (SECRETARY, Action.SEARCH_REFERENCE, NORMAL, True),
        (ESTABLISHMENT, Action.SUBMIT, NORMAL, True),
        (ESTABLISHMENT, Action.SUBMIT, C15, True),
        (ESTABLISHMENT, Action.SEARCH_METADATA, NORMAL, False),
        (ESTABLISHMENT, Action.RETRIEVE, NORMAL, False),
        (AIR_PHYSICIAN, Action.SUBMIT, NORMAL, False),
        (AIR_PHYSICIAN, Action.RETRIEVE, NORMAL, True),
        (AIR_PHYSICIAN, Action.SEARCH_METADATA, BDG, True),
    ],
)
def test_matrix_cells_for_representative_profiles(
    actor: object, action: Action, mode: AccessMode, allowed: bool
) -> None:
    decision = check_access(actor, action, mode)  # type: ignore[arg-type]
    assert decision.allowed is allowed
    if not allowed:
        assert decision.code is DmpErrorCode.ACCESS_NOT_ALLOWED
        assert "non autorisée" in decision.reasons[0]


def test_conditions_come_back_unchecked_without_a_document() -> None:
    delete = check_access(DR_B, Action.DELETE, NORMAL)
    assert delete.allowed
    assert delete.conditions == (Condition.OWN_DOCUMENTS,)
    cpe = check_access(SECRETARY, Action.SUBMIT_BY_MEDICAL_SECRETARY, NORMAL)
    assert cpe.conditions == (Condition.STRUCTURE_IMPUTABILITY,)
    reference = check_access(ESTABLISHMENT, Action.SEARCH_REFERENCE, C15)
    assert reference.conditions == (Condition.REFERENCE_ONLY,)
    staff = check_access(SECRETARY, Action.AUTHORIZE_SELF, NORMAL)
    assert staff.conditions == (Condition.STRUCTURE_AUTHORIZATION,)


def test_masked_document_normal_mode_author_only_but_treating_physician_sees_it() -> None:
    by_author = check_access(DR_A, Action.RETRIEVE, NORMAL, MASKED_BY_DR_A, patient=AUTHORIZED)
    assert by_author.allowed
    other = check_access(DR_B, Action.RETRIEVE, NORMAL, MASKED_BY_DR_A, patient=AUTHORIZED)
    assert not other.allowed
    assert other.code is DmpErrorCode.DOCUMENT_MASKED
    treating = PatientFacts(
        treating_physician=DR_B.id_nat_ps, authorization=AuthorizationStatus.VALID
    )
    assert check_access(DR_B, Action.RETRIEVE, NORMAL, MASKED_BY_DR_A, patient=treating).allowed
    assert not check_access(
        NURSE, Action.RETRIEVE, NORMAL, MASKED_BY_DR_A, patient=AUTHORIZED
    ).allowed


def test_masked_document_in_emergency_needs_the_patients_consent() -> None:
    no_consent = PatientFacts()
    consent = PatientFacts(masked_access_in_emergency=True)
    for mode in (BDG, C15):
        refused = check_access(DR_B, Action.RETRIEVE, mode, MASKED_BY_DR_A, patient=no_consent)
        assert refused.code is DmpErrorCode.DOCUMENT_MASKED
        assert check_access(DR_B, Action.RETRIEVE, mode, MASKED_BY_DR_A, patient=consent).allowed


def test_emergency_modes_need_no_authorization_but_respect_oppositions() -> None:
    nothing = PatientFacts()
    assert not check_access(DR_B, Action.RETRIEVE, NORMAL, BY_DR_A, patient=nothing).allowed
    assert check_access(DR_B, Action.RETRIEVE, BDG, BY_DR_A, patient=nothing).allowed
    opposed = PatientFacts(opposes_bris_de_glace=True, opposes_centre_15=True)
    bdg = check_access(DR_B, Action.SEARCH_METADATA, BDG, patient=opposed)
    assert bdg.code is DmpErrorCode.OPPOSITION_BRIS_DE_GLACE
    c15 = check_access(DR_B, Action.SEARCH_METADATA, C15, patient=opposed)
    assert c15.code is DmpErrorCode.OPPOSITION_CENTRE_15
    # an opposition concerns access, not feeding
    assert check_access(DR_B, Action.SUBMIT, BDG, patient=opposed).allowed


def test_authorization_missing_or_expired_in_normal_mode() -> None:
    missing = check_access(DR_B, Action.SEARCH_METADATA, NORMAL, patient=PatientFacts())
    assert missing.code is DmpErrorCode.AUTHORIZATION_MISSING
    expired = PatientFacts(authorization=AuthorizationStatus.EXPIRED)
    decision = check_access(DR_B, Action.RETRIEVE, NORMAL, BY_DR_A, patient=expired)
    assert decision.code is DmpErrorCode.AUTHORIZATION_EXPIRED
    # feeding and the author's own document changes need no authorization
    assert check_access(DR_B, Action.SUBMIT, NORMAL, patient=PatientFacts()).allowed
    assert check_access(DR_B, Action.DELETE, NORMAL, BY_DR_B, patient=PatientFacts()).allowed


def test_a_blocked_professional_cannot_read_even_in_bris_de_glace() -> None:
    blocked = PatientFacts(authorization=AuthorizationStatus.FORBIDDEN)
    for action, mode in (
        (Action.SEARCH_METADATA, NORMAL),
        (Action.SEARCH_METADATA, BDG),
        (Action.RETRIEVE, C15),
        (Action.AUTHORIZE_SELF, NORMAL),
    ):
        decision = check_access(DR_B, action, mode, BY_DR_A, patient=blocked)
        assert decision.code is DmpErrorCode.PROFESSIONAL_BLOCKED, action
    assert check_access(DR_B, Action.SUBMIT, NORMAL, patient=blocked).allowed
    assert check_access(DR_B, Action.DELETE, NORMAL, BY_DR_B, patient=blocked).allowed


def test_td33_own_documents_and_the_exceptions_of_the_matrix() -> None:
    # unmask / delete / archive: own documents only (footnote 8)
    for action in (Action.UNMASK, Action.DELETE, Action.ARCHIVE):
        refused = check_access(DR_B, action, NORMAL, BY_DR_A, patient=AUTHORIZED)
        assert refused.code is DmpErrorCode.NOT_DOCUMENT_AUTHOR, action
        assert check_access(DR_A, action, NORMAL, BY_DR_A, patient=AUTHORIZED).allowed
    # masking protects: any authorized professional may mask
    assert check_access(NURSE, Action.MASK, NORMAL, BY_DR_A, patient=AUTHORIZED).allowed
    # the médecin traitant DMP may unmask and archive any document (no footnote)
    treating = PatientFacts(
        treating_physician=DR_B.id_nat_ps, authorization=AuthorizationStatus.VALID
    )
    assert check_access(DR_B, Action.UNMASK, NORMAL, BY_DR_A, patient=treating).allowed
    assert check_access(DR_B, Action.ARCHIVE, NORMAL, BY_DR_A, patient=treating).allowed
    assert not check_access(DR_B, Action.DELETE, NORMAL, BY_DR_A, patient=treating).allowed
    # a physician in bris de glace may archive any document (526 has no footnote there)
    assert check_access(DR_B, Action.ARCHIVE, BDG, BY_DR_A, patient=PatientFacts()).allowed
    # but may not mask
    assert not check_access(DR_B, Action.MASK, BDG, BY_DR_A, patient=PatientFacts()).allowed


def test_structure_documents_for_cpe_and_indirect_authentication() -> None:
    assert check_access(SECRETARY, Action.DELETE, NORMAL, BY_DR_A, patient=PatientFacts()).allowed
    refused = check_access(SECRETARY, Action.DELETE, NORMAL, BY_DR_B, patient=PatientFacts())
    assert refused.code is DmpErrorCode.NOT_STRUCTURE_DOCUMENT
    assert check_access(ESTABLISHMENT, Action.DELETE, C15, BY_DR_A, patient=PatientFacts()).allowed


def test_documents_of_the_patient_are_reserved_to_the_treating_physician() -> None:
    deposited = DocumentFacts(patient_document=True)
    treating = PatientFacts(
        treating_physician=DR_A.id_nat_ps, authorization=AuthorizationStatus.VALID
    )
    for action in (Action.ARCHIVE, Action.UNARCHIVE, Action.DELETE):
        assert check_access(DR_A, action, NORMAL, deposited, patient=treating).allowed, action
        refused = check_access(DR_B, action, NORMAL, deposited, patient=AUTHORIZED)
        assert refused.code is DmpErrorCode.PATIENT_DOCUMENT_RESERVED, action
    # reading a patient document follows the usual rows
    assert check_access(DR_B, Action.RETRIEVE, NORMAL, deposited, patient=AUTHORIZED).allowed


def test_consultation_rows_by_document_category() -> None:
    archived = DocumentFacts(status=AvailabilityStatus.ARCHIVED)
    deleted = DocumentFacts(status=AvailabilityStatus.DELETED, invisible_to_patient=True)
    decision = check_access(DR_B, Action.RETRIEVE, NORMAL, deleted, patient=AUTHORIZED)
    assert decision.allowed
    assert decision.rows == ("TD3.2:non_masques", "TD3.2:non_visibles_patient", "TD3.2:supprimes")
    assert check_access(NURSE, Action.RETRIEVE, BDG, archived, patient=PatientFacts()).allowed
    assert not check_access(OCCUPATIONAL, Action.RETRIEVE, NORMAL, archived).allowed


def test_only_the_treating_physician_may_step_down() -> None:
    treating = PatientFacts(treating_physician=DR_A.id_nat_ps)
    step_down = Action.REMOVE_SELF_AS_TREATING_PHYSICIAN
    assert check_access(DR_A, step_down, NORMAL, patient=treating).allowed
    refused = check_access(DR_B, step_down, NORMAL, patient=treating)
    assert refused.code is DmpErrorCode.NOT_TREATING_PHYSICIAN
    assert check_access(NURSE, step_down, NORMAL).code is DmpErrorCode.ACCESS_NOT_ALLOWED


def test_a_refused_decision_becomes_a_refusal_with_code_and_french_text() -> None:
    decision = check_access(DR_B, Action.RETRIEVE, NORMAL, MASKED_BY_DR_A, patient=AUTHORIZED)
    with pytest.raises(DmpRefusal) as caught:
        decision.raise_if_refused()
    assert caught.value.code is DmpErrorCode.DOCUMENT_MASKED
    assert caught.value.message.startswith("Ce document est masqué")
    assert "DIRECTE/medecin/normal" in (caught.value.detail or "")
    check_access(DR_A, Action.SUBMIT).raise_if_refused()  # allowed: nothing raised


def test_the_occupational_physician_gains_nothing_from_an_emergency_mode() -> None:
    own = DocumentFacts(author_ids=frozenset({OCCUPATIONAL.id_nat_ps}))
    for mode in (NORMAL, BDG):
        refused = check_access(OCCUPATIONAL, Action.SEARCH_METADATA, mode, patient=PatientFacts())
        assert refused.code is DmpErrorCode.AUTHORIZATION_MISSING
        assert check_access(OCCUPATIONAL, Action.DELETE, mode, own, patient=PatientFacts()).allowed
