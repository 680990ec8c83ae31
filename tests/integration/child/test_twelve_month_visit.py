"""The 12-month visit of the demo's story, end to end over real sockets (issue 15).

Lola (demo ``lola``, 13 months today) was seen by her GP for the 12-month exam on the
day she turned one. Her earlier vaccinations were copied from the paper carnet; a visit
at 9 months was measured. At the visit: the exam form is prefilled from the record →
the measures are recorded → the growth curves are drawn (SVG: French axes, WHO bands,
her points) → the GP scans the DataMatrix of the vaccine box as the scanner types it →
the VAC-NOTE is prefilled, valid against the ANS kit and validated → the next vaccines
are prescribed (N1) → the CR d'examen, the « Mesures de l'enfant » and the note go with
them. The real worker sends everything to the sandbox DMP over mutual TLS; then the
parents open Mon espace santé (the sandbox's MES app, plain HTTP GET) and see the
report, the prescription, the vaccination book with the new vaccination, and the same
curves as the console.

The clock: the 12-month exam is on time between 11 and 13 months, and Lola is 13 months
today, so the visit happened a few weeks ago. The practice's calls are given the visit
as their clock (``now=`` / ``today=``, the library's injected clock); the worker sends
today, after the deferral window. No global clock patching: the worker and the sandbox
run in threads and verify certificates and assertions against the real time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import httpx
import pytest
from lxml import etree

from esante.cda.build.ages import add_period
from esante.cda.read import read_document
from esante.cda.validate import Validator
from esante.demo import demo_dataset
from esante.practice.child import (
    ExamEntry,
    Measures,
    exam_form,
    record_exam,
    record_measures,
    validate_exam_report,
    validate_mde,
)
from esante.practice.child.curves import patient_growth_chart
from esante.practice.child.records import SendOptions
from esante.practice.vaccination import (
    prefill_vac_note,
    prescribe_next_vaccines,
    record_past_vaccination,
    scan_text,
    validate_vac_note,
)
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.scan import GS
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from tests.integration.feeding.conftest import Practice
from tests.integration.vaccination.conftest import kit
from tests.unit.practice.acting import acting

__all__ = ["kit"]

pytestmark = pytest.mark.xdist_group("feeding")
SVG = "http://www.w3.org/2000/svg"
NS = {"s": SVG}

BEXSERO = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
LOT, SERIAL = "AMBX2417C", "7QX2M4K9P1"
CARNET = (  # the infant doses before 12 months, as the paper carnet says them
    ("P2M", "infanrix-hexa"),
    ("P2M", "prevenar13"),
    ("P3M", "bexsero"),
    ("P4M", "infanrix-hexa"),
    ("P4M", "prevenar13"),
    ("P5M", "bexsero"),
    ("P6M", "nimenrix"),
    ("P11M", "infanrix-hexa"),
    ("P11M", "prevenar13"),
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The sandbox with its Mon espace santé app (the feeding tests' runs without it)."""
    directory = tmp_path_factory.mktemp("twelve-month-sandbox")
    with start_sandbox(SandboxOptions(directory=directory, mes=True)) as running:
        yield running


def _group(root: etree._Element, gid: str) -> etree._Element:
    found = root.xpath("//s:g[@id=$gid]", namespaces=NS, gid=gid)
    assert len(found) == 1, gid
    group: etree._Element = found[0]
    return group


def _child_points(svg: str | bytes) -> list[str]:
    """The child's markers (``x,y`` of each ``<use>`` of ``child-points``)."""
    root = etree.fromstring(svg.encode() if isinstance(svg, str) else svg)
    group = _group(root, "child-points")
    return [f"{u.get('x')},{u.get('y')}" for u in group.iterfind(f".//{{{SVG}}}use")]


def _check_chart(svg: str | bytes, points: int) -> etree._Element:
    root = etree.fromstring(svg.encode() if isinstance(svg, str) else svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text")]
    assert "Âge (mois)" in texts
    assert "Poids (kg)" in texts
    for gid in ("band-P3-P97", "band-P15-P85", "curve-P3", "curve-P50", "curve-P97"):
        assert _group(root, gid).xpath(".//s:path", namespaces=NS), gid
    assert len(_child_points(svg)) == points
    return root


def _visible(markup: str) -> str:
    """The text a parent reads: tags and styles removed, entities unescaped."""
    bare = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", markup, flags=re.S))
    return " ".join(html.unescape(bare).split())


def _section(markup: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', markup, re.S)
    assert match is not None, section_id
    return match.group(0)


def test_the_twelve_month_visit_reaches_mon_espace_sante(
    practice: Practice, kit: Validator
) -> None:
    lola = practice.patient("lola")
    doctor = acting(practice.practitioner("generaliste"))
    visit_day = add_period(lola.birth_date, "P12M")
    assert visit_day < demo_dataset().reference_date  # she is 13 months today
    visit = datetime.combine(visit_day, time(9, 30), tzinfo=UTC)
    send_now = SendOptions(deferral=timedelta(0))
    catalogue = {v.key: v for v in packaged().vaccines}

    # Before the visit: the carnet's vaccinations copied, the 9-month measures.
    with practice.sessions() as session:
        for age, key in CARNET:
            record_past_vaccination(
                session, doctor, lola.id, catalogue[key], add_period(lola.birth_date, age),
                now=visit - timedelta(days=30),
            )  # fmt: skip
        nine_months = record_measures(
            session,
            lola.id,
            Measures(add_period(lola.birth_date, "P9M"), 8200, Decimal("70.5"), Decimal("43.8")),
            actor=doctor,
            now=visit - timedelta(days=90),
        )
        session.commit()
        validate_mde(
            session, lola.id, nine_months.id or 0, actor=doctor, now=visit - timedelta(days=90),
            options=send_now,
        )  # fmt: skip
        session.commit()

    # The visit: measures, then the exam form prefilled from the record.
    with practice.sessions() as session:
        measures = record_measures(
            session,
            lola.id,
            Measures(visit_day, 9300, Decimal("74.6"), Decimal("45.9")),
            actor=doctor,
            now=visit,
        )
        session.commit()
        form = exam_form(session, lola.id, "m12", actor=doctor, today=visit_day)
        assert form.examined_on == visit_day
        assert form.age == "12 mois"
        assert form.measures is not None
        assert form.measures.weight_g == 9300  # prefilled: today's measures
        parents = demo_dataset().patient("lola").legal_representatives
        assert len(form.parents) == len(parents)  # prefilled: her parents
        for parent in parents:
            assert any(parent.given_name in p.name for p in form.parents)
        assert len(form.vaccinations) == len(CARNET)  # prefilled: the carnet
        assert any(r.indicator == "weight" for r in form.growth)
        assert [q.theme for q in form.questions] == list(form.exam.themes)
        assert form.certificate is None  # no certificate at 12 months
        answers = {q.theme: q.answer or "Acquis" for q in form.questions}
        recorded = record_exam(
            session,
            lola.id,
            "m12",
            ExamEntry(
                visit_day,
                answers,
                conclusion="Examen du 12e mois normal. Croissance harmonieuse.",
                measurement_id=measures.id,
            ),
            actor=doctor,
            now=visit,
        )
        assert recorded.certificate is None
        session.commit()
        report = validate_exam_report(
            session, lola.id, "m12", actor=doctor, now=visit, options=send_now
        )
        mde = validate_mde(
            session, lola.id, measures.id or 0, actor=doctor, now=visit, options=send_now
        )
        session.commit()
        report_id, report_title = report.document.unique_id, report.document.title
        mde_id = mde.document.unique_id

        # The curves, as the console draws them: the two visits on the WHO bands.
        console_svg = patient_growth_chart(session, lola.id, "weight", actor=doctor)
        session.commit()
    _check_chart(console_svg, points=2)

    # The vaccine box: its DataMatrix as the scanner types it (]d2, GS after the lot).
    expiry = visit_day + timedelta(days=500)
    scanned = f"]d201{BEXSERO.gtin}17{expiry:%y%m%d}10{LOT}{GS}21{SERIAL}"
    with practice.sessions() as session:
        result = scan_text(scanned, today=visit_day, session=session)
        assert result.vaccine is not None
        assert result.vaccine.key == "bexsero"
        draft = prefill_vac_note(
            session, doctor, lola.id, result.vaccine, scan=result, on=visit_day
        )
        assert (draft.administered_on, draft.lot, draft.expiry) == (visit_day, LOT, expiry)
        assert (draft.dose_rank, draft.booster) == (3, True)  # MenB 3 and 5 months in the carnet
        assert draft.route_code == "20035000"
        done = validate_vac_note(session, doctor, draft, kit=kit, now=visit)
        session.commit()
        note = done.validated.document
        note_id = note.unique_id
        assert kit.validate(note.content, dmp=True).ok
        assert [o.kind for o in done.validated.orders] == ["dmp_submit"]

        # The prescription of the next vaccines (N1), valid against the kit.
        prescription, lines = prescribe_next_vaccines(session, doctor, lola.id, kit=kit, now=visit)
        session.commit()
        assert lines
        assert kit.validate(prescription.document.content, dmp=True).ok
        prescription_id = prescription.document.unique_id
        prescription_title = prescription.document.title

    # The worker sends today, after the deferral window: every document reaches the DMP.
    worker = practice.worker().worker
    sent = (report_id, mde_id, note_id, prescription_id)
    for _ in range(10):
        worker.run_once()
        if all(practice.in_dmp(u) for u in sent):
            break
    assert [practice.in_dmp(u) for u in sent] == [1, 1, 1, 1]

    # The parents open Mon espace santé.
    mes_url = practice.sandbox.manifest.mes_url
    assert mes_url is not None
    with httpx.Client(base_url=mes_url, timeout=30) as client:
        answer = client.get(f"/patients/{lola.ins_matricule}")
        assert answer.status_code == 200
        page = answer.text
        documents = _visible(_section(page, "documents"))
        assert report_title in documents
        assert prescription_title in documents
        for unique_id in (report_id, prescription_id, note_id):
            assert f"/documents/{unique_id}" in page

        # the vaccination book: the new vaccination, from the note, with its lot
        book = _section(page, "vaccinations")
        lines_shown = [
            _visible(r) for r in re.findall(r"<tr[^>]*>.*?</tr>", book, re.S) if "<td" in r
        ]
        new = [line for line in lines_shown if LOT in line]
        assert len(new) == 1
        assert f"{visit_day:%d/%m/%Y}" in new[0]
        assert "3e dose" in new[0]
        assert read_document(note.content).title in new[0]  # its source document

        # the curves: the same as the console's, with a French text alternative
        curves = _section(page, "courbes")
        image = etree.HTML(curves).find(".//img[@src]")
        assert image is not None
        assert image.get("src") == f"/patients/{lola.ins_matricule}/courbes/poids.svg"
        alt = image.get("alt") or ""
        assert "Courbe de poids" in alt
        assert f"{visit_day:%d/%m/%Y}" in alt
        assert "9,3 kg" in alt
        chart = client.get(image.get("src") or "")
        assert chart.status_code == 200
        assert chart.headers["content-type"].startswith("image/svg+xml")
        root = _check_chart(chart.content, points=2)
        assert _child_points(chart.content) == _child_points(console_svg)
        assert "9,3 kg" in (root.findtext(f"{{{SVG}}}desc") or "")
