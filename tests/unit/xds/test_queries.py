"""ITI-18 stored-query parameters: the value syntax and typed queries both ways."""

from __future__ import annotations

import pytest

from esante.xds import (
    AvailabilityStatus,
    Code,
    FindDocuments,
    FindSubmissionSets,
    GetDocuments,
    XdsFormatError,
)
from esante.xds.queries import AdhocQuery, QueryParameter, from_adhoc, to_adhoc
from esante.xds.query_syntax import format_code, parse_code, parse_values
from tests.unit.xds import samples


def test_value_syntax() -> None:
    assert parse_values("'one'") == ["one"]
    assert parse_values("('a', 'b')") == ["a", "b"]
    assert parse_values("('it''s')") == ["it's"]
    assert parse_values("20240105") == ["20240105"]
    assert parse_values("()") == []
    for broken in ("('a'", "'a", "('a' 'b')"):
        with pytest.raises(XdsFormatError):
            parse_values(broken)


def test_code_syntax() -> None:
    code = Code("11", "1.2.250.1.213.1.1.4.1")
    assert format_code(code) == "11^^1.2.250.1.213.1.1.4.1"
    assert parse_code("11^^1.2.250.1.213.1.1.4.1") == code
    assert parse_code("11") == Code("11", "")


def test_find_documents_wire_form() -> None:
    query = FindDocuments(
        patient_id=samples.PATIENT,
        class_codes=(Code("11", "1.2.250.1.213.1.1.4.1"),),
        creation_time_from="20240101",
        confidentiality_codes=(
            (Code("N", "2.16.840.1.113883.5.25"),),
            (Code("MASQUE_PS", "1.2.250.1.213.1.1.4.13"),),
        ),
    )
    adhoc = to_adhoc(query)
    assert adhoc.query_id == "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
    assert [(p.name, p.values) for p in adhoc.parameters] == [
        ("$XDSDocumentEntryPatientId", ("'277076322082910^^^&1.2.250.1.213.1.4.8&ISO^NH'",)),
        ("$XDSDocumentEntryStatus", ("('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')",)),
        ("$XDSDocumentEntryClassCode", ("('11^^1.2.250.1.213.1.1.4.1')",)),
        ("$XDSDocumentEntryCreationTimeFrom", ("20240101",)),
        ("$XDSDocumentEntryConfidentialityCode", ("('N^^2.16.840.1.113883.5.25')",)),
        ("$XDSDocumentEntryConfidentialityCode", ("('MASQUE_PS^^1.2.250.1.213.1.1.4.13')",)),
    ]
    assert from_adhoc(adhoc) == query


def test_values_split_over_several_value_elements() -> None:
    def find(*status_values: str) -> AdhocQuery:
        return AdhocQuery(
            "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d",
            (
                QueryParameter("$XDSDocumentEntryPatientId", ("'1^^^&1.2.3&ISO'",)),
                QueryParameter("$XDSDocumentEntryStatus", status_values),
            ),
        )

    query = from_adhoc(
        find(
            "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')",
            "('urn:asip:ci-sis:2010:StatusType:Archived')",
        )
    )
    assert isinstance(query, FindDocuments)
    assert query.statuses == (AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED)
    with pytest.raises(XdsFormatError):
        from_adhoc(find("('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',"))


def test_other_queries_round_trip() -> None:
    for query in (
        FindSubmissionSets(
            patient_id=samples.PATIENT,
            submission_time_from="20240101",
            submission_time_to="20240201",
            content_type_codes=(Code("04", "1.2.250.1.213.2.2"),),
        ),
        GetDocuments(entry_uuids=("urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e",)),
    ):
        assert from_adhoc(to_adhoc(query)) == query


def test_unknown_or_incomplete_queries() -> None:
    with pytest.raises(XdsFormatError, match="inconnue"):
        from_adhoc(AdhocQuery("urn:uuid:00000000-0000-0000-0000-000000000000"))
    with pytest.raises(XdsFormatError, match="patient"):
        from_adhoc(AdhocQuery("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"))
