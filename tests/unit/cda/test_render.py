"""HTML rendering: N3 narrative shown safely (no markup or script from the document), N1 PDF."""

from __future__ import annotations

import base64
from datetime import date

from lxml import etree

from esante.cda import ServiceEvent, build_n1, build_vsm, read_document, render_html
from esante.cda import vocabulary as v
from esante.cda.build.vsm import SERVICE_EVENT
from esante.cda.build.vsm import TYPE_CODE as VSM_TYPE
from esante.cda.examples.clinical_data import heart_failure_vsm
from tests.unit.cda.samples import DOCTOR, WINTER, header

H = f"{{{v.HL7_NS}}}"
PDF = b"%PDF-1.7\n% tiny test body\n%%EOF\n"


def _hostile_vsm() -> bytes:
    built = build_vsm(
        header(type_code=VSM_TYPE, service_event=ServiceEvent(SERVICE_EVENT, WINTER, DOCTOR)),
        heart_failure_vsm(date(2025, 1, 15)),
    )
    root = etree.fromstring(built.xml)
    text = root.find(f".//{H}section/{H}text", None)
    if text is None:
        text = next(root.iter(f"{H}text"))
    paragraph = etree.SubElement(text, f"{H}paragraph", onclick="steal()")
    paragraph.text = "<script>alert('texte')</script> & suite"
    etree.SubElement(paragraph, f"{H}script").text = "alert('element')"
    xhtml = etree.SubElement(paragraph, "{http://www.w3.org/1999/xhtml}script")
    xhtml.text = "alert('xhtml')"
    link = etree.SubElement(paragraph, f"{H}linkHtml", href="javascript:steal()")
    link.text = "cliquez"
    bold = etree.SubElement(paragraph, f"{H}content", styleCode="Bold", style="x")
    bold.text = "important"
    cell = root.find(f".//{H}td", None)
    assert cell is not None
    cell.set("colspan", "2 onmouseover=steal()")
    cell.set("rowspan", "2")
    title = root.find(f".//{H}section/{H}title", None)
    assert title is not None
    title.text = "<img src=x onerror=steal()>"
    return bytes(etree.tostring(root))


def test_narrative_is_escaped_and_filtered() -> None:
    html = render_html(_hostile_vsm())
    assert "<script" not in html
    assert "onclick" not in html
    assert "<img" not in html
    assert "javascript:" not in html
    assert "onmouseover" not in html
    assert "&lt;script&gt;alert('texte')&lt;/script&gt; &amp; suite" in html
    assert "alert('element')" in html  # shown as text, its element dropped
    assert "<b>important</b>" in html
    assert 'rowspan="2"' in html
    assert "cliquez" in html
    assert "&lt;img src=x onerror=steal()&gt;" in html


def test_structured_document_shows_its_sections_and_header() -> None:
    built = build_vsm(
        header(type_code=VSM_TYPE, service_event=ServiceEvent(SERVICE_EVENT, WINTER, DOCTOR)),
        heart_failure_vsm(date(2025, 1, 15)),
    )
    html = render_html(read_document(built.xml))
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    for words in (
        "Pathologies en cours",
        "Insuffisance cardiaque congestive",
        "PLAVIX 75 mg",
        "N&#39;DIAYE",
        "225106938314977",
        "Dr François PERRIN",
        "15/01/2025 à 09:30",
    ):
        assert words in html  # fmt: skip
    assert "Content-Security-Policy" in html


def test_n1_pdf_is_embedded_as_a_data_url() -> None:
    html = render_html(build_n1(header(), PDF).xml)
    encoded = base64.b64encode(PDF).decode("ascii")
    assert f'data="data:application/pdf;base64,{encoded}"' in html
    assert 'type="application/pdf"' in html
