"""N1 documents from text: a French HTML page made into PDF/A-2b by WeasyPrint.

The page (``templates/n1_document.html``, Jinja2 with autoescape) carries what a printed
health document must show: the structure and author, title and date, the patient's
identity block with the INS reference traits and, when the INS is qualified, its kind
(NIR, NIA, test...) and the INS DataMatrix (:mod:`esante.identity.datamatrix`, ANS
format), then the body sections. Fonts are the machine's DejaVu (embedded as subsets);
no resource is fetched except ``data:`` URLs. PDF/A-2b (ISO 19005-2, level B) is the
archival profile DMP documents use.
"""

from __future__ import annotations

import base64
import gc
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from esante.cda import vocabulary as v
from esante.cda.build._xml import PARIS
from esante.cda.build.document import BuiltDocument, build_n1
from esante.cda.errors import CdaBuildError
from esante.cda.model import DocumentHeader, InstanceId, Patient
from esante.identity import (
    IdentityError,
    IdentityTraits,
    InsDataMatrix,
    InsKind,
    check_ins,
    render_svg,
)

PDF_VARIANT = "pdf/a-2b"
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class TextSection:
    """A body section of an N1 document: title, paragraphs, question/answer rows."""

    title: str
    paragraphs: Sequence[str] = ()
    rows: Sequence[tuple[str, str]] = ()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("esante.cda", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def french_date(day: date) -> str:
    """``12 mars 2025``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def ins_datamatrix_uri(patient: Patient) -> str | None:
    """The INS DataMatrix as an SVG ``data:`` URI, or None when the INS is not shared.

    Raises :class:`CdaBuildError` when the identity cannot be encoded (traits not
    coherent with the INS format).
    """
    if not patient.shares_ins or patient.sex not in ("M", "F"):
        return None
    assert patient.ins_matricule is not None
    try:
        ins = check_ins(patient.ins_matricule, patient.ins_oid)
        traits = IdentityTraits(
            birth_family_name=patient.birth_family_name,
            birth_given_names=patient.birth_given_names,
            first_given_name=patient.first_given_name,
            sex=patient.sex,
            birth_date=patient.birth_date,
            birthplace_cog=patient.birthplace_cog,
        )
        svg = render_svg(InsDataMatrix.from_identity(ins, traits), scale=3)
    except IdentityError as exc:
        raise CdaBuildError(
            f"DataMatrix INS impossible : {exc.message}",
            detail=exc.detail,
            field="patient",
        ) from exc
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _ins_kind(patient: Patient) -> str:
    try:
        return f"INS ({InsKind.from_oid(patient.ins_oid or '').label})"
    except IdentityError:
        return "INS"


def n1_html(header: DocumentHeader, sections: Sequence[TextSection]) -> str:
    """The French HTML page of an N1 document (identity block, author, date, sections)."""
    patient = header.patient
    author = header.authors[0].professional
    when = header.effective_time.astimezone(PARIS)
    organization = author.organization
    city = organization.address.city if organization and organization.address else None
    formatted_ins = patient.ins_matricule or ""
    if patient.shares_ins and patient.ins_matricule:
        try:
            formatted_ins = check_ins(patient.ins_matricule, patient.ins_oid).formatted()
        except IdentityError:
            formatted_ins = patient.ins_matricule
    context: dict[str, Any] = {
        "title": header.title,
        "patient": patient,
        "organization": organization,
        "author_name": author.name.display,
        "author_specialty": author.specialty.display if author.specialty else None,
        "author_id": author.id.extension or author.id.root,
        "place_and_date": (f"{city}, le " if city else "Le ") + french_date(when.date()),
        "signature_date": f"{french_date(when.date())} à {when:%H:%M}",
        "sex_label": v.SEX_LABELS.get(patient.sex, patient.sex),
        "birth_date": patient.birth_date.strftime("%d/%m/%Y"),
        "birthplace": " ".join(
            p
            for p in (
                patient.birthplace_city,
                f"({patient.birthplace_cog})" if patient.birthplace_cog else None,
            )
            if p
        )
        or "inconnu",
        "ins_kind": _ins_kind(patient),
        "ins_formatted": formatted_ins,
        "datamatrix": ins_datamatrix_uri(patient),
        "sections": sections,
    }
    return _environment().get_template("n1_document.html").render(**context)


def render_pdf(html: str) -> bytes:
    """PDF/A-2b bytes of ``html``; only ``data:`` URLs are fetched (no network, no files)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"})
    # WeasyPrint leaves its sRGB output-intent profile file open (closed when collected):
    # collect it here, where that ResourceWarning is known and harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
        except Exception as exc:  # WeasyPrint raises many kinds; report them as one build error
            raise CdaBuildError(
                "Impossible de produire le PDF du document.", detail=repr(exc), field="pdf"
            ) from exc
        finally:
            gc.collect()
    if not isinstance(pdf, bytes):
        raise CdaBuildError("Impossible de produire le PDF du document.", detail="no bytes")
    return pdf


def build_n1_report(
    header: DocumentHeader,
    sections: Sequence[TextSection],
    *,
    document_id: InstanceId | None = None,
) -> BuiltDocument:
    """An N1 document whose PDF/A body is made from ``sections`` (any document type)."""
    return build_n1(header, render_pdf(n1_html(header, sections)), document_id=document_id)
