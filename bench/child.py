"""Benchmark of the child health record (issue 15): an exam's CR, a CS24, the growth curves.

A temporary SQLite practice with the demo people; the demo GP examines Lola (the 13-month
exam) and the demo pédiatre Gabriel (the 24-25-month exam, CS24). Each round, in a
fresh session committed afterwards as the REST routes do:

1. **CR d'examen (N1)**: *prefill* (:func:`esante.practice.child.exam_form`: identity,
   parents, measures and WHO z-scores, vaccinations, previous exams), *record* the exam,
   *build* the N1 with its PDF/A (:func:`esante.practice.child.exams.build_exam_report`),
   *validate* (:func:`esante.practice.documents.validate_document`: read, checks,
   catalogue, the ANS kit when installed, store, DMP order).
2. **CS24 (N3)**: *prefill* (:func:`esante.practice.child.certificate_form` from the
   recorded exam), *build* (:func:`esante.practice.child.certificates.build_certificate`),
   *validate* (as above, plus the MSSanté order to the PMI).
3. **Growth curve**: :func:`esante.practice.child.growth_chart_svg` of the weight with 12
   measures (WHO bands P3–P97, matplotlib SVG), and of the height of a 9-year-old (WHO
   2007 by month).

A first round warms up (the kit's compiled schematrons, matplotlib's fonts) and is not
counted. Between rounds the exam's and the certificate's validated documents are unlinked from
the exam (a bench-only reset: each round validates a new document, fresh uniqueId).
Vaccinations come from the 2025 schedule through the record's hook.

Run: ``.venv/bin/python bench/child.py [--rounds 30] [--no-kit]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchlib import peak_rss_mb, percentile
from esante.cda.clinical import Immunization
from esante.cda.examples.vaccination import infant_history
from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.practice.actors import professional_actor
from esante.practice.child import (
    CertificateAnswers,
    ExamEntry,
    GrowthPoint,
    Measures,
    certificate_form,
    exam_form,
    growth_chart_svg,
    record_exam,
    record_measures,
    use_vaccination_source,
)
from esante.practice.child.certificates import build_certificate
from esante.practice.child.exams import build_exam_report
from esante.practice.child.forms import exam_record
from esante.practice.conformance import kit_validator
from esante.practice.documents import validate_document
from esante.store import Patient, Practitioner, make_engine, session_factory, upgrade, utcnow


@contextmanager
def clock(into: list[float]) -> Iterator[None]:
    """Append the block's duration in ms to ``into``."""
    start = time.perf_counter()
    yield
    into.append((time.perf_counter() - start) * 1000)


def line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<30} p50 {percentile(values, 50):8.1f} ms   "
        f"p95 {percentile(values, 95):8.1f} ms   (n={len(values)})"
    )


def _vaccinations(session: Session, patient_id: int, on: date) -> tuple[Immunization, ...]:
    patient = session.get(Patient, patient_id)
    assert patient is not None
    return infant_history(patient.birth_date, on)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-kit", action="store_true", help="validate without the ANS kit")
    args = parser.parse_args()
    use_vaccination_source(_vaccinations)
    kit = None if args.no_kit else kit_validator(Settings())
    data = demo_dataset()
    today = data.reference_date
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions() as session:
            load_demo(session, data)
            session.commit()

            def who(key: str) -> tuple[Patient, Practitioner]:
                patient = session.scalar(
                    select(Patient).where(Patient.ins_matricule == data.patient(key).nir)
                )
                rpps = data.practitioner("generaliste" if key == "lola" else "pediatre").rpps
                author = session.scalar(select(Practitioner).where(Practitioner.rpps == rpps))
                assert patient is not None
                assert author is not None
                return patient, author

            lola, gp = who("lola")
            gabriel, paediatrician = who("gabriel")
            lola_id, gabriel_id, gp_id, ped_id = lola.id, gabriel.id, gp.id, paediatrician.id
            gp_actor = professional_actor(session, gp.id_nat_ps, None)
            ped_actor = professional_actor(session, paediatrician.id_nat_ps, None)
            for patient_id, actor, exam_id, weight, height in (
                (lola_id, gp_actor, "m13", 9500, Decimal("75.0")),
                (gabriel_id, ped_actor, "m24-25", 12200, Decimal("87.0")),
            ):
                stored = record_measures(
                    session, patient_id, Measures(today, weight, height), actor=actor
                )
                record_exam(
                    session,
                    patient_id,
                    exam_id,
                    ExamEntry(
                        today,
                        {},
                        conclusion="Examen normal.",
                        measurement_id=stored.id,
                    ),
                    actor=actor,
                )
            session.commit()

        times: dict[str, list[float]] = {
            k: []
            for k in (
                "cr.prefill",
                "cr.record",
                "cr.build",
                "cr.validate",
                "cr.total",
                "cs24.prefill",
                "cs24.build",
                "cs24.validate",
                "cs24.total",
                "curve.weight_0_2y",
                "curve.height_9y",
            )
        }
        sizes: dict[str, int] = {}
        for index in range(args.rounds + 1):  # round 0 warms up (kit, fonts): not counted
            if index == 1:
                for values in times.values():
                    values.clear()
            with sessions() as session:
                author = session.get(Practitioner, gp_id)
                assert author is not None
                start = time.perf_counter()
                with clock(times["cr.prefill"]):
                    form = exam_form(session, lola_id, "m13", actor=gp_actor, today=today)
                entry = ExamEntry(
                    today,
                    {q.theme: q.answer or "Normal" for q in form.questions},
                    conclusion="Examen normal.",
                    measurement_id=form.measures.id if form.measures else None,
                )
                with clock(times["cr.record"]):
                    record_exam(session, lola_id, "m13", entry, actor=gp_actor)
                now = utcnow()
                with clock(times["cr.build"]):
                    built = build_exam_report(
                        session, lola_id, "m13", actor=gp_actor, author=author, now=now
                    )
                with clock(times["cr.validate"]):
                    validate_document(
                        session,
                        built.xml,
                        patient_id=lola_id,
                        actor=gp_actor,
                        author_id=gp_id,
                        kit=kit,
                        now=now,
                    )
                session.commit()
                times["cr.total"].append((time.perf_counter() - start) * 1000)
                sizes["cr"] = len(built.xml)

            with sessions() as session:
                author = session.get(Practitioner, ped_id)
                assert author is not None
                start = time.perf_counter()
                with clock(times["cs24.prefill"]):
                    cert = certificate_form(
                        session, gabriel_id, "CS24", actor=ped_actor, today=today
                    )
                    assert isinstance(cert.answers, CertificateAnswers)
                answers = replace(
                    cert.answers,
                    mother_birth_date=date(1992, 6, 1),
                    mother_activity="PAT-040",
                    childcare=True,
                    childcare_mode="PAT-050",
                    neurodevelopment_orientation=False,
                    prematurity_under_33_weeks=False,
                    domestic_accident=False,
                    screen_exposure="GEN-312",
                )
                now = utcnow()
                with clock(times["cs24.build"]):
                    built = build_certificate(
                        session, gabriel_id, "CS24", answers, actor=ped_actor, author=author,
                        now=now,
                    )  # fmt: skip
                with clock(times["cs24.validate"]):
                    done = validate_document(
                        session,
                        built.xml,
                        patient_id=gabriel_id,
                        actor=ped_actor,
                        author_id=ped_id,
                        kit=kit,
                        now=now,
                    )
                assert sorted(o.kind for o in done.orders) == ["dmp_submit", "mss_send"]
                session.commit()
                times["cs24.total"].append((time.perf_counter() - start) * 1000)
                sizes["cs24"] = len(built.xml)
                for patient_id, exam_id in ((lola_id, "m13"), (gabriel_id, "m24-25")):
                    record = exam_record(session, patient_id, exam_id)
                    assert record is not None
                    record.document_id = None  # bench-only reset: validate anew next round
                    record.certificate_document_id = None
                session.commit()

            born = today - timedelta(days=700)
            points = [
                GrowthPoint(born + timedelta(days=d), Decimal(w))
                for d, w in zip(
                    (0, 8, 30, 61, 91, 122, 152, 183, 274, 365, 396, 540),
                    ("3.3", "3.4", "4.3", "5.4", "6.2", "6.8", "7.3", "7.7", "8.6", "9.5",
                     "9.8", "11.0"),
                    strict=True,
                )
            ]  # fmt: skip
            with clock(times["curve.weight_0_2y"]):
                svg = growth_chart_svg("weight", "F", born, points)
            sizes["curve"] = len(svg)
            older = today - timedelta(days=9 * 365)
            heights = [
                GrowthPoint(older + timedelta(days=365 * y), Decimal(70 + 7 * y))
                for y in range(1, 10)
            ]
            with clock(times["curve.height_9y"]):
                growth_chart_svg("height", "M", older, heights)
        engine.dispose()
    use_vaccination_source(None)

    print(f"Child health record — {args.rounds} rounds, SQLite, kit: {'yes' if kit else 'no'}")
    print("CR d'examen de l'enfant (N1, 13-month exam):")
    for key in ("prefill", "record", "build", "validate", "total"):
        print(line(key, times[f"cr.{key}"]))
    print(f"  CDA size {sizes['cr'] / 1024:.0f} KiB")
    print("CS24 (N3, prefilled from the 24-month exam, DMP + PMI orders):")
    for key in ("prefill", "build", "validate", "total"):
        print(line(key, times[f"cs24.{key}"]))
    print(f"  CDA size {sizes['cs24'] / 1024:.0f} KiB")
    print("Growth curves (matplotlib SVG):")
    print(line("weight 0-2 y, 12 points", times["curve.weight_0_2y"]))
    print(line("height 0-19 y, 9 points", times["curve.height_9y"]))
    print(f"  SVG size {sizes['curve'] / 1024:.0f} KiB")
    print(f"Peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
