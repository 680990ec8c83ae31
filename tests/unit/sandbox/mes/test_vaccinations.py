"""Reading vaccination notes (VAC-NOTE 2023.01) and compiling the vaccination history."""

from __future__ import annotations

from datetime import date

import pytest

from esante.cda import (
    CdaReadError,
    Code,
    Immunization,
    VacNoteContent,
    build_vac_note,
    read_document,
)
from esante.cda import vocabulary as v
from esante.cda.build.ages import add_period
from esante.cda.examples import example_document
from esante.cda.examples.vaccination import due_doses, injection_site
from esante.demo import demo_dataset
from esante.sandbox.mes import VaccinationRecord, read_vac_note, vaccination_history

TETANUS_ATC = Code("J07AM", v.ATC, "vaccins tétaniques", "ATC")


def test_the_example_note_reads_back_what_was_built() -> None:
    built = example_document("vac-note")  # Lola, 13 months: her 12-month vaccines
    (item,) = read_vac_note(built.xml)
    lola = demo_dataset().patient("lola")
    dose = next(d for d in due_doses(lola.birth_date, item.date) if d.product)
    assert dose.product is not None
    assert item.vaccine.code == dose.product.cis
    assert item.vaccine.code_system == v.CIS
    assert item.vaccine.display == dose.product.label
    assert {t.code for t in item.vaccine.translations} == {dose.product.atc.code} | (
        {dose.product.cip.code} if dose.product.cip else set()
    )
    assert item.lot == dose.product.lot
    assert item.expiry == add_period(item.date, "P14M")
    assert item.dose_rank == dose.rank
    assert item.route is not None
    assert item.route.display == "Voie intramusculaire"
    assert item.site == injection_site(lola.birth_date, item.date)
    assert item.performer is not None
    assert item.performer.name.display == "Dr François PERRIN"
    assert item.performer.id.extension == "810003986931"
    assert item.given


def test_a_vaccine_known_by_its_atc_class_alone_and_a_refusal() -> None:
    template = example_document("vac-note")
    performer = read_vac_note(template.xml)[0].performer
    note = build_vac_note(
        read_document(template.xml).header(),
        VacNoteContent(
            (
                Immunization(
                    Code("68747507", v.CIS, "Tétanos", "CIS", (TETANUS_ATC,)),
                    date(2020, 5, 4),
                    performer=performer,
                ),
                Immunization(
                    Code("68747507", v.CIS, "Tétanos", "CIS", (TETANUS_ATC,)),
                    date(2021, 5, 4),
                    performer=performer,
                    given=False,
                ),
            )
        ),
    )
    first, refused = read_vac_note(read_document(note.xml))
    assert first.date == date(2020, 5, 4)
    assert first.dose_rank is None
    assert first.lot is None
    assert not refused.given


def test_a_document_that_is_not_a_vaccination_note_is_refused() -> None:
    with pytest.raises(CdaReadError) as caught:
        read_vac_note(example_document("vsm").xml)
    assert caught.value.message == "Ce document n'est pas une note de vaccination."
    with pytest.raises(CdaReadError):
        read_vac_note(b"<not-cda/>")


def _record(
    vaccine: Code, day: date, *, lot: str | None = None, given: bool = True
) -> VaccinationRecord:
    return VaccinationRecord(Immunization(vaccine, day, lot=lot, given=given), "2.25.1", "Note")


def test_the_history_groups_by_vaccine_and_orders_by_date() -> None:
    tetanus = Code("68747507", v.CIS, "Tétanos Pasteur", "CIS", (TETANUS_ATC,))
    other_tetanus = Code("60000001", v.CIS, "Autre vaccin tétanique", "CIS", (TETANUS_ATC,))
    bcg = Code("J07AN", v.ATC, "vaccins de la tuberculose", "ATC")
    history = vaccination_history(
        [
            _record(tetanus, date(2020, 1, 1), lot="B"),
            _record(bcg, date(1990, 1, 1)),
            _record(other_tetanus, date(2010, 1, 1)),
            _record(tetanus, date(2020, 1, 1), lot="B"),  # the same injection in two notes
            _record(tetanus, date(2022, 1, 1), given=False),
        ]
    )
    assert [(g.code, g.label) for g in history] == [  # by label
        ("J07AN", "vaccins de la tuberculose"),
        ("J07AM", "vaccins tétaniques"),
    ]
    assert [r.immunization.date for r in history[1].records] == [date(2010, 1, 1), date(2020, 1, 1)]
    assert history[1].records[0].cis == "60000001"
    assert history[0].records[0].cis is None
    assert history[0].records[0].atc == bcg


def test_a_vaccine_without_atc_is_grouped_by_product() -> None:
    product = Code("61111111", v.CIS, "Vaccin sans ATC", "CIS")
    (group,) = vaccination_history([_record(product, date(2024, 1, 1))])
    assert (group.code, group.label) == ("61111111", "Vaccin sans ATC")
