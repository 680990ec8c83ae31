"""The console's child health record pages (issue 15): the calendar, the measures and the
curves, the exam form prefilled, the CS9 prompt and the certificate's « Valider » — in
process, on SQLite and PostgreSQL, signed in as the child's GP with a real session.

The clock is pinned (the calendar speaks of "today"); the child is the practice tests'
9-month-old (:mod:`tests.unit.practice.child.conftest`). Expected states, dates, BMI,
percentiles and orders are derived from the library, the exam data and the Ségur
catalogue, not written down here.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from lxml import etree
from sqlalchemy import select

from esante.catalogue import rules_for
from esante.cda.build.child_exam import TYPE_CODE_VALUE, child_exam
from esante.config import Settings
from esante.practice.child import bmi, exam_calendar, percentile, z_score
from esante.practice.child.cs8 import QUESTIONS
from esante.store import Patient, Practitioner, SendOrder, make_engine, session_factory
from tests.unit.practice.child.conftest import (
    NOW,
    TODAY,
    Family,
    make_family,
    schedule_vaccinations,
)
from tests.unit.practice.child.test_cs8 import ANSWERED
from tests.unit.web.conftest import AppClient, open_client

__all__ = ["schedule_vaccinations"]  # the fixture, used by name

SVG = {"s": "http://www.w3.org/2000/svg"}


class World:
    """The app signed in as the child's GP, the database, the family."""

    def __init__(self, client: AppClient, family: Family, db_url: str) -> None:
        self.client = client
        self.family = family
        self.db_url = db_url
        self.base = f"/patients/{family.patient_id}/enfant"


@pytest.fixture
def world(db_url: str, tmp_path: Path, schedule_vaccinations: None) -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            family = make_family(session)
        client = open_client(Settings(home=tmp_path, database_url=db_url), actor=family.doctor)
        yield World(client, family, db_url)
        client.close()
        engine.dispose()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries the session's CSRF token"
    return found.group(1)


def _post(world: World, url: str, data: dict[str, str]) -> object:
    # a form posted without script: the token in the body, not in a header
    return world.client.post(
        url,
        content=urlencode(data),
        headers={"X-CSRF-Token": "", "content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _measure(world: World, **values: str) -> object:
    page = world.client.get(world.base)
    data = {
        "csrf": _csrf(page.text),
        "measured_on": TODAY.isoformat(),
        "weight_g": "8600",
        "height_cm": "70,5",
        "head_circumference_cm": "43,5",
        **values,
    }
    return _post(world, f"{world.base}/mesures", data)


def test_the_calendar_lists_the_20_exams_with_french_states_and_dates(world: World) -> None:
    page = world.client.get(world.base)
    assert page.status_code == 200, page.text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page.text, re.S)
    expected = exam_calendar(world.family.birth_date, TODAY)
    assert len(rows) == len(expected) == 20
    for row, due in zip(rows, expected, strict=True):
        text = _text(re.sub(r"<[^>]+>", " ", row))
        assert f"/enfant/examens/{due.exam.id}" in row
        assert due.exam.title in text
        assert due.state_label in text
        assert due.opens_on.strftime("%d/%m/%Y") in text
        if due.closes_on is not None:
            assert due.closes_on.strftime("%d/%m/%Y") in text
    states = {d.exam.id: d.state for d in expected}
    assert {"due", "overdue", "upcoming"} <= set(states.values())  # the pinned day shows all
    # the curves come from esante's own route, each with a French text alternative
    for slug in ("poids", "taille", "perimetre-cranien", "imc"):
        assert f'src="{world.base}/courbes/{slug}.svg"' in page.text
    assert _text(page.text).count("aucune mesure saisie.") == 4


def test_measures_are_added_with_the_bmi_and_the_curves_show_them(world: World) -> None:
    added = _measure(world)
    assert added.status_code == 303, added.text  # type: ignore[attr-defined]
    page = world.client.get(added.headers["location"])  # type: ignore[attr-defined]
    text = _text(page.text)
    assert "Mesures enregistrées." in text
    assert str(bmi(8600, Decimal("70.5"))).replace(".", ",") in text
    z = z_score("weight", "F", world.family.birth_date, TODAY, Decimal("8.6"))
    assert z is not None
    assert f"{round(percentile(z))}e percentile" in text
    alt = re.search(r'<img src="[^"]+/courbes/poids\.svg" alt="([^"]+)"', page.text)
    assert alt is not None
    assert f"dernière mesure le {TODAY:%d/%m/%Y}" in html.unescape(alt.group(1))
    assert f"{z:+.2f}".replace(".", ",") in html.unescape(alt.group(1))

    chart = world.client.get(f"{world.base}/courbes/poids.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    root = etree.fromstring(chart.content)
    assert root.xpath("//s:g[@id='band-P3-P97']", namespaces=SVG)
    assert len(root.xpath("//s:g[@id='child-points']//s:use", namespaces=SVG)) == 1
    assert world.client.get(f"{world.base}/courbes/inconnue.svg").status_code == 404


def test_a_refused_measure_names_the_field_and_keeps_what_was_typed(world: World) -> None:
    refused = _measure(world, weight_g="8,6 kg", height_cm="71,5")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    body = refused.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in body
    assert re.search(r'id="err-weight_g">Poids invalide', body)
    assert 'value="71,5"' in body  # nothing typed is lost
    too_light = _measure(world, weight_g="12")  # the library's bound, its message
    assert too_light.status_code == 422  # type: ignore[attr-defined]
    assert 'id="err-weight_g"' in too_light.text  # type: ignore[attr-defined]


def _orders(world: World, document_id: int) -> list[tuple[str, str | None]]:
    engine = make_engine(world.db_url)
    with session_factory(engine)() as session:
        found = sorted(
            (o.kind, o.recipient)
            for o in session.scalars(select(SendOrder).where(SendOrder.document_id == document_id))
        )
    engine.dispose()
    return [(k, r) for k, r in found]


def _expected(world: World, type_code: str, model: str | None) -> list[tuple[str, str | None]]:
    """(kind, recipient) the catalogue implies for the GP's document for this child."""
    engine = make_engine(world.db_url)
    with session_factory(engine)() as session:
        author = session.get(Practitioner, world.family.practitioner_id)
        child = session.get(Patient, world.family.patient_id)
        assert author is not None
        assert child is not None
        rule = rules_for(author.profession_code, type_code, model=model)
        expected: list[tuple[str, str | None]] = []
        if rule.feed_dmp:
            expected.append(("dmp_submit", None))
        mt = child.medecin_traitant
        if rule.mss_to_treating_doctor_or_referrer and mt is not None and mt.id != author.id:
            expected.append(("mss_send", mt.mssante_address))
        expected.extend(("mss_send", fixed) for fixed in rule.mss_fixed_recipients)
    engine.dispose()
    return sorted(expected, key=lambda e: (e[0], e[1] or ""))


def test_the_9_month_exam_prompts_the_cs9_prefilled_and_valider_queues_its_sends(
    world: World,
) -> None:
    assert _measure(world).status_code == 303  # type: ignore[attr-defined]
    exam = child_exam("m9")
    url = f"{world.base}/examens/m9"
    form = world.client.get(url)
    assert form.status_code == 200, form.text
    text = _text(form.text)
    assert exam.title in text
    assert "Juliette Martin" in text  # the parents, from the record
    assert f'value="{TODAY.isoformat()}"' in form.text  # the exam day
    for index, theme in enumerate(exam.themes):  # the official exam's questions, labelled
        assert f'<label for="f-q{index}">{html.escape(theme)}</label>' in form.text
    assert "<legend>Points de l'examen officiel</legend>" in text
    assert "<legend>Champs complémentaires</legend>" in text
    assert "est à établir" not in text  # no prompt before the exam is recorded
    assert "(CS9) est à établir" not in text

    answers = {f"q{i}": "" for i in range(len(exam.themes))}
    answers[f"q{exam.themes.index('Accidents domestiques')}"] = "Aucun accident"
    answers[f"q{exam.themes.index('Babillage')}"] = "Oui, babille"
    saved = _post(
        world,
        url,
        {
            "csrf": _csrf(form.text),
            "examined_on": TODAY.isoformat(),
            "measurement_id": re.search(r'<option value="(\d+)" selected', form.text).group(1),  # type: ignore[union-attr]
            **answers,
            "extra_label0": "Sommeil",
            "extra_value0": "Nuits complètes",
            "conclusion": "Examen normal.",
        },
    )
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    recorded = world.client.get(saved.headers["location"])  # type: ignore[attr-defined]
    text = _text(recorded.text)
    assert "Examen enregistré." in text
    assert "Un certificat de santé (CS9) est à établir" in text
    assert f'href="{world.base}/certificats/cs9"' in recorded.text
    assert 'value="Nuits complètes"' in html.unescape(recorded.text)  # the extra field kept

    certificate = world.client.get(f"{world.base}/certificats/cs9")
    assert certificate.status_code == 200, certificate.text
    page = _text(certificate.text)
    rule = rules_for("10", "CERT_DECL", model="CSE-CS9")
    for address in rule.mss_fixed_recipients:  # said before « Valider »
        assert address in page
    assert "DMP" in page
    # prefilled from the exam: "Aucun accident" → domestic accident: no
    assert re.search(r'name="domestic_accident" value="non" checked', certificate.text)
    assert "8600 g" in page

    refused = _post(world, f"{world.base}/certificats/cs9", {"csrf": _csrf(certificate.text)})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Répondez à la question" in html.unescape(refused.text)  # type: ignore[attr-defined]

    valid = _post(
        world,
        f"{world.base}/certificats/cs9",
        {
            "csrf": _csrf(certificate.text),
            "mother_birth_date": "02/05/1994",
            "mother_activity": "PAT-044",
            "childcare": "oui",
            "childcare_mode": "PAT-051",
            "domestic_accident": "non",
            "neurodevelopment_orientation": "non",
            "vitamin_d": "oui",
        },
    )
    assert valid.status_code == 303, valid.text  # type: ignore[attr-defined]
    location = valid.headers["location"]  # type: ignore[attr-defined]
    found = re.fullmatch(r"/documents/(\d+)\?valide=1", location)
    assert found
    made = _orders(world, int(found.group(1)))
    assert made == _expected(world, "CERT_DECL", "CSE-CS9")
    assert ("mss_send", rule.mss_fixed_recipients[0]) in made  # the PMI, no further click
    again = world.client.get(f"{world.base}/certificats/cs9")
    assert "Ce certificat est validé" in html.unescape(again.text)

    # the exam's CR d'examen (N1): preview for the parents, then « Valider »
    preview = world.client.get(f"{url}/compte-rendu.pdf")
    assert preview.status_code == 200
    assert preview.content.startswith(b"%PDF-")
    report = _post(world, f"{url}/compte-rendu", {"csrf": _csrf(recorded.text)})
    assert report.status_code == 303, report.text  # type: ignore[attr-defined]
    report_id = re.fullmatch(r"/documents/(\d+)\?valide=1", report.headers["location"])  # type: ignore[attr-defined]
    assert report_id
    assert _orders(world, int(report_id.group(1))) == _expected(world, TYPE_CODE_VALUE, None)
    done = world.client.get(url)
    assert f'href="/documents/{report_id.group(1)}"' in done.text
    assert "Enregistrer l'examen" not in done.text  # a validated report freezes the exam
    calendar = _text(re.sub(r"<[^>]+>", "", world.client.get(world.base).text))
    assert f"fait le {TODAY:%d/%m/%Y}" in calendar


def test_an_exam_out_of_its_window_is_refused_naming_the_date(world: World) -> None:
    url = f"{world.base}/examens/m12"
    form = world.client.get(url)
    refused = _post(
        world,
        url,
        {"csrf": _csrf(form.text), "examined_on": TODAY.isoformat(), "conclusion": "À revoir"},
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert re.search(r'id="err-examined_on">', refused.text)  # type: ignore[attr-defined]
    assert "À revoir" in html.unescape(refused.text)  # type: ignore[attr-defined]
    no_certificate = world.client.get(f"{world.base}/certificats/cs24")
    assert no_certificate.status_code == 404  # its exam is not recorded
    assert "pas encore saisi" in html.unescape(no_certificate.text)
    for unknown in ("examens/x99", "certificats/cs12"):  # the library's refusal, in French
        answer = world.client.get(f"{world.base}/{unknown}")
        assert answer.status_code == 422
        assert 'role="alert"' in answer.text


def test_the_record_links_the_child_health_record_for_minors_only(world: World) -> None:
    record = world.client.get(f"/patients/{world.family.patient_id}")
    assert record.status_code == 200
    assert f'href="{world.base}">Carnet de santé de l\'enfant</a>' in html.unescape(record.text)
    form = world.client.get("/patients/nouveau")
    adult = _post(
        world,
        "/patients/nouveau",
        {
            "csrf": _csrf(form.text),
            "birth_family_name": "MARTIN",
            "birth_given_names": "Juliette",
            "first_given_name": "Juliette",
            "sex": "F",
            "birth_date": "02/05/1994",
        },
    )
    assert adult.status_code == 303, adult.text  # type: ignore[attr-defined]
    page = world.client.get(adult.headers["location"])  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert "Carnet de santé de l" not in page.text


@pytest.fixture
def newborn(db_url: str, tmp_path: Path, schedule_vaccinations: None) -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            family = make_family(session, birth_date=TODAY - timedelta(days=5), sex="M")
        client = open_client(Settings(home=tmp_path, database_url=db_url), actor=family.doctor)
        yield World(client, family, db_url)
        client.close()
        engine.dispose()


def _form_value(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def test_the_8_day_exam_opens_the_cs8_which_feeds_the_dmp_only(newborn: World) -> None:
    world = newborn
    born = world.family.birth_date
    at_birth = _measure(
        world,
        measured_on=f"{born:%d/%m/%Y}",
        weight_g="3350",
        height_cm="50,5",
        head_circumference_cm="34,5",
    )
    assert at_birth.status_code == 303, at_birth.text  # type: ignore[attr-defined]
    exam = child_exam("j8")
    url = f"{world.base}/examens/j8"
    form = world.client.get(url)
    answers = {f"q{i}": "" for i in range(len(exam.themes))}
    feeding = exam.themes.index("Alimentation (allaitement maternel, préparation)")
    hearing = exam.themes.index("Dépistage de la surdité permanente néonatale")
    answers[f"q{feeding}"] = "Allaitement maternel exclusif"
    answers[f"q{hearing}"] = "Oui, normal"
    saved = _post(
        world, url, {"csrf": _csrf(form.text), "examined_on": TODAY.isoformat(), **answers}
    )
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    prompt = _text(world.client.get(saved.headers["location"]).text)  # type: ignore[attr-defined]
    assert "Un certificat de santé (CS8) est à établir" in prompt

    page = world.client.get(f"{world.base}/certificats/cs8")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    for question in QUESTIONS.values():  # every question of the certificate, labelled
        assert question in text
    assert re.search(r'<option value="MED-1256" selected>', page.text)  # prefilled feeding
    assert re.search(r'name="hearing_screening_done" value="oui" checked', page.text)
    rule = rules_for("10", "CERT_DECL", model="CSE-CS8")
    assert ("Alimentation du DMP" in text) is rule.feed_dmp
    assert "PMI" not in text  # no PMI send for the CS8, and the page says none

    filled = {
        name: _form_value(value)
        for name, value in dataclasses.asdict(ANSWERED).items()
        if value is not None
    }
    valid = _post(
        world,
        f"{world.base}/certificats/cs8",
        {
            "csrf": _csrf(page.text),
            **filled,
            "feeding": "MED-1256",
            "hearing_screening_done": "oui",
            "hearing_result": "MED-178",
        },
    )
    assert valid.status_code == 303, valid.text  # type: ignore[attr-defined]
    found = re.fullmatch(r"/documents/(\d+)\?valide=1", valid.headers["location"])  # type: ignore[attr-defined]
    assert found
    assert _orders(world, int(found.group(1))) == _expected(world, "CERT_DECL", "CSE-CS8")
