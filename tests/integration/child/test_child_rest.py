"""The child record's REST routes on the app in process, SQLite and PostgreSQL.

The clock is pinned (the calendar and the forms speak of "today"); the child and the GP
are the unit tests' small practice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from lxml import etree

from esante.config import Settings
from esante.store import make_engine, session_factory
from tests.unit.practice.child.conftest import NOW, TODAY, Family, make_family
from tests.unit.web.conftest import AppClient, open_client

SVG = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture
def world(
    db_url: str, tmp_path: Path, schedule_vaccinations: None
) -> Iterator[tuple[AppClient, Family]]:
    with time_machine.travel(NOW, tick=False):
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            family = make_family(session)
        client = open_client(Settings(home=tmp_path, database_url=db_url), actor=family.doctor)
        yield client, family
        client.close()
        engine.dispose()


def _base(family: Family) -> str:
    return f"/api/patients/{family.patient_id}/child"


def test_the_12_month_like_walk_over_rest(world: tuple[AppClient, Family]) -> None:
    client, family = world
    base = _base(family)

    calendar = client.get(f"{base}/exams")
    assert calendar.status_code == 200, calendar.text
    body = calendar.json()
    assert body["today"] == TODAY.isoformat()
    assert len(body["exams"]) == 20
    states = {e["exam_id"]: e["state"] for e in body["exams"]}
    assert states["m9"] == "due"
    assert states["m6"] == "overdue"
    assert states["m12"] == "upcoming"

    measured = client.post(
        f"{base}/measurements",
        json={
            "measured_on": TODAY.isoformat(),
            "weight_g": 8600,
            "height_cm": "70.5",
            "head_circumference_cm": "43.5",
        },
    )
    assert measured.status_code == 201, measured.text
    measures = measured.json()
    assert measures["bmi"] == "17.3"
    assert set(measures["z_scores"]) == {"weight", "height", "head", "bmi"}

    form = client.get(f"{base}/exams/m9")
    assert form.status_code == 200, form.text
    prefilled = form.json()
    assert prefilled["certificate"]["certificate"] == "CS9"
    assert prefilled["measures"]["weight_g"] == 8600
    assert prefilled["parents"][0]["relationship"] == "Mère"
    assert prefilled["vaccinations"]

    recorded = client.request(
        "PUT",
        f"{base}/exams/m9",
        json={
            "examined_on": TODAY.isoformat(),
            "answers": {"Accidents domestiques": "Aucun accident", "Babillage": "Oui"},
            "extra_fields": [["Sommeil", "Nuits complètes"]],
            "conclusion": "Examen normal.",
            "measurement_id": measures["id"],
        },
    )
    assert recorded.status_code == 200, recorded.text
    prompt = recorded.json()["certificate"]
    assert prompt["certificate"] == "CS9"
    assert prompt["sent_to_pmi"] is True

    preview = client.get(f"{base}/exams/m9/report.pdf")  # before validation: a preview
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF-")

    report = client.post(f"{base}/exams/m9/report")
    assert report.status_code == 201, report.text
    assert [o["kind"] for o in report.json()["orders"]] == ["dmp_submit"]
    assert report.headers["Location"].startswith("/api/documents/")

    printed = client.get(f"{base}/exams/m9/report.pdf")  # the validated report, for the parents
    assert printed.content.startswith(b"%PDF-")

    certificate = client.get(f"{base}/certificates/CS9")
    assert certificate.status_code == 200, certificate.text
    answers = certificate.json()["answers"]
    assert answers["domestic_accident"] is False
    answers |= {
        "mother_birth_date": "1994-05-02",
        "mother_activity": "PAT-044",
        "childcare": True,
        "childcare_mode": "PAT-051",
        "neurodevelopment_orientation": False,
    }
    validated = client.post(f"{base}/certificates/CS9", json=answers)
    assert validated.status_code == 201, validated.text
    assert sorted(o["kind"] for o in validated.json()["orders"]) == ["dmp_submit", "mss_send"]

    mde = client.post(f"{base}/measurements/{measures['id']}/document")
    assert mde.status_code == 201, mde.text

    chart = client.get(f"{base}/growth/weight.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    root = etree.fromstring(chart.content)
    assert root.xpath("//s:g[@id='band-P3-P97']", namespaces=SVG)
    assert len(root.xpath("//s:g[@id='child-points']//s:use", namespaces=SVG)) == 1
    assert "Âge (mois)" in ["".join(t.itertext()) for t in root.iter("{*}text")]


def test_errors_are_french_and_name_the_field(world: tuple[AppClient, Family]) -> None:
    client, family = world
    base = _base(family)
    bad = client.post(f"{base}/measurements", json={"measured_on": TODAY.isoformat()})
    assert bad.status_code == 422
    assert bad.json()["field"] == "weight_g"
    assert "mesure" in bad.json()["message"]
    unknown = client.get(f"{base}/exams/m7")
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "exam"
    chart = client.get(f"{base}/growth/shoe.svg")
    assert chart.status_code == 422
    assert chart.json()["field"] == "indicator"
    no_exam = client.get(f"{base}/certificates/CS9")
    assert no_exam.status_code == 404
    assert no_exam.json()["field"] == "exam"
    outside = client.request(
        "PUT", f"{base}/exams/m12", json={"examined_on": TODAY.isoformat(), "answers": {}}
    )
    assert outside.status_code == 422
    assert outside.json()["field"] == "examined_on"
    missing = client.get("/api/patients/999/child/exams")
    assert missing.status_code == 404


def test_deleting_measures_typed_in_error(world: tuple[AppClient, Family]) -> None:
    client, family = world
    base = _base(family)
    created = client.post(
        f"{base}/measurements", json={"measured_on": TODAY.isoformat(), "weight_g": 86000}
    )
    assert created.status_code == 201
    removed = client.delete(f"{base}/measurements/{created.json()['id']}")
    assert removed.status_code == 204
    assert client.get(f"{base}/measurements").json() == []


def test_the_8_day_exam_prompts_the_cs8_validated_for_the_dmp_only(
    db_url: str, tmp_path: Path, schedule_vaccinations: None
) -> None:
    born = TODAY - timedelta(days=5)
    with time_machine.travel(NOW, tick=False):
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            family = make_family(session, birth_date=born, sex="M")
        client = open_client(Settings(home=tmp_path, database_url=db_url), actor=family.doctor)
        try:
            base = _base(family)
            measured = client.post(
                f"{base}/measurements",
                json={"measured_on": born.isoformat(), "weight_g": 3350, "height_cm": "50.5"},
            )
            assert measured.status_code == 201, measured.text
            recorded = client.request(
                "PUT",
                f"{base}/exams/j8",
                json={
                    "examined_on": TODAY.isoformat(),
                    "answers": {
                        "Alimentation (allaitement maternel, préparation)": "Allaitement "
                        "maternel exclusif",
                        "Dépistage de la surdité permanente néonatale": "Oui, normal",
                    },
                },
            )
            assert recorded.status_code == 200, recorded.text
            assert recorded.json()["certificate"]["certificate"] == "CS8"
            assert recorded.json()["certificate"]["sent_to_pmi"] is False
            form = client.get(f"{base}/certificates/CS8")
            assert form.status_code == 200, form.text
            answers = form.json()["answers"]
            assert answers["feeding"] == "MED-1256"
            assert answers["hearing_result"] == "MED-178"
            answers |= {
                "mother_birth_date": "1995-01-01",
                "mother_activity": "PAT-044",
                "alcohol_glasses_per_week": 0,
                "tobacco_cigarettes_per_day": 0,
                "other_addiction": False,
                "children_at_home_before": 0,
                "tuberculosis_risk": False,
                "gravidity": 1,
                "parity": 1,
                "first_consultation": "57630001",
                "preeclampsia": False,
                "gestational_diabetes": False,
                "trisomy_screening": True,
                "ultrasound_count": 3,
                "morphology_ultrasound": True,
                "early_prenatal_interview": True,
                "hbs": "406118005",
                "fetuses": 1,
                "gestational_age_weeks": 39,
                "labour_start": "84457005",
                "analgesia": "18946005",
                "delivery": "700000006",
            }
            validated = client.post(f"{base}/certificates/CS8", json=answers)
            assert validated.status_code == 201, validated.text
            assert [o["kind"] for o in validated.json()["orders"]] == ["dmp_submit"]
        finally:
            client.close()
            engine.dispose()
