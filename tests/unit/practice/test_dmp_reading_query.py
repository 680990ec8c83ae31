"""The TD3.1 query the DMP list sends for its filters (issue 13 item 3): pre-set filters
resolved against the day and the last visit, codes in their code systems, bad input named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from esante.dmp import Visibility
from esante.practice.dmp_counters import new_since_bound
from esante.practice.dmp_reading import (
    CLASS_SYSTEM,
    DocumentFilters,
    dtm,
    group_documents,
    listed,
    query_of,
)
from esante.practice.errors import PracticeValidationError
from esante.terminology import concept
from esante.xds import Code, DocumentEntry


@pytest.mark.parametrize(
    ("today", "bound"),
    [
        (date(2026, 12, 6), date(2025, 12, 6)),
        (date(2028, 2, 29), date(2027, 2, 28)),  # a leap day has no twin a year before
        (date(2027, 1, 1), date(2026, 1, 1)),
    ],
)
def test_last_twelve_months_starts_a_year_before_today(today: date, bound: date) -> None:
    query = query_of(DocumentFilters(preset="douze_mois"), today=today, visited=None)
    assert query.created_from == bound
    later = query_of(
        DocumentFilters(preset="douze_mois", created_from=date(2026, 6, 1)),
        today=date(2026, 12, 6),
        visited=None,
    )
    assert later.created_from == date(2026, 6, 1)  # the narrower bound wins


def test_new_since_my_visit_is_a_submission_window() -> None:
    visit = datetime(2026, 12, 6, 9, 30, 12, 400000, tzinfo=UTC)
    query = query_of(DocumentFilters(preset="nouveaux"), today=visit.date(), visited=visit)
    assert query.submitted_from == new_since_bound(visit)
    assert query.by_submission_time
    never = query_of(DocumentFilters(preset="nouveaux"), today=visit.date(), visited=None)
    assert never.submitted_from is None  # never visited: everything is new


def test_codes_go_in_their_code_systems_and_flags_in_visibility() -> None:
    query = query_of(
        DocumentFilters(
            type_codes=("SYNTH", " SYNTH "),
            class_codes=("11",),
            masked=True,
            invisible_to_patient=True,
            include_archived=True,
            author="810000000042",
        ),
        today=date(2026, 12, 6),
        visited=None,
    )
    assert query.type_codes == (Code("SYNTH", concept("typeCode", "SYNTH").code_system_oid),)
    assert query.class_codes == (Code("11", CLASS_SYSTEM),)
    assert query.visibility == (
        Visibility.MASKED_TO_PROFESSIONALS,
        Visibility.INVISIBLE_TO_PATIENT,
    )
    assert query.include_archived
    assert query.authors == ("810000000042^%",)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (DocumentFilters(preset="tout"), "preset"),
        (DocumentFilters(author="x^%"), "author"),
        (DocumentFilters(type_codes=tuple(str(n) for n in range(30))), "type"),
    ],
)
def test_bad_filters_name_their_field(filters: DocumentFilters, field: str) -> None:
    with pytest.raises(PracticeValidationError) as refused:
        query_of(filters, today=date(2026, 12, 6), visited=None)
    assert refused.value.field == field


def test_groups_by_class_newest_first() -> None:
    def entry(uid: str, class_code: str, created: str) -> DocumentEntry:
        return DocumentEntry(
            entry_uuid=f"urn:uuid:{uid}",
            unique_id=uid,
            class_code=Code(class_code, CLASS_SYSTEM),
            creation_time=created,
        )

    rows = [
        listed(entry("a", "10", "20250101100000"), new=False, local_id=None),
        listed(entry("b", "11", "20260101100000"), new=True, local_id=None),
        listed(entry("c", "10", "20261101100000"), new=False, local_id=7),
    ]
    groups = group_documents(rows)
    assert [(g.class_code, [d.unique_id for d in g.documents]) for g in groups] == [
        ("10", ["c", "a"]),
        ("11", ["b"]),
    ]
    assert groups[0].label == "Compte rendu"
    assert rows[2].imported
    assert dtm("20261101100000") == datetime(2026, 11, 1, 10, tzinfo=UTC)
