"""Builders of CDA R2 documents: any type as N1 (PDF/A body), and the N3 volets.

- :func:`build_n1` wraps a PDF, :func:`build_n1_report` makes the PDF/A from text
  sections (identity block with INS and DataMatrix); :func:`build_child_exam` is the CR
  d'examen de l'enfant for each of the 20 compulsory exams;
- :func:`build_vsm` (VSM 2023.01), :func:`build_vac_note` (VAC-NOTE 2023.01),
  :func:`build_cs8`, :func:`build_cs9`, :func:`build_cs24` (CSE 2025.01),
  :func:`build_mde` (CSE-MDE 2023.01).

The child health documents (CS8, CS9, CS24, CSE-MDE, the exam reports) are refused for
a patient outside their age window (:mod:`esante.cda.build.ages`,
:func:`document_age_window`).

Every build returns a :class:`BuiltDocument` with a fresh uniqueId (unless one is given).
"""

from esante.cda.build.ages import AgeWindow
from esante.cda.build.child_exam import (
    ChildExam,
    build_child_exam,
    child_exam,
    child_exams,
    document_age_window,
    exam_for_age,
)
from esante.cda.build.cse import (
    Cs8Content,
    FollowUpCertificateContent,
    build_cs8,
    build_cs9,
    build_cs24,
)
from esante.cda.build.document import BuiltDocument, build_n1, new_document_id
from esante.cda.build.mde import MdeContent, build_mde
from esante.cda.build.pdf import TextSection, build_n1_report, n1_html, render_pdf
from esante.cda.build.vac_note import VacNoteContent, build_vac_note
from esante.cda.build.vsm import VsmContent, build_vsm

__all__ = [
    "AgeWindow",
    "BuiltDocument",
    "ChildExam",
    "Cs8Content",
    "FollowUpCertificateContent",
    "MdeContent",
    "TextSection",
    "VacNoteContent",
    "VsmContent",
    "build_child_exam",
    "build_cs8",
    "build_cs9",
    "build_cs24",
    "build_mde",
    "build_n1",
    "build_n1_report",
    "build_vac_note",
    "build_vsm",
    "child_exam",
    "child_exams",
    "document_age_window",
    "exam_for_age",
    "n1_html",
    "new_document_id",
    "render_pdf",
]
