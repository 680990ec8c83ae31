"""The DMP answer codes: the enums and the data file agree, every text is French."""

from __future__ import annotations

import pytest

from esante.sandbox.dmp import (
    AuthorizationContext,
    AuthorizationStatus,
    DmpErrorCode,
    error_message,
    error_provenance,
)
from esante.sandbox.dmp.codes import catalogue_data


def test_every_error_code_is_in_the_data_file_and_back() -> None:
    in_file = {e["code"] for e in catalogue_data()["errors"]}
    assert in_file == {c.value for c in DmpErrorCode}


@pytest.mark.parametrize("code", list(DmpErrorCode))
def test_each_error_has_a_french_text_and_a_provenance(code: DmpErrorCode) -> None:
    text = error_message(code)
    assert text[0].isupper()
    assert text.endswith(".")
    assert error_provenance(code) in {"kit", "ihe", "esante"}
    assert code.is_xds == code.value.startswith("XDS")


def test_codes_seen_in_the_kit_keep_their_official_spelling() -> None:
    kit = {e["code"] for e in catalogue_data()["errors"] if e["provenance"] == "kit"}
    assert kit == {"XDSUnknownPatientId", "XDSPatientIdDoesNotMatch", "XDSDocumentUniqueIdError"}
    assert AuthorizationStatus.VALID.value == "VALIDE"
    assert AuthorizationStatus.FORBIDDEN.value == "INTERDITE"


def test_statuses_and_contexts_match_the_data_file() -> None:
    data = catalogue_data()
    assert {s["code"] for s in data["authorization_statuses"]} == {
        s.value for s in AuthorizationStatus
    }
    assert {c["code"] for c in data["authorization_contexts"]} == {
        c.value for c in AuthorizationContext
    }
    assert AuthorizationStatus.EXPIRED.label == "Autorisation d'accès expirée"
    # the kit's TD0.3 answer, word for word
    assert (
        AuthorizationContext.ALREADY_PRESENT.text
        == "Autorisation déjà présente aucune action effectuée"
    )
