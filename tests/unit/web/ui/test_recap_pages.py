"""The printed consultation recap (issue 14, "Print"): a PDF/A with the patient's
identity, today's documents and where they went, the INS and its DataMatrix only for a
qualified identity, the child's next exams — in process, on SQLite and PostgreSQL, read
back with pdftotext (poppler-utils)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from esante.store import Patient, make_engine, session_factory
from esante.store.vaccination_models import Vaccination
from tests.unit.web.test_documents_api import Demo, open_demo

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return " ".join(done.stdout.decode("utf-8").split())


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def _patient(demo: Demo, key: str) -> Patient:
    engine = make_engine(demo.db_url)
    try:
        with session_factory(engine)() as session:
            patient = session.get(Patient, demo.patients[key])
            assert patient is not None
            session.expunge(patient)
            return patient
    finally:
        engine.dispose()


def _vaccinate(demo: Demo, patient_id: int, day: date, name: str) -> None:
    """A vaccine given here on ``day``, as the vaccination record keeps it."""
    engine = make_engine(demo.db_url)
    try:
        with session_factory(engine)() as session:
            session.add(
                Vaccination(
                    patient_id=patient_id,
                    administered_on=day,
                    vaccine_name=name,
                    valences="D T Ca P Hib HepB",
                    lot="A12B3",
                    dose_rank=1,
                    route_label="voie intramusculaire",
                    site_label="cuisse gauche",
                    performer_name="Dr François PERRIN",
                    source="local",
                )
            )
            session.commit()
    finally:
        engine.dispose()


def test_the_recap_lists_todays_documents_and_where_they_go(demo: Demo) -> None:
    validated = demo.validate("lola")
    assert validated.status_code == 201, validated.text
    title = validated.json()["document"]["title"]
    lola = _patient(demo, "lola")
    assert lola.identity_status == "QUAL"
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    _vaccinate(demo, lola.id, today, "INFANRIX HEXA")
    _vaccinate(demo, lola.id, today - timedelta(days=60), "PREVENAR 20")  # not today

    answer = demo.client.get(f"/patients/{lola.id}/recapitulatif.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    pdf = answer.content
    xmp = next(s for s in _streams(pdf) if b"pdfaid" in s)
    assert b'pdfaid:part="2"' in xmp  # PDF/A-2b, as the N1 bodies
    assert b'pdfaid:conformance="B"' in xmp

    text = _text(pdf)
    assert "Récapitulatif de consultation du" in text
    assert lola.birth_family_name in text
    assert title in text  # today's document
    assert "DMP (Mon espace santé) — programmé" in text  # where it goes, in which state
    spaced = f"{lola.ins_matricule[0]} {lola.ins_matricule[1:3]} {lola.ins_matricule[3:5]}"
    assert spaced in text  # the INS, printed as the ANS formats it
    assert "DataMatrix INS" in text
    assert "INFANRIX HEXA" in text  # the vaccine given today, from the vaccination record
    assert "A12B3" in text
    assert "PREVENAR 20" not in text
    assert "Prochains examens de santé de l'enfant" in text  # a child: the calendar


def test_no_ins_is_printed_for_an_identity_not_qualified(demo: Demo) -> None:
    noah = _patient(demo, "noah")
    assert noah.identity_status != "QUAL"
    answer = demo.client.get(f"/patients/{noah.id}/recapitulatif.pdf")
    assert answer.status_code == 200, answer.text
    text = _text(answer.content)
    assert noah.birth_family_name in text
    assert "Aucun document produit aujourd'hui." in text
    assert "Aucune vaccination aujourd'hui." in text
    assert "non communiquée (identité non qualifiée)" in text
    assert "DataMatrix INS" not in text
    assert noah.ins_matricule is None or noah.ins_matricule not in text.replace(" ", "")


def test_an_adult_has_no_child_exams_and_an_unknown_patient_a_french_page(demo: Demo) -> None:
    robert = _patient(demo, "robert")
    text = _text(demo.client.get(f"/patients/{robert.id}/recapitulatif.pdf").content)
    assert robert.birth_family_name in text
    assert "examens de santé de l'enfant" not in text
    missing = demo.client.get("/patients/999999/recapitulatif.pdf")
    assert missing.status_code == 404
    assert "Récapitulatif impossible" in missing.text
    assert "Patient introuvable" in missing.text
