"""Every example TYPE × every demo person, at several dates: who gets a document, and
whether what it says is plausible for that person's age.

Shared by the fast unit test (:mod:`tests.unit.cda.test_examples_every_person`) and the
kit test (:mod:`tests.integration.cda_validate.test_examples_every_person`). What applies
to whom and what is plausible is read from esante's data — the age windows of the child
exams and certificates, the vaccination schedule — never from a list of names; a few
clinical facts that hold whatever the data (no deltoid injection in the first year, no
measles vaccine before 12 months, no date before birth) are asserted on top.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.build import child_exams, document_age_window
from esante.cda.build.ages import add_period, completed_months
from esante.cda.build.document import BuiltDocument
from esante.cda.errors import CdaBuildError
from esante.cda.examples import EXAMPLE_TYPES, example_document
from esante.cda.examples.vaccination import due_doses, schedule
from esante.demo import DemoDataset, DemoPatient, demo_dataset

NS = {"h": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
# a leap day, a 31st, 1 January, and a 31st whose month has fewer days a month earlier
DATES = (date(2028, 2, 29), date(2027, 12, 31), date(2028, 1, 1), date(2027, 3, 31))
MODELS = {"cs8": "CSE-CS8", "cs9": "CSE-CS9", "cs24": "CSE-CS24", "mde": "CSE-MDE"}
MEASLES = "J07BD52"


@dataclass(frozen=True)
class Case:
    kind: str
    person: DemoPatient
    data: DemoDataset

    @property
    def day(self) -> date:
        return self.data.reference_date

    @property
    def id(self) -> str:
        return f"{self.day.isoformat()}-{self.kind}-{self.person.key}"


def cases(day: date) -> Iterator[Case]:
    data = demo_dataset(today=day)
    for kind in (t.name for t in EXAMPLE_TYPES):
        for person in data.patients:
            yield Case(kind, person, data)


def expected_refusal(case: Case) -> str | None:
    """The words of the refusal the data calls for, None when the type applies."""
    birth, day = case.person.birth_date, case.day
    if case.kind in MODELS:
        window = document_age_window(MODELS[case.kind])
        assert window is not None
        return None if window.contains(birth, day) else f"concerne un enfant {window.label}"
    if case.kind == "cr-examen-enfant":
        if any(e.window.contains(birth, day) for e in child_exams()):
            return None
        return "Aucun des 20 examens obligatoires de l'enfant"
    if case.kind == "vac-note":
        if any(d.product for d in due_doses(birth, day)):
            return None
        return "Aucune vaccination du calendrier des vaccinations 2025"
    return None


def build(case: Case) -> BuiltDocument | CdaBuildError:
    try:
        return example_document(case.kind, patient=case.person.key, dataset=case.data)
    except CdaBuildError as exc:
        return exc


def check_refusal(case: Case, outcome: BuiltDocument | CdaBuildError) -> BuiltDocument | None:
    """Assert the outcome is the one the data calls for; the document when one is due."""
    words = expected_refusal(case)
    if words is None:
        assert isinstance(outcome, BuiltDocument), f"{case.id}: {outcome}"
        return outcome
    assert isinstance(outcome, CdaBuildError), f"{case.id}: written, expected a refusal"
    assert words in outcome.message, outcome.message
    assert outcome.field == "patient"
    return None


def _ts(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def _site_codes(birth: date, on: date) -> set[str]:
    return {s.code for w, sites in schedule().sites if w.contains(birth, on) for s in sites}


def _check_site(sbadm: etree._Element, birth: date, on: date) -> None:
    site = sbadm.find("h:approachSiteCode", NS)
    if site is None:
        return
    assert site.get("code") in _site_codes(birth, on)
    months = completed_months(birth, on)
    if months < 12:
        assert "cuisse" in site.get("displayName", "")  # anterolateral thigh for an infant
    if months >= 36:
        assert "deltoïde" in site.get("displayName", "")


def _rank(sbadm: etree._Element) -> int | None:
    values = sbadm.xpath(".//h:observation[h:code/@code='30973-2']/h:value/@value", namespaces=NS)
    return int(values[0]) if values else None


def _atc(sbadm: etree._Element) -> str:
    code = sbadm.find(".//h:manufacturedMaterial/h:code", NS)
    if code.get("codeSystem") == v.ATC:
        return str(code.get("code"))
    (atc,) = [
        t.get("code") for t in code.findall("h:translation", NS) if t.get("codeSystem") == v.ATC
    ]
    return str(atc)


def check_vac_note(case: Case, root: etree._Element) -> None:
    birth = case.person.birth_date
    (sbadm,) = root.findall(".//h:substanceAdministration", NS)
    on = _ts(sbadm.find("h:effectiveTime", NS).get("value"))
    doses = [d for d in due_doses(birth, on) if d.product]
    dose = doses[0]
    assert dose.product is not None
    assert dose.window.contains(birth, on)  # age-appropriate
    code = sbadm.find(".//h:manufacturedMaterial/h:code", NS)
    assert (code.get("code"), code.get("codeSystem")) == (dose.product.cis, v.CIS)
    assert _atc(sbadm) == dose.product.atc.code
    assert _rank(sbadm) == dose.rank
    assert sbadm.find("h:code", NS).get("code") == ("BOOSTER" if dose.booster else "INITIMMUNIZ")
    assert sbadm.find("h:routeCode", NS).get("code") == "20035000"
    _check_site(sbadm, birth, on)
    if _atc(sbadm) == MEASLES:
        assert completed_months(birth, on) >= 12


def check_certificate_history(case: Case, root: etree._Element) -> None:
    """Each vaccine given before the exam is a dose of the schedule given at its age."""
    birth = case.person.birth_date
    given = root.xpath(".//h:substanceAdministration[@negationInd='false']", namespaces=NS)
    for sbadm in given:
        on = _ts(sbadm.find("h:effectiveTime", NS).get("value"))
        assert birth <= on <= case.day
        atc, rank = _atc(sbadm), _rank(sbadm)
        assert any(
            atc in {a.code for a in d.antigens}
            and add_period(birth, d.age) == on
            and d.rank == rank
            for d in schedule().doses
        ), (case.id, atc, on, rank)
        _check_site(sbadm, birth, on)
        if atc == MEASLES:
            assert completed_months(birth, on) >= 12


def check_measurements(root: etree._Element) -> None:
    """Weight, height and BMI of a child agree and stay within physiological ranges."""
    values: dict[str, Decimal] = {}
    for obs in root.xpath(".//h:organizer/h:component/h:observation", namespaces=NS):
        code = obs.find("h:code", NS).get("code")
        if code in ("29463-7", "8302-2", "39156-5"):
            values[code] = Decimal(obs.find("h:value", NS).get("value"))
    if "39156-5" not in values:
        return
    kg, metres = values["29463-7"] / 1000, values["8302-2"] / 100
    assert abs(kg / metres**2 - values["39156-5"]) < Decimal("0.2")
    assert Decimal(11) <= values["39156-5"] <= Decimal(25)


def check_no_date_before_birth(case: Case, root: etree._Element) -> None:
    body = root.find(".//h:structuredBody", NS)
    if body is None:
        return
    birth = case.person.birth_date
    times = ".//h:effectiveTime/@value | .//h:effectiveTime/h:low/@value"
    for value in body.xpath(f"{times} | .//h:effectiveTime/h:high/@value", namespaces=NS):
        assert _ts(value) >= birth, (case.id, value)


def check_plausible(case: Case, document: BuiltDocument) -> None:
    root = etree.fromstring(document.xml)
    check_no_date_before_birth(case, root)
    if case.kind == "vac-note":
        check_vac_note(case, root)
    if case.kind in ("cs9", "cs24"):
        check_certificate_history(case, root)
    if case.kind in ("cs8", "cs9", "cs24", "mde"):
        check_measurements(root)
