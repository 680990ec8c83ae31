"""A periodic re-verification INSi confirmed: same status, the new reference recorded."""

from __future__ import annotations

import pytest

from esante.identity import IdentityStatus, IdentityStatusError, reconfirmation


@pytest.mark.parametrize("status", [IdentityStatus.RECUP, IdentityStatus.QUAL])
def test_an_identity_holding_an_ins_keeps_its_status(status: IdentityStatus) -> None:
    change = reconfirmation(status, " INSi:abc ")
    assert (change.from_status, change.to_status) == (status, status)
    assert not change.changed
    assert change.insi_reference == "INSi:abc"
    assert change.validation_mode is None  # the document check is not redone
    assert "INSi" in change.reason


@pytest.mark.parametrize("status", [IdentityStatus.PROV, IdentityStatus.VALI])
def test_without_insi_evidence_there_is_nothing_to_reconfirm(status: IdentityStatus) -> None:
    with pytest.raises(IdentityStatusError) as refused:
        reconfirmation(status, "INSi:abc")
    assert refused.value.field == "status"


def test_a_blank_reference_is_refused() -> None:
    with pytest.raises(IdentityStatusError) as refused:
        reconfirmation(IdentityStatus.QUAL, "  ")
    assert refused.value.field == "insi_reference"
