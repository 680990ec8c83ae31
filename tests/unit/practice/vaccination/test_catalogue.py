"""esante's vaccine file and the schedule file: sources cited, every schedule series has
a vaccine that covers it, codes well-formed and marked unverified (issue 15)."""

from __future__ import annotations

import json
from importlib import resources

from esante.cda import vocabulary as v
from esante.practice.vaccination.catalogue import (
    VaccineCatalogue,
    match_packaged,
    packaged,
    valences_of_atc,
)
from esante.practice.vaccination.schedule import calendar_2025


def _raw(name: str) -> dict[str, object]:
    text = resources.files("esante.practice.vaccination").joinpath(f"data/{name}").read_text()
    data: dict[str, object] = json.loads(text)
    return data


def test_files_cite_their_sources() -> None:
    vaccines = _raw("vaccines.json")
    assert "BDPM" in str(vaccines["source"])
    assert "ANSM" in str(vaccines["source"])
    assert "unverified" in str(vaccines["verification"])
    assert "Calendrier des vaccinations et recommandations vaccinales 2025" in str(
        _raw("calendrier_2025.json")["source"]
    )


def test_codes_are_well_formed_and_marked_unverified() -> None:
    data = packaged()
    for vaccine in data.vaccines:
        assert vaccine.atc is not None, vaccine.key
        assert vaccine.atc.startswith("J07"), vaccine.key
        assert vaccine.valences, vaccine.key
        assert vaccine.cis is None or (len(vaccine.cis) == 8 and vaccine.cis.isdigit())
        assert not vaccine.verified
        assert set(valences_of_atc(vaccine.atc)) == vaccine.antigens, vaccine.key
    for presentation in data.presentations:
        code = presentation.cip13
        assert len(code) == 13
        assert code.startswith("3400")
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(code[:12]))
        assert (10 - total % 10) % 10 == int(code[12])
        assert not presentation.verified
        assert presentation.cip_code().code_system == v.CIP


def test_every_series_of_the_schedule_has_a_vaccine() -> None:
    catalogue = VaccineCatalogue()
    for series in calendar_2025().series:
        assert catalogue.covering(series.product_antigens), series.key
    hexavalent = catalogue.covering(("D", "T", "Ca", "P", "Hib", "HepB"))
    assert {x.key for x in hexavalent} >= {"infanrix-hexa", "vaxelis", "hexyon"}


def test_bdpm_names_match_the_longest_entry() -> None:
    prevenar20 = match_packaged("PREVENAR 20, suspension injectable en seringue préremplie")
    assert prevenar20 is not None
    assert prevenar20.key == "prevenar20"
    assert match_packaged("DOLIPRANE 1000 mg, comprimé") is None


def test_manual_choice_lists_vaccines_with_a_cis_first() -> None:
    choices = VaccineCatalogue().vaccines()
    with_cis = [x.cis is not None for x in choices]
    assert with_cis == sorted(with_cis, reverse=True)
    assert len({x.key for x in choices}) == len(choices)
