"""Reading the child's measurements (CSE-MDE 2023.01) into a growth table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from esante.cda import CdaReadError, Code, Measurement, Quantity
from esante.cda import vocabulary as v
from esante.cda.build.ages import completed_months
from esante.cda.examples import example_document
from esante.cda.examples.clinical_data import child_measurements
from esante.demo import demo_dataset
from esante.sandbox.mes import growth_table, read_child_measurements


def test_the_example_mde_reads_back_its_four_measurements() -> None:
    found = {m.code.code: m.value for m in read_child_measurements(example_document("mde").xml)}
    assert set(found) == {"29463-7", "8302-2", "8287-5", "39156-5"}
    assert found["29463-7"].unit == "g"
    lola = demo_dataset().patient("lola")
    day = date.today()
    months = completed_months(lola.birth_date, day)
    assert found == {m.code.code: m.value for m in child_measurements(day, months)}


def test_another_document_is_refused() -> None:
    with pytest.raises(CdaReadError):
        read_child_measurements(example_document("vac-note").xml)


def test_one_row_per_day_oldest_first() -> None:
    def m(code: str, value: str, unit: str, when: date) -> Measurement:
        return Measurement(Code(code, v.LOINC), Quantity(Decimal(value), unit), when)

    rows = growth_table(
        [
            m("29463-7", "9000", "g", date(2025, 6, 1)),
            m("29463-7", "4000", "g", datetime(2025, 1, 1, 10, 0, tzinfo=UTC)),
            m("8287-5", "40", "cm", date(2025, 1, 1)),
        ]
    )
    assert [r.day for r in rows] == [date(2025, 1, 1), date(2025, 6, 1)]
    assert rows[0].weight == Quantity(Decimal("4000"), "g")
    assert rows[0].head_circumference == Quantity(Decimal("40"), "cm")
    assert rows[1].height is None
