"""`esante cda example TYPE --patient KEY` for every TYPE and every demo person, at several
dates: the type is written when the person's age calls for it (data: age windows,
vaccination schedule) and plausible for that age, refused with a French message otherwise.

Conformance to the ANS kit of the same documents: tests/integration/cda_validate.
"""

from __future__ import annotations

from datetime import date

import pytest

from esante.cda.build.document import BuiltDocument
from esante.cda.examples import EXAMPLE_TYPES
from tests.unit.cda.example_matrix import (
    DATES,
    build,
    cases,
    check_plausible,
    check_refusal,
    expected_refusal,
)


@pytest.mark.parametrize("day", DATES, ids=str)
def test_every_type_for_every_person_is_plausible_or_refused(day: date) -> None:
    written = refused = 0
    for case in cases(day):
        document = check_refusal(case, build(case))
        if document is None:
            refused += 1
            continue
        written += 1
        check_plausible(case, document)
    # the cast has people of every age: each type is written for somebody...
    assert written
    assert refused


@pytest.mark.parametrize("day", DATES, ids=str)
def test_each_type_applies_to_somebody_and_adults_get_no_child_certificate(day: date) -> None:
    by_kind: dict[str, list[str]] = {}
    for case in cases(day):
        if expected_refusal(case) is None:
            by_kind.setdefault(case.kind, []).append(case.person.key)
    assert set(by_kind) == {"n1", "vsm", "vac-note", "cs8", "cs9", "cs24", "mde",
                            "cr-examen-enfant"}  # fmt: skip
    for kind in ("cs8", "cs9", "cs24", "mde", "cr-examen-enfant"):
        assert "claire" not in by_kind[kind]
        assert "anne-sophie" not in by_kind[kind]


def test_the_default_patient_of_each_type_gets_it() -> None:
    day = date(2028, 2, 29)
    default = {t.name: t.patient for t in EXAMPLE_TYPES}
    for case in cases(day):
        if case.person.key == default[case.kind]:
            assert isinstance(build(case), BuiltDocument), case.id
