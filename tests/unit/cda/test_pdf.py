"""N1 PDF/A bodies: a real PDF/A-2b with embedded fonts, the identity block and INS DataMatrix."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from esante.cda import (
    BuiltDocument,
    CdaBuildError,
    TextSection,
    build_child_exam,
    build_n1_report,
    child_exam,
    child_exams,
    extract_pdf,
    read_document,
)
from esante.cda.build import exam_for_age, n1_html
from esante.cda.build.ages import add_period
from esante.cda.build.child_exam import TYPE_CODE_VALUE
from esante.cda.model import Code
from esante.identity import read_image
from tests.unit.cda.samples import PATIENT, header

SECTIONS = (
    TextSection("Motif", ("Consultation de suivi <b>non interprété</b>.",)),
    TextSection("Examen", rows=(("Poids", "9,2 kg"), ("Taille", "75 cm"))),
)


@pytest.fixture(scope="module")
def report() -> BuiltDocument:
    return build_n1_report(header(), SECTIONS)


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def test_n1_report_is_a_pdf_a_2b_with_embedded_fonts(report: BuiltDocument) -> None:
    pdf = extract_pdf(report.xml)
    assert pdf.startswith(b"%PDF-")
    xmp = next(s for s in _streams(pdf) if b"pdfaid" in s)
    assert b'pdfaid:part="2"' in xmp
    assert b'pdfaid:conformance="B"' in xmp
    assert b"Compte rendu de consultation" in xmp
    assert any(b"/FontFile2" in s for s in [pdf, *_streams(pdf)])  # fonts are embedded
    document = read_document(report.xml)
    assert (document.level, document.format_code) == ("N1", "urn:ihe:iti:xds-sd:pdf:2008")


def test_identity_block_carries_the_traits_and_the_ins() -> None:
    html = n1_html(header(), SECTIONS)
    for words in ("N&#39;DIAYE", "LOLA CECILE", "Lolita", "15/04/2024", "Féminin", "(69383)"):
        assert words in html
    assert "INS (NIR de test)" in html
    assert "2 25 10 69 383 149 77" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "&lt;b&gt;non interprété&lt;/b&gt;" in html


def test_no_ins_and_no_datamatrix_for_an_unqualified_identity() -> None:
    patient = dataclasses.replace(PATIENT, ins_qualified=False)
    html = n1_html(header(patient=patient), SECTIONS)
    assert "data:image/svg+xml" not in html
    assert "225106938314977" not in html
    assert "INS non communiquée" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) absent")
def test_pdf_text_shows_the_identity(report: BuiltDocument, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(extract_pdf(report.xml))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for words in ("N'DIAYE", "LOLA CECILE", "2 25 10 69 383 149 77", "Dr François PERRIN"):
        assert words in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) absent")
def test_printed_datamatrix_reads_back_as_the_ins(report: BuiltDocument, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(extract_pdf(report.xml))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    from PIL import Image

    page = Image.open(next(tmp_path.glob("p*.png")))
    width, height = page.size
    corner = page.crop((int(width * 0.6), int(height * 0.15), width, int(height * 0.5)))
    corner.save(tmp_path / "corner.png")
    decoded = read_image(tmp_path / "corner.png")
    assert (decoded.matricule, decoded.birth_family_name) == ("225106938314977", "N'DIAYE")


def test_the_twenty_compulsory_exams() -> None:
    exams = child_exams()
    assert [e.id for e in exams] == [
        "j8", "s2", "m2", "m3", "m4", "m5", "m6", "m9", "m12", "m13", "m16-18", "m24-25",
        "a3", "a4", "a5", "a6", "a7", "a8-9", "a11-13", "a15-16",
    ]  # fmt: skip
    assert [e.certificate for e in exams if e.certificate] == ["CS8", "CS9", "CS24"]
    assert all(e.title and e.themes for e in exams)
    assert child_exam("M9").title == "Examen du 9e mois"
    with pytest.raises(CdaBuildError) as raised:
        child_exam("m10")
    assert raised.value.field == "exam"
    birth = PATIENT.birth_date
    assert exam_for_age(birth, add_period(birth, "P13M")).id == "m13"
    # between 19 and 23 months no compulsory exam is made
    with pytest.raises(CdaBuildError, match="Aucun des 20 examens"):
        exam_for_age(birth, add_period(birth, "P20M"))


def test_child_exam_report_needs_its_document_type() -> None:
    exam = child_exam("m9")
    with pytest.raises(CdaBuildError) as raised:
        build_child_exam(header(), exam, SECTIONS)
    assert raised.value.field == "type_code"
    html = n1_html(
        header(type_code=Code(TYPE_CODE_VALUE, "2.16.840.1.113883.6.1"), title=exam.title),
        SECTIONS,
    )
    assert "Examen du 9e mois" in html
