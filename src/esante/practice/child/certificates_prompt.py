"""The prompt: filling the 8-day, 9-month or 24-month exam calls for its health certificate.

Code de la santé publique, art. R.2132-3: the exams of the 8 days, of the 9th month and
of the 24th month give rise to a certificat de santé (CS8, CS9, CS24); the seed asks the
software to tell the user when they fill the matching exam (LGC.CSE.09). Which exam
carries which certificate is a fact of ``data/child_exams.json``
(:attr:`esante.cda.build.child_exam.ChildExam.certificate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from esante.catalogue import pmi_address
from esante.cda.build.child_exam import child_exam
from esante.cda.examples.certificates import TITLES

PMI_CERTIFICATES = frozenset({"CS9", "CS24"})
"""Certificates sent to the PMI platform on validation (seed: CS9 and CS24)."""


@dataclass(frozen=True)
class CertificatePrompt:
    """The certificate due at an exam, what validation will do, in French."""

    certificate: str
    exam_id: str
    title: str
    message: str
    sent_to_pmi: bool


def certificate_prompt(exam_id: str) -> CertificatePrompt | None:
    """The certificate to establish at exam ``exam_id``, None when it has none."""
    exam = child_exam(exam_id)
    which = exam.certificate
    if which is None:
        return None
    sent = which in PMI_CERTIFICATES
    message = (
        f"Cet examen donne lieu au certificat de santé {which} : il est prérempli à partir de "
        "l'examen. À sa validation, il alimente le DMP de l'enfant"
        + (f" et part par MSSanté à la PMI ({pmi_address()}), sans autre action." if sent else ".")
    )
    return CertificatePrompt(which, exam.id, TITLES[which], message, sent)
