"""CR d'examen de l'enfant (LOINC 59283-2) as an N1 document, for the 20 compulsory exams.

Since 2025 the child has 20 compulsory health examinations (8 days, 2nd week, months 2,
3, 4, 5, 6, 9, 12, 13, 16-18, 24-25, years 3, 4, 5, 6, 7, 8-9, 11-13, 15-16); the list
and each exam's themes are facts in ``data/child_exams.json``. The report is a PDF/A
(see :mod:`esante.cda.build.pdf`) whose title names the exam and whose body is a
questionnaire: measurements, then one row per theme with the clinician's answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from esante.cda.build.document import BuiltDocument
from esante.cda.build.pdf import TextSection, build_n1_report
from esante.cda.errors import CdaBuildError
from esante.cda.model import DocumentHeader, InstanceId

TYPE_CODE_VALUE = "59283-2"


@dataclass(frozen=True)
class ChildExam:
    """One of the 20 compulsory exams: id (``m9``), French title, age, themes."""

    id: str
    title: str
    age: str
    target_days: int
    certificate: str | None
    themes: tuple[str, ...]


@lru_cache(maxsize=1)
def _load() -> tuple[ChildExam, ...]:
    raw = json.loads(
        resources.files("esante.cda").joinpath("data/child_exams.json").read_text("utf-8")
    )
    return tuple(
        ChildExam(
            id=e["id"],
            title=e["title"],
            age=e["age"],
            target_days=int(e["target_days"]),
            certificate=e["certificate"],
            themes=tuple(e["themes"]),
        )
        for e in raw["exams"]
    )


def child_exams() -> tuple[ChildExam, ...]:
    """The 20 compulsory exams, youngest first."""
    return _load()


def child_exam(exam_id: str) -> ChildExam:
    """The exam with id ``exam_id`` (``j8``, ``s2``, ``m2`` ... ``a15-16``).

    Raises :class:`CdaBuildError` naming the known ids.
    """
    wanted = exam_id.strip().lower()
    for exam in _load():
        if exam.id == wanted:
            return exam
    raise CdaBuildError(
        f"Examen de l'enfant inconnu : « {exam_id} ».",
        detail="known exams: " + ", ".join(e.id for e in _load()),
        field="exam",
    )


def exam_for_age(birth_date: date, on: date) -> ChildExam:
    """The compulsory exam whose target age is closest to the child's age on ``on``."""
    days = (on - birth_date).days
    return min(_load(), key=lambda e: abs(e.target_days - days))


def build_child_exam(
    header: DocumentHeader,
    exam: ChildExam,
    sections: Sequence[TextSection],
    *,
    document_id: InstanceId | None = None,
) -> BuiltDocument:
    """The N1 CR d'examen de l'enfant for ``exam``; ``sections`` hold the answers."""
    if header.type_code.code != TYPE_CODE_VALUE:
        raise CdaBuildError(
            "Le compte rendu d'examen de l'enfant a le type de document 59283-2.",
            detail=f"type_code {header.type_code.code!r} != {TYPE_CODE_VALUE!r}",
            field="type_code",
        )
    intro = TextSection(
        "Examen obligatoire",
        (
            f"{exam.title} (âge de référence : {exam.age}), "
            "l'un des 20 examens de santé obligatoires de l'enfant.",
        )
        + (
            (f"Cet examen donne lieu au certificat de santé {exam.certificate}.",)
            if exam.certificate
            else ()
        ),
    )
    return build_n1_report(header, (intro, *sections), document_id=document_id)
