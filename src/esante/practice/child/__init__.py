"""The child health record (issue 15): the 20 compulsory exams, their forms and reports,
the health certificates and the PMI, the measurements and the growth curves.

Modules, small and named for what they hold: :mod:`.calendar` (due / done / overdue),
:mod:`.forms` (an exam's form prefilled from the record), :mod:`.exams` (recording an
exam, its CR d'examen N1, the PDF for the parents), :mod:`.certificates_prompt` (which
certificate an exam calls for), :mod:`.certificates` (prefill, build, validate),
:mod:`.followup` (CS9 / CS24 answers and content) and :mod:`.cs8` (the CS8's),
:mod:`.measurements` (per visit, BMI, the CSE-MDE N3), :mod:`.growth` (WHO z-scores and
reference curves), :mod:`.charts` (SVG) and :mod:`.curves` (a child's chart from the
record), :mod:`.header` (the CDA header from the practice's records),
:mod:`.vaccinations` (what the vaccination record gives), :mod:`.records` (the patient
checked and traced; the send options).
"""

from __future__ import annotations

from esante.practice.child.calendar import ChildCalendar, ExamDue, exam_calendar, patient_calendar
from esante.practice.child.certificates import (
    CertificateAnswers,
    CertificateForm,
    Cs8Answers,
    certificate_form,
    validate_certificate,
)
from esante.practice.child.certificates_prompt import CertificatePrompt, certificate_prompt
from esante.practice.child.charts import GrowthPoint, growth_chart_svg
from esante.practice.child.exams import ExamEntry, RecordedExam, record_exam, validate_exam_report
from esante.practice.child.forms import ExamForm, exam_form
from esante.practice.child.growth import percentile, z_score
from esante.practice.child.measurements import (
    Measures,
    bmi,
    delete_measures,
    list_measures,
    record_measures,
    validate_mde,
)
from esante.practice.child.vaccinations import use_vaccination_source

__all__ = [
    "CertificateAnswers",
    "CertificateForm",
    "CertificatePrompt",
    "Cs8Answers",
    "ChildCalendar",
    "ExamDue",
    "ExamEntry",
    "ExamForm",
    "GrowthPoint",
    "Measures",
    "RecordedExam",
    "bmi",
    "certificate_form",
    "certificate_prompt",
    "delete_measures",
    "exam_calendar",
    "exam_form",
    "growth_chart_svg",
    "list_measures",
    "patient_calendar",
    "percentile",
    "record_exam",
    "record_measures",
    "use_vaccination_source",
    "validate_certificate",
    "validate_exam_report",
    "validate_mde",
    "z_score",
]
