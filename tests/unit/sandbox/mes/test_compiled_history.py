"""« Mes vaccinations » and the CS24 agree; the growth curves of the page.

Gabriel (demo ``gabriel``, 24 months) has in his DMP the CS24 of the examples — its
Vaccinations section lists the schedule's doses antigen by antigen — and a vaccination
note recording, by product, the hexavalent injection of his 2nd month that the CS24
also lists as four antigens. The page compiles both, each vaccination once with its
source document. Lola's curves come from her « Mesures de l'enfant ».
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from esante.cda import Immunization, VacNoteContent, build_vac_note, read_document
from esante.cda.build.ages import add_period
from esante.cda.examples import example_document
from esante.cda.examples.people import professional
from esante.cda.examples.vaccination import schedule
from esante.demo import demo_dataset
from esante.growth import PERCENTILES
from esante.sandbox.dmp import (
    DmpAdmin,
    DmpService,
    PatientIns,
    make_engine,
    session_factory,
    upgrade,
)
from esante.sandbox.mes import create_mes_app, read_vaccinations, vaccination_history
from esante.sandbox.mes.vaccinations import VaccinationRecord, antigens_of
from tests.unit.sandbox.mes.conftest import PageClient, actor, new_document, submit
from tests.unit.sandbox.mes.pages import rows, section, text

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SVG = "http://www.w3.org/2000/svg"


@dataclass
class World:
    sessions: sessionmaker[Session]
    gabriel: PatientIns
    lola: PatientIns
    cs24_id: str
    cs24_title: str
    note_id: str
    note_title: str
    cs24_entries: tuple[Immunization, ...]
    note_entry: Immunization


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("mes-compiled") / "dmp.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    data = demo_dataset()
    pediatrician = actor(data.practitioner("pediatre"), data)
    people = {k: data.patient(k) for k in ("gabriel", "lola")}
    ins = {k: PatientIns(p.nir, p.ins_oid) for k, p in people.items()}
    cs24 = example_document("cs24", patient="gabriel")
    hexa = schedule().products["infanrix-hexa"]
    two_months = add_period(people["gabriel"].birth_date, "P2M")
    note_entry = Immunization(
        hexa.code,
        two_months,
        lot=hexa.lot,
        dose_rank=1,
        performer=professional(data, "pediatre"),
    )
    header = replace(
        read_document(example_document("vac-note").xml).header(),
        patient=read_document(cs24.xml).header().patient,
    )
    note = build_vac_note(header, VacNoteContent((note_entry,)))
    mde = example_document("mde", patient="lola")
    with sessions() as session:
        admin = DmpAdmin(session)
        service = DmpService(session)
        for key, person in people.items():
            admin.create_dmp(
                ins[key],
                family_name=person.birth_family_name.upper(),
                given_name=person.first_given_name,
                birth_date=person.birth_date,
                sex=person.sex[:1],
            )
            admin.set_authorization(ins[key], pediatrician.id_nat_ps)
        for built in (cs24, note):
            submit(
                service,
                pediatrician,
                ins["gabriel"],
                new_document(built, pediatrician, created=START, class_code="52"),
            )
        submit(service, pediatrician, ins["lola"], new_document(mde, pediatrician, created=START))
        session.commit()
    yield World(
        sessions,
        ins["gabriel"],
        ins["lola"],
        cs24.document_id.root,
        cs24.title,
        note.document_id.root,
        note.title,
        read_vaccinations(cs24.xml),
        note_entry,
    )
    engine.dispose()


@pytest.fixture(scope="module")
def client(world: World) -> PageClient:
    return PageClient(create_mes_app(world.sessions, clock=lambda: START + timedelta(days=1)))


def _vaccination_rows(markup: str) -> list[str]:
    return [r for r in rows(section(markup, "vaccinations")) if not r.startswith("Date ")]


def test_the_cs24_entries_are_read_antigen_by_antigen() -> None:
    cs24 = example_document("cs24", patient="gabriel")
    entries = read_vaccinations(cs24.xml)
    assert entries  # the example lists the infant schedule
    assert all(e.vaccine.code in schedule().antigens for e in entries)
    assert read_vaccinations(example_document("vsm").xml) == ()  # no vaccination there


def test_a_hexavalent_product_holds_the_four_antigens_of_the_certificates() -> None:
    hexa = schedule().products["infanrix-hexa"].atc.code
    dose = next(d for d in schedule().doses if d.product and d.product.atc.code == hexa)
    assert antigens_of(hexa) == {a.code for a in dose.antigens}
    assert antigens_of("J07AL02") == {"J07AL"}  # a pneumococcal conjugate: its class
    assert antigens_of("J07XX99") == {"J07XX99"}


def test_the_history_shows_each_vaccination_once_with_its_source(world: World) -> None:
    cs24 = [VaccinationRecord(i, world.cs24_id, world.cs24_title) for i in world.cs24_entries]
    note = VaccinationRecord(world.note_entry, world.note_id, world.note_title)
    history = vaccination_history([*cs24, note, *cs24])  # the CS24 read twice changes nothing
    shown = [r for g in history for r in g.records]
    given = [i for i in world.cs24_entries if i.given]
    covered = [
        i
        for i in given
        if i.date == world.note_entry.date and i.vaccine.code in antigens_of("J07CA09")
    ]
    assert len(covered) == 4
    assert len(shown) == len({(i.vaccine.code, i.date) for i in given}) - len(covered) + 1
    [from_note] = [r for r in shown if r.document_unique_id == world.note_id]
    assert from_note.immunization == world.note_entry
    assert from_note.also_in == ((world.cs24_id, world.cs24_title),)
    assert all(r.document_unique_id == world.cs24_id for r in shown if r is not from_note)


def test_mes_vaccinations_agrees_with_the_cs24(world: World, client: PageClient) -> None:
    page = client.get(f"/patients/{world.gabriel.value}").text
    lines = _vaccination_rows(page)
    given = [i for i in world.cs24_entries if i.given]
    assert len(lines) == len({(i.vaccine.code, i.date) for i in given}) - 4 + 1
    assert "Aucune vaccination enregistrée" not in text(section(page, "vaccinations"))
    hexa = [line for line in lines if "INFANRIX hexa" in line]
    assert len(hexa) == 1
    assert world.note_title in hexa[0]
    assert f"Aussi dans : {world.cs24_title}" in hexa[0]
    assert sum(world.cs24_title in line for line in lines) == len(lines)
    # the source is a link to the document
    assert f"/documents/{world.note_id}" in section(page, "vaccinations")


def test_the_child_curves_are_on_the_page_with_a_text_alternative(
    world: World, client: PageClient
) -> None:
    page = client.get(f"/patients/{world.lola.value}").text
    curves = section(page, "courbes")
    images = etree.HTML(curves).findall(".//img")
    assert [i.get("src") for i in images] == [
        f"/patients/{world.lola.value}/courbes/{slug}.svg"
        for slug in ("poids", "taille", "perimetre-cranien", "imc")
    ]
    for image in images:
        alt = image.get("alt") or ""
        assert alt.startswith("Courbe ")
        assert "OMS" in alt
        assert "percentile" in alt
    assert section(client.get(f"/patients/{world.gabriel.value}").text, "courbes") == ""


def test_a_curve_is_served_as_svg_with_the_bands_and_the_point(
    world: World, client: PageClient
) -> None:
    answer = client.get(f"/patients/{world.lola.value}/courbes/poids.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.headers["cache-control"] == "no-store"
    root = etree.fromstring(answer.content)
    assert root.get("role") == "img"
    assert (root.findtext(f"{{{SVG}}}title") or "").startswith("Poids selon l'âge — fille")
    assert "kg" in (root.findtext(f"{{{SVG}}}desc") or "")
    texts = ["".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text")]
    assert {"Âge (mois)", "Poids (kg)"} <= set(texts)
    ns = {"s": SVG}
    for gid in ("band-P3-P97", "band-P15-P85", *(f"curve-{p}" for p in PERCENTILES)):
        assert root.xpath("//s:g[@id=$g]//s:path", namespaces=ns, g=gid), gid
    assert len(root.xpath("//s:g[@id='child-points']//s:use", namespaces=ns)) == 1


@pytest.mark.parametrize(
    "url",
    ["courbes/inconnue.svg", "courbes/poids.svg"],
    ids=["unknown-curve", "no-measure"],
)
def test_a_curve_that_cannot_be_drawn_is_a_french_404(
    world: World, client: PageClient, url: str
) -> None:
    answer = client.get(f"/patients/{world.gabriel.value}/{url}")
    assert answer.status_code == 404
    assert "courbe" in answer.text
