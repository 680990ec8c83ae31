"""The demo dataset and what depends on it, built on several days with the clock pinned.

The dataset anchors every age on the day it is built (``demo_dataset()`` reads the clock),
so a check written on one day may fail on another: a leap day, a 31st whose month before
is shorter, 1 January (the birth year of the NIR changes), and today. On each of them,
with the clock pinned by time-machine:

* every person's age fits their role, read from the data — the child of each certificate
  (CS8, CS9, CS24, named in the person's story) is in that certificate's age window, every
  child is at the age of one of the compulsory exams, adults are adults — and the ages are
  the same whatever the day (Lola is always 13 months old);
* every INS is a valid test NIR agreeing with the birth date and the other traits;
* the practice loads the dataset, and what the inbox and the feeding expect of it holds:
  an example document about a person carries the INS and traits the inbox matches the local
  record with, and the certificates of the children are validated with their DMP orders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build import child_exams, document_age_window
from esante.cda.build.ages import AgeWindow
from esante.cda.examples import example_document
from esante.cda.read import read_document
from esante.demo import DemoPatient, demo_dataset
from esante.demo.builder import age_label
from esante.identity import IdentityTraits, check_ins, ins_name, traits_discrepancies
from esante.practice import load_demo
from esante.practice.documents import validate_document
from esante.store import Patient, Practitioner
from tests.unit.practice.acting import acting

# a leap day, a 31st whose month before is shorter, 1 January, the last day of a leap
# year, and today
DAYS = (
    date(2028, 2, 29),
    date(2027, 12, 31),
    date(2027, 3, 31),
    date(2028, 1, 1),
    date(2028, 12, 31),
    date.today(),
)
CERTIFICATES = {"CS8": "CSE-CS8", "CS9": "CSE-CS9", "CS24": "CSE-CS24"}
ADULT_YEARS = 18
EXTRA = 40


@pytest.fixture(params=DAYS, ids=str)
def day(request: pytest.FixtureRequest) -> Iterator[date]:
    """The clock pinned at noon UTC (the same day in Paris) of the day under test."""
    value: date = request.param
    with time_machine.travel(datetime(value.year, value.month, value.day, 12, tzinfo=UTC)):
        yield value


def _completed_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _certificate(person: DemoPatient) -> tuple[str, AgeWindow] | None:
    """The certificate a child's story says they are in the demo for, with its window."""
    named = re.findall(r"\bCS(?:8|9|24)\b", person.story)
    if not named:
        return None
    [name] = named
    window = document_age_window(CERTIFICATES[name])
    assert window is not None
    return name, window


def test_the_dataset_is_built_for_the_pinned_day(day: date) -> None:
    data = demo_dataset()
    assert data.reference_date == day
    assert data == demo_dataset(today=day)


def test_every_age_fits_the_role_and_does_not_depend_on_the_day(day: date) -> None:
    data = demo_dataset(extra_patients=EXTRA)
    other = demo_dataset(today=date(2026, 3, 15), extra_patients=EXTRA)
    certificates: dict[str, list[str]] = {}
    for person, same in zip(data.patients, other.patients, strict=True):
        assert person.key == same.key
        assert person.birth_date <= day, person.key
        assert person.age_label == age_label(person.birth_date, day), person.key
        assert person.age_label == same.age_label, person.key  # the cast's ages hold every day
        if person.is_minor:
            assert _completed_years(person.birth_date, day) < ADULT_YEARS, person.key
            exams = [e for e in child_exams() if e.window.contains(person.birth_date, day)]
            assert exams, f"{person.key} ({person.age_label}) is at no compulsory exam's age"
            found = _certificate(person)
            if found is not None:
                name, window = found
                assert window.contains(person.birth_date, day), (person.key, name)
                certificates.setdefault(name, []).append(person.key)
        else:
            years = _completed_years(person.birth_date, day)
            assert years >= ADULT_YEARS, person.key
            assert years == _completed_years(same.birth_date, other.reference_date), person.key
    # each certificate has its child in the cast, the newborn first
    assert sorted(certificates) == sorted(CERTIFICATES)
    newborn = data.children()[0]
    assert certificates["CS8"] == [newborn.key]
    assert (day - newborn.birth_date).days == 7  # certificat du 8e jour: seen at 7 days


def test_every_ins_is_a_valid_test_nir_agreeing_with_the_birth_date(day: date) -> None:
    data = demo_dataset(extra_patients=EXTRA)
    nirs = [p.nir for p in data.patients]
    assert len(set(nirs)) == len(nirs)
    for person in data.patients:
        ins = check_ins(person.nir, person.ins_oid)  # the key is right
        traits = IdentityTraits(
            birth_family_name=person.birth_family_name,
            birth_given_names=person.birth_given_names,
            first_given_name=person.first_given_name,
            sex=person.sex,
            birth_date=person.birth_date,
            birthplace_cog=person.birthplace_cog,
        )
        assert traits_discrepancies(ins, traits) == [], (day, person.key)
        assert person.nir[1:5] == person.birth_date.strftime("%y%m"), person.key


def test_leap_day_births_are_real_dates() -> None:
    # built on a leap day, a year later and four years later: the birth dates a year or
    # more back cannot be a 29 February of a common year (date() would refuse it), and
    # the children keep their ages
    for built_on in (date(2028, 2, 29), date(2029, 2, 28), date(2032, 2, 29)):
        with time_machine.travel(datetime(*built_on.timetuple()[:3], 12, tzinfo=UTC)):
            data = demo_dataset(extra_patients=EXTRA)
        for person in data.patients:
            assert date.fromisoformat(person.birth_date.isoformat()) == person.birth_date
            assert person.birth_date <= built_on
        assert [p.age_label for p in data.children()] == [
            p.age_label for p in demo_dataset(today=date(2026, 3, 15)).children()
        ]


def _qualified(local: Patient) -> bool:
    """Whether the INS may be written in a document and shared (status QUAL, INS known)."""
    return local.identity_status == "QUAL" and bool(local.ins_matricule)


def _stored(session: Session, person: DemoPatient) -> Patient:
    found = session.scalar(select(Patient).where(Patient.local_id == person.local_id))
    assert found is not None, person.key
    return found


def test_inbox_and_feeding_expectations_hold(day: date, session: Session) -> None:
    data = demo_dataset()
    load_demo(session, data)
    session.commit()
    for person in data.patients:
        local = _stored(session, person)
        assert local.birth_date == person.birth_date
        assert local.ins_matricule == person.recorded_ins
        # the inbox matches a received document to the local record by its (qualified) INS,
        # then checks the birth date and the birth name: an example about the person passes
        carried = read_document(example_document("vsm", patient=person.key, dataset=data).xml)
        if _qualified(local):  # only a qualified INS is written in a document
            assert carried.patient.ins_matricule == local.ins_matricule
        assert carried.patient.birth_date == local.birth_date, person.key
        assert ins_name(carried.patient.birth_family_name) == ins_name(local.birth_family_name)

    # the children's certificates are validated today by the demo GP
    gp = data.practitioner("generaliste")
    doctor = acting(session.scalars(select(Practitioner).filter_by(rpps=gp.rpps)).one())
    validated = 0
    for person in data.children():
        found = _certificate(person)
        if found is None:
            continue
        name, _ = found
        built = example_document(name.lower(), patient=person.key, dataset=data)
        local = _stored(session, person)
        done = validate_document(
            session, built.xml, patient_id=local.id, actor=doctor, send_mss=False
        )
        assert done.document.unique_id == str(built.document_id), person.key
        kinds = [o.kind for o in done.orders]
        # every certificate feeds the DMP (CS8 too, per the catalogue); for an INS not
        # qualified yet the order waits, held with the reason, until it is
        assert kinds == ["dmp_submit"], (person.key, kinds)
        order = done.orders[0]
        assert (order.state == "blocked") != _qualified(local), (person.key, order.state)
        validated += 1
    session.commit()
    assert validated == len(CERTIFICATES)
