"""Every `esante cda example` TYPE for every demo person it applies to conforms to the kit.

At several dates (a leap day, 31sts, 1 January: the demo ages are relative to the date),
each example TYPE is built for each demo person: a person of the wrong age is refused
with the French message the data calls for; every document written passes the ANS kit
(XSD, minimal structure, content models, its volet schematron) with no error and no
warning, and is plausible for the person's age (:mod:`tests.unit.cda.example_matrix`).
"""

from __future__ import annotations

from datetime import date

import pytest

from esante.cda.validate import Validator
from tests.unit.cda.example_matrix import DATES, build, cases, check_plausible, check_refusal

pytestmark = pytest.mark.kit


@pytest.mark.parametrize("day", DATES, ids=str)
def test_every_example_written_for_a_demo_person_passes_the_kit(
    kit_validator: Validator, day: date
) -> None:
    failures: dict[str, list[str]] = {}
    written = 0
    for case in cases(day):
        document = check_refusal(case, build(case))
        if document is None:
            continue
        written += 1
        check_plausible(case, document)
        report = kit_validator.validate(document.xml, source=f"{case.id}.xml")
        problems = [f"XSD: {e.message}" for e in report.xsd_errors]
        problems += [f.message for f in (*report.errors, *report.warnings)]
        if problems:
            failures[case.id] = problems
    assert failures == {}
    assert written >= len({c.kind for c in cases(day)})
