"""Identity status machine (RNIV): evidence in, status out; downgrades; sharing the INS."""

from __future__ import annotations

from datetime import date

import pytest

from esante.identity import (
    DocumentTrust,
    Downgrade,
    IdentityDocument,
    IdentityStatus,
    IdentityStatusError,
    IdentityTraits,
    InsError,
    check_ins,
    document_type,
    document_types,
    downgrade,
    next_status,
    shareable_ins,
    transition,
)

PROV, RECUP, VALI, QUAL = (
    IdentityStatus.PROV,
    IdentityStatus.RECUP,
    IdentityStatus.VALI,
    IdentityStatus.QUAL,
)
PASSPORT = IdentityDocument.of("PA")
INSI = "INSi-2024-0001"


def test_labels() -> None:
    assert [s.label for s in IdentityStatus] == [
        "Identité provisoire",
        "Identité récupérée",
        "Identité validée",
        "Identité qualifiée",
    ]


def test_document_registry() -> None:
    high = {d.code for d in document_types() if d.trust is DocumentTrust.HIGH}
    assert high == {"PA", "CN", "CS"}
    assert document_type("le").label == "Livret de famille"
    with pytest.raises(IdentityStatusError, match="inconnu"):
        document_type("XX")


@pytest.mark.parametrize(
    ("current", "insi", "document", "expected"),
    [
        (None, None, None, PROV),
        (None, INSI, None, RECUP),
        (None, None, PASSPORT, VALI),
        (None, INSI, PASSPORT, QUAL),
        (PROV, INSI, None, RECUP),
        (PROV, None, PASSPORT, VALI),
        (RECUP, None, PASSPORT, QUAL),
        (VALI, INSI, None, QUAL),
        (QUAL, INSI, None, QUAL),
    ],
)
def test_evidence_gives_the_status(
    current: IdentityStatus | None,
    insi: str | None,
    document: IdentityDocument | None,
    expected: IdentityStatus,
) -> None:
    change = transition(current, insi_reference=insi, document=document)
    assert change.from_status is current
    assert change.to_status is expected
    assert next_status(current, insi_reference=insi, document=document) is expected


def test_change_record_matches_the_store_columns() -> None:
    change = transition(RECUP, document=IdentityDocument.of("CN"))
    assert change.validation_mode == "CN"
    assert change.insi_reference is None
    assert "Carte nationale d'identité" in change.reason
    assert change.changed
    assert not transition(QUAL, insi_reference=INSI).changed


def test_qual_without_insi_answer_is_refused() -> None:
    with pytest.raises(IdentityStatusError) as info:
        transition(VALI, document=PASSPORT, target=QUAL)
    assert "téléservice INSi" in info.value.message
    assert "Identité qualifiée" in info.value.message


def test_targets_the_evidence_does_not_justify() -> None:
    with pytest.raises(IdentityStatusError, match="pièce d'identité à haut niveau"):
        transition(PROV, insi_reference=INSI, target=VALI)
    with pytest.raises(IdentityStatusError, match="conduisent au statut « Identité qualifiée »"):
        transition(RECUP, document=PASSPORT, target=VALI)
    assert transition(RECUP, document=PASSPORT, target=QUAL).to_status is QUAL


def test_low_trust_documents_never_validate() -> None:
    with pytest.raises(IdentityStatusError, match="haut niveau de confiance"):
        transition(RECUP, document=IdentityDocument.of("PC"))


def test_minor_documents() -> None:
    family_book = IdentityDocument.of("LE")
    with pytest.raises(IdentityStatusError, match="mineur"):
        transition(PROV, document=family_book)
    alone = IdentityDocument.of("LE", holder_is_minor=True)
    with pytest.raises(IdentityStatusError, match="parent"):
        transition(PROV, document=alone)
    weak_guardian = IdentityDocument.of("AN", holder_is_minor=True, guardian_code="PC")
    assert not weak_guardian.is_high_trust
    with_parent = IdentityDocument.of("AN", holder_is_minor=True, guardian_code="PA")
    assert transition(RECUP, document=with_parent).to_status is QUAL
    travel = IdentityDocument.of("DC", holder_is_minor=True)
    assert transition(PROV, document=travel).to_status is VALI
    assert not IdentityDocument.of("DC").is_high_trust


def test_no_evidence_and_blank_reference_are_refused() -> None:
    with pytest.raises(IdentityStatusError, match="Aucun élément nouveau"):
        transition(RECUP)
    with pytest.raises(IdentityStatusError, match="Aucun élément nouveau"):
        transition(QUAL, target=QUAL)
    with pytest.raises(IdentityStatusError, match="vide"):
        transition(PROV, insi_reference="  ")


@pytest.mark.parametrize(
    ("current", "event", "expected"),
    [
        (RECUP, Downgrade.TRAITS_MODIFIED, PROV),
        (QUAL, Downgrade.TRAITS_MODIFIED, VALI),
        (VALI, Downgrade.TRAITS_MODIFIED, VALI),
        (PROV, Downgrade.TRAITS_MODIFIED, PROV),
        (QUAL, Downgrade.INSI_NOT_CONFIRMED, VALI),
        (RECUP, Downgrade.INSI_NOT_CONFIRMED, PROV),
        (QUAL, Downgrade.DOCUMENT_UNRELIABLE, RECUP),
        (VALI, Downgrade.DOCUMENT_UNRELIABLE, PROV),
        (QUAL, Downgrade.DOUBTFUL_IDENTITY, PROV),
    ],
)
def test_downgrades(current: IdentityStatus, event: Downgrade, expected: IdentityStatus) -> None:
    change = downgrade(current, event)
    assert change.to_status is expected
    assert change.reason.startswith(event.label[0].upper())
    if change.changed:
        assert expected.label in change.reason


def test_downgrade_is_not_a_transition() -> None:
    with pytest.raises(IdentityStatusError, match="revenir en arrière"):
        transition(QUAL, insi_reference=INSI, target=RECUP)


TRAITS = IdentityTraits("MARTIN", "CLAIRE", "CLAIRE", "F", date(1955, 8, 3), "14168")


def test_only_a_qualified_ins_is_shared_and_always_with_its_traits() -> None:
    ins = check_ins("255081416802538", "1.2.250.1.213.1.4.8")
    shared = shareable_ins(ins, QUAL, TRAITS)
    assert shared.traits is TRAITS
    assert shared.cx() == ins.cx()
    for status in (PROV, RECUP, VALI):
        with pytest.raises(IdentityStatusError, match="Identité qualifiée"):
            shareable_ins(ins, status, TRAITS)
    with pytest.raises(InsError):
        shareable_ins(check_ins("255081416802538"), QUAL, TRAITS)
