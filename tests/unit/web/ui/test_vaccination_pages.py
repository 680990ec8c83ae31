"""The console's vaccination record (issue 15): the book with the schedule, the scan of the
vaccine box (keyboard-wedge string and photo), the VAC-NOTE prefilled and validated (its
DMP order), the refusals (expired lot, ambiguous reading), the manual choice for an unknown
GTIN, the copy from the paper carnet, the prescription of the next vaccines — in process, on
SQLite and PostgreSQL, signed in as the demo GP with a real session, the clock pinned.

The demo child is Lola (13 months). Expected doses, dates, sites and orders are derived
from the library (the 2025 calendar, the injection sites, the Ségur catalogue), not written
down here; the box is a presentation esante's catalogue knows (its code is marked
unverified: the page says so).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest
import time_machine
import zxingcpp
from lxml import html as lxml_html
from PIL import Image
from sqlalchemy import select

from esante.catalogue import rules_for
from esante.cda.build._xml import PARIS
from esante.cda.examples.vaccination import injection_site
from esante.practice.vaccination import VaccineCatalogue, plan
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.scan import GS
from esante.practice.vaccination.schedule import STATUS_LABELS
from esante.store import Document, Patient, Practitioner, SendOrder, make_engine, session_factory
from esante.store.vaccination_models import Vaccination
from tests.unit.web.test_documents_api import Demo, open_demo

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
TODAY = NOW.astimezone(PARIS).date()
BEXSERO = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
LOT, EXPIRY, SERIAL = "AMBX2417C", date(2028, 5, 31), "SN4471902"
SCANNED = f"]d201{BEXSERO.gtin}17{EXPIRY:%y%m%d}10{LOT}{GS}21{SERIAL}"


def _gtin(first13: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return first13 + str((10 - total % 10) % 10)


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    with time_machine.travel(NOW, tick=False):
        opened = open_demo(db_url, tmp_path)
        yield opened
        opened.client.close()


def _lola(demo: Demo) -> Patient:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        patient = session.get(Patient, demo.patients["lola"])
        assert patient is not None
        session.expunge(patient)
    engine.dispose()
    return patient


def _form(page: str, action: str) -> dict[str, str]:
    """The values a browser would send from the form posting to ``action``."""
    tree = lxml_html.fromstring(page)
    forms = [f for f in tree.forms if (f.get("action") or "").split("#")[0] == action]
    assert forms, f"a form posting to {action}"
    return {k: v for k, v in forms[0].form_values()}


def _post(demo: Demo, url: str, data: dict[str, str]) -> httpx.Response:
    # a form posted without script: the token in the body, no header
    return demo.client.post(url, data=data, headers={"X-CSRF-Token": ""}, follow_redirects=False)


def _orders(demo: Demo, document_id: int) -> list[str]:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        kinds = sorted(
            o.kind
            for o in session.scalars(select(SendOrder).where(SendOrder.document_id == document_id))
        )
    engine.dispose()
    return kinds


def _feeds_dmp(demo: Demo, type_code: str) -> bool:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        gp = session.get(Practitioner, demo.practitioners["generaliste"])
        assert gp is not None
        feed = rules_for(gp.profession_code, type_code).feed_dmp
    engine.dispose()
    return feed


def test_the_record_links_the_book_and_the_book_shows_the_schedule(demo: Demo) -> None:
    lola = _lola(demo)
    record = demo.client.get(f"/patients/{lola.id}")
    assert f'href="/patients/{lola.id}/vaccinations">Vaccinations</a>' in record.text
    page = demo.client.get(f"/patients/{lola.id}/vaccinations")
    assert page.status_code == 200, page.text
    expected = plan(lola.birth_date, TODAY, [])
    assert expected.overdue or expected.due or expected.next_visit
    text = lxml_html.fromstring(page.text).text_content()
    for dose in expected.overdue:
        assert f"{dose.label} — dose {dose.rank}" in text
        assert f"en retard depuis le {dose.window_end:%d/%m/%Y}" in text
    for dose in expected.due:
        assert f"à faire, jusqu'au {dose.window_end:%d/%m/%Y}" in text
    for dose in expected.upcoming:
        assert f"{dose.label} — dose {dose.rank}" in text
        assert f"à partir du {dose.due_on:%d/%m/%Y}" in text
    for state in expected.series:
        assert state.label in text
    assert "Aucune vaccination connue du dossier" in text
    assert "Prescrire les vaccins de la prochaine visite" in text
    assert STATUS_LABELS["non_commence"] in text or STATUS_LABELS["en_retard"] in text


def test_scan_prefills_the_note_and_valider_records_it_and_feeds_the_dmp(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    scan_page = demo.client.get(f"{base}/scan")
    assert scan_page.status_code == 200
    assert '<label for="f-code">Scanner la boîte du vaccin (DataMatrix)</label>' in scan_page.text
    assert "autofocus" in lxml_html.fromstring(scan_page.text).get_element_by_id("f-code").attrib

    form = _form(scan_page.text, f"{base}/scan")
    scanned = _post(demo, f"{base}/scan", {**form, "code": SCANNED})
    assert scanned.status_code == 303
    target = scanned.headers["location"]
    assert parse_qs(urlsplit(target).query)["code"] == [SCANNED]  # GS kept through the URL

    note = demo.client.get(target)
    assert note.status_code == 200, note.text
    values = _form(note.text, f"{base}/note")
    site = injection_site(lola.birth_date, TODAY, 0)
    assert values["vaccine_name"] == BEXSERO.vaccine.name
    assert values["cis"] == BEXSERO.vaccine.cis
    assert (values["lot"], values["expiry"], values["serial"]) == (
        LOT,
        EXPIRY.isoformat(),
        SERIAL,
    )
    assert values["administered_on"] == TODAY.isoformat()
    assert (values["route_code"], values["site_code"]) == ("20035000", site.code)
    menb = next(s for s in plan(lola.birth_date, TODAY, []).series if s.series == "MenB")
    assert values["dose_rank"] == str(menb.next.rank if menb.next else len(menb.given) + 1)
    assert "non vérifié contre la base publique" in note.text  # the catalogue's code is unverified
    assert values["author_id"] == str(demo.practitioners["generaliste"])

    values["comment"] = "Pas de réaction immédiate."
    done = _post(demo, f"{base}/note", values)
    assert done.status_code == 303, done.text
    location = done.headers["location"]
    document_id = int(parse_qs(urlsplit(location).query)["note"][0])
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert document.type_code == "87273-9"
        row = session.scalars(select(Vaccination).where(Vaccination.patient_id == lola.id)).one()
        assert (row.lot, row.source, row.comment) == (LOT, "local", values["comment"])
    engine.dispose()
    assert ("dmp_submit" in _orders(demo, document_id)) == _feeds_dmp(demo, "87273-9")
    assert _feeds_dmp(demo, "87273-9")

    book = demo.client.get(location)
    text = lxml_html.fromstring(book.text).text_content()
    assert "Note de vaccination validée" in text
    assert f"{TODAY:%d/%m/%Y}" in text
    assert BEXSERO.vaccine.name in text
    assert LOT in text
    assert "administré au cabinet par" in text


def test_an_expired_lot_is_refused_in_french_and_the_code_kept(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    expired_on = date(TODAY.year, TODAY.month, 1)
    raw = SCANNED.replace(f"17{EXPIRY:%y%m%d}", f"17{expired_on:%y%m%d}")
    answer = _post(demo, f"{base}/scan", {"csrf": _csrf(demo, base), "code": raw})
    assert answer.status_code == 422
    tree = lxml_html.fromstring(answer.text)
    alert = tree.xpath('//*[@role="alert"]')[0].text_content()
    assert f"Lot {LOT} périmé depuis le {expired_on:%d/%m/%Y}" in alert
    assert "ne doit pas être administré" in alert
    assert tree.get_element_by_id("f-code").get("value") == raw


def test_an_ambiguous_reading_shows_the_readings_never_a_guess(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    raw = f"01{BEXSERO.gtin}17{EXPIRY:%y%m%d}10A21CE371A"  # GS lost: lot A21CE371A, or A + 21…
    answer = _post(demo, f"{base}/scan", {"csrf": _csrf(demo, base), "code": raw})
    assert answer.status_code == 422
    alert = lxml_html.fromstring(answer.text).xpath('//*[@role="alert"]')[0].text_content()
    assert "plusieurs lectures" in alert
    assert "lot A21CE371A" in alert
    assert "numéro de série CE371A" in alert


def _csrf(demo: Demo, base: str) -> str:
    return _form(demo.client.get(f"{base}/scan").text, f"{base}/scan")["csrf"]


def test_an_unknown_gtin_offers_the_catalogue_to_choose_from(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    known = {p.gtin for p in packaged().presentations}
    unknown = next(
        g for g in (_gtin(f"034009{n:07d}") for n in range(1000, 2000)) if g not in known
    )
    raw = f"]d201{unknown}17{EXPIRY:%y%m%d}10{LOT}"
    answer = _post(demo, f"{base}/scan", {"csrf": _csrf(demo, base), "code": raw})
    assert answer.status_code == 200
    page = answer.text
    assert "Boîte non reconnue" in page
    tree = lxml_html.fromstring(page)
    offered = tree.xpath('//input[@type="radio"][@name="cle"]/@value')
    assert offered == [x.key for x in VaccineCatalogue().vaccines()]
    assert not tree.xpath('//input[@type="radio"][@checked]')  # never a guess
    choice = next(x for x in VaccineCatalogue().vaccines() if x.key == "infanrix-hexa")
    form = next(f for f in tree.forms if f.get("action") == f"{base}/note")
    note = demo.client.get(f"{base}/note", params={**dict(form.form_values()), "cle": choice.key})
    assert note.status_code == 200, note.text
    values = _form(note.text, f"{base}/note")
    assert (values["vaccine_name"], values["lot"], values["gtin"]) == (choice.name, LOT, unknown)


def test_a_photo_of_the_box_leads_to_the_note(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    barcode = zxingcpp.create_barcode(
        f"(01){BEXSERO.gtin}(17){EXPIRY:%y%m%d}(10){LOT}",
        zxingcpp.BarcodeFormat.DataMatrix,
        gs1=True,
    )
    out = io.BytesIO()
    Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=5))).save(out, "PNG")
    files = {"photo": ("boite.png", out.getvalue(), "image/png")}
    # htmx sends the multipart form with the X-CSRF-Token header (the client's default)
    answer = demo.client.post(
        f"{base}/scan/photo", files=files, headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert answer.status_code == 200, answer.text
    note = demo.client.get(answer.headers["hx-redirect"])
    assert _form(note.text, f"{base}/note")["lot"] == LOT
    blank = demo.client.post(
        f"{base}/scan/photo",
        files={"photo": ("x.png", b"not an image", "image/png")},
        headers={"HX-Request": "true"},
    )
    assert blank.status_code == 200  # htmx swaps it into the page
    assert 'role="alert"' in blank.text


def test_copy_from_the_paper_carnet_counts_for_the_schedule(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    book = demo.client.get(base).text
    values = _form(book, f"{base}/carnet")
    future = _post(
        demo,
        f"{base}/carnet",
        {**values, "vaccine": "infanrix-hexa", "administered_on": "2099-01-01", "lot": "X1"},
    )
    assert future.status_code == 422
    tree = lxml_html.fromstring(future.text)
    message = tree.get_element_by_id("err-administered_on").text_content()
    assert "Date de vaccination impossible" in message
    assert tree.get_element_by_id("f-lot").get("value") == "X1"  # nothing typed is lost
    given = date(
        lola.birth_date.year + (lola.birth_date.month == 12), (lola.birth_date.month % 12) + 1, 1
    )
    done = _post(
        demo,
        f"{base}/carnet",
        {**values, "vaccine": "infanrix-hexa", "administered_on": f"{given:%d/%m/%Y}"},
    )
    assert done.status_code == 303
    page = demo.client.get(done.headers["location"]).text
    text = lxml_html.fromstring(page).text_content()
    assert "Vaccination recopiée du carnet de santé." in text
    assert f"recopié du carnet de santé le {TODAY:%d/%m/%Y}" in text
    assert given.strftime("%d/%m/%Y") in text


def test_the_prescription_preview_then_valider(demo: Demo) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    preview = demo.client.get(f"{base}/ordonnance")
    assert preview.status_code == 200
    items = [li.text_content() for li in lxml_html.fromstring(preview.text).xpath("//ol/li")]
    assert items
    assert all("Protège contre" in x for x in items)
    done = _post(demo, f"{base}/ordonnance", _form(preview.text, f"{base}/ordonnance"))
    assert done.status_code == 303
    document_id = int(done.headers["location"].split("/")[2].split("?")[0])
    assert ("dmp_submit" in _orders(demo, document_id)) == _feeds_dmp(demo, "57833-6")


def test_a_note_without_a_box_asks_for_one_and_an_unknown_patient_is_a_french_page(
    demo: Demo,
) -> None:
    lola = _lola(demo)
    base = f"/patients/{lola.id}/vaccinations"
    empty = demo.client.get(f"{base}/note")
    assert empty.status_code == 422
    assert "Scannez la boîte du vaccin ou choisissez-le dans la liste." in empty.text
    assert 'id="f-code"' in empty.text  # back to the scan field
    blank = _post(demo, f"{base}/scan", {"csrf": _csrf(demo, base), "code": "  "})
    assert blank.status_code == 422
    assert "le champ est vide" in blank.text
    missing = demo.client.get("/patients/999999/vaccinations")
    assert missing.status_code == 404
    assert "Action impossible" in missing.text
