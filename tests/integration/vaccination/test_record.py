"""The vaccination record on SQLite and PostgreSQL (issue 15): the box scanned at the
12-month visit gives a VAC-NOTE prefilled from the record, valid against the ANS kit,
stored with its DMP order and recorded with its provenance; the history and the
schedule count it; a received note is compiled; the next vaccines are prescribed (N1,
valid against the kit). The clock is pinned to the visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda.build.ages import add_period
from esante.cda.read import read_document
from esante.cda.validate import Validator
from esante.practice.access import AccessDeniedError
from esante.practice.actors import ROLE_APIKEY, Actor
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination import (
    build_note,
    compile_received_notes,
    load_catalogue,
    prefill_vac_note,
    prescribe_next_vaccines,
    provenance_label,
    record_past_vaccination,
    scan_text,
    vaccination_history,
    vaccination_plan,
    validate_vac_note,
)
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.history import VAC_NOTE_TYPE
from esante.practice.vaccination.notes import VacNoteDraft
from esante.practice.vaccination.prescription import PRESCRIPTION_TYPE
from esante.practice.vaccination.scan import GS
from esante.store import AuditRecord, Document, SendOrder
from esante.store.vaccination_models import Vaccination
from tests.integration.vaccination.conftest import BIRTH, VISIT, World

BEXSERO = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
LOT, SERIAL, EXPIRY = "AMBX2417C", "9XK2P4Q7T1", date(2028, 5, 31)
SCANNED = f"]d201{BEXSERO.gtin}17{EXPIRY:%y%m%d}10{LOT}{GS}21{SERIAL}"
TODAY = VISIT.date()


def _scan() -> object:
    return scan_text(SCANNED, today=TODAY)


def _prefill(session: Session, world: World, raw: str = SCANNED) -> VacNoteDraft:
    result = scan_text(raw, today=TODAY, session=session)
    assert result.vaccine is not None
    return prefill_vac_note(session, world.actor, world.child.id, result.vaccine, scan=result)


@time_machine.travel(VISIT, tick=False)
def test_scan_prefill_validate_at_the_12_month_visit(
    session: Session, world: World, kit: Validator
) -> None:
    draft = _prefill(session, world)
    assert (draft.patient_id, draft.author_id) == (world.child.id, world.doctor.id)
    assert draft.administered_on == TODAY
    assert (draft.cis, draft.atc) == (BEXSERO.vaccine.cis, BEXSERO.vaccine.atc)
    assert (draft.gtin, draft.lot, draft.expiry, draft.serial) == (
        BEXSERO.gtin,
        LOT,
        EXPIRY,
        SERIAL,
    )
    # route and site for a child under 2 years: intramuscular, thigh
    assert draft.route_code == "20035000"
    assert draft.site_label is not None
    assert "cuisse" in draft.site_label
    # no MenB in the record at 12 months: catch-up scheme 12-23 months, first dose
    assert (draft.dose_rank, draft.booster) == (1, False)
    session.commit()

    done = validate_vac_note(session, world.actor, draft, kit=kit)
    session.commit()
    document = done.validated.document
    assert document.type_code == VAC_NOTE_TYPE
    assert document.provenance == "produced"
    assert [o.kind for o in done.validated.orders] == ["dmp_submit"]
    row = session.get(Vaccination, done.vaccination.id)
    assert row is not None
    assert (row.source, row.document_id, row.lot, row.cis) == (
        "local",
        document.id,
        LOT,
        BEXSERO.vaccine.cis,
    )
    assert provenance_label(row) == "administré au cabinet par Hervé Carré"
    # the stored note is the one the kit accepted; it says what was scanned
    received = read_document(document.content)
    assert received.model == "VAC-NOTE"
    assert kit.validate(document.content, dmp=True).ok
    xml = document.content.decode()
    assert LOT in xml
    assert BEXSERO.cip13 in xml


@time_machine.travel(VISIT, tick=False)
def test_dose_rank_and_site_follow_the_history(session: Session, world: World) -> None:
    first_day = add_period(BIRTH, "P3M")
    session.add(
        Vaccination(
            patient_id=world.child.id,
            administered_on=first_day,
            vaccine_name="BEXSERO",
            cis=BEXSERO.vaccine.cis,
            atc=BEXSERO.vaccine.atc,
            valences="MenB",
            source="local",
        )
    )
    session.add(
        Vaccination(
            patient_id=world.child.id,
            administered_on=add_period(BIRTH, "P5M"),
            vaccine_name="BEXSERO",
            valences="MenB",
            atc=BEXSERO.vaccine.atc,
            source="local",
        )
    )
    # an injection already given today: the next one goes to the other thigh
    session.add(
        Vaccination(
            patient_id=world.child.id,
            administered_on=TODAY,
            vaccine_name="PRIORIX",
            valences="ROR",
            site_code="11207009",
            source="local",
        )
    )
    session.commit()
    draft = _prefill(session, world)
    assert (draft.dose_rank, draft.booster) == (3, True)
    first_site = prefill_vac_note(
        session,
        world.actor,
        world.child.id,
        BEXSERO.vaccine,
        on=add_period(BIRTH, "P5M") + timedelta(days=1),
    ).site_code
    assert draft.site_code != first_site


@time_machine.travel(VISIT, tick=False)
def test_a_dose_given_too_early_is_flagged(session: Session, world: World) -> None:
    session.add(
        Vaccination(
            patient_id=world.child.id,
            administered_on=TODAY - timedelta(days=20),
            vaccine_name="BEXSERO",
            valences="MenB",
            source="local",
        )
    )
    session.commit()
    draft = _prefill(session, world)
    assert draft.dose_rank == 2
    assert any("prévue à partir du" in w for w in draft.warnings)


@time_machine.travel(VISIT, tick=False)
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expiry": TODAY - timedelta(days=1)}, "expiry"),
        ({"lot": None}, "lot"),
        ({"administered_on": TODAY + timedelta(days=1)}, "administered_on"),
        ({"cis": None}, "vaccine"),
    ],
    ids=["expired", "no-lot", "future", "no-cis"],
)
def test_a_wrong_note_is_refused_naming_the_field(
    session: Session, world: World, change: dict[str, object], field: str
) -> None:
    draft = replace(_prefill(session, world), **change)  # type: ignore[arg-type]
    with pytest.raises(PracticeValidationError) as caught:
        validate_vac_note(session, world.actor, draft)
    assert caught.value.field == field
    session.rollback()
    assert session.scalars(select(Vaccination)).all() == []
    assert session.scalars(select(Document)).all() == []


@time_machine.travel(VISIT, tick=False)
def test_a_received_note_is_compiled_into_the_history(session: Session, world: World) -> None:
    given = add_period(BIRTH, "P2M")
    draft = replace(
        _prefill(session, world),
        administered_on=given,
        expiry=EXPIRY,
        vaccine_name="INFANRIX HEXA",
        cis="62966063",
        atc="J07CA09",
        atc_label="DTCaP-Hib-HepB",
        valences=("D", "T", "Ca", "P", "Hib", "HepB"),
        cip13=None,
        dose_rank=1,
    )
    note = build_note(session, draft, now=VISIT - timedelta(days=300))
    session.add(
        Document(
            patient_id=world.child.id,
            unique_id=note.document_id.root,
            set_id=note.set_id.root,
            type_code=VAC_NOTE_TYPE,
            type_code_system="2.16.840.1.113883.6.1",
            level="N3",
            title=note.title,
            effective_time=VISIT - timedelta(days=300),
            content=note.xml,
            content_sha256="0" * 64,
            size=len(note.xml),
            provenance="dmp",
            source_author="Dr Anne Martin",
        )
    )
    session.commit()
    before = session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()))
    rows = vaccination_history(session, world.actor, world.child.id)
    session.commit()
    [row] = rows
    assert (row.source, row.administered_on, row.cis, row.dose_rank) == (
        "dmp",
        given,
        "62966063",
        1,
    )
    assert row.lot == draft.lot
    assert set(row.valences.split()) == {"D", "T", "Ca", "P", "Hib", "HepB"}
    assert provenance_label(row).startswith("importé du DMP")
    assert compile_received_notes(session, world.child.id) == 0  # once only
    traced = session.scalars(select(AuditRecord).where(AuditRecord.id > (before or 0))).all()
    assert [(t.action, t.outcome) for t in traced] == [("patients:read", "success")]
    # the schedule counts it: the hexavalent series is at its second dose
    plan = vaccination_plan(session, world.actor, world.child.id)
    dtcap = next(s for s in plan.series if s.series == "DTCaP")
    assert dtcap.given == (given,)
    assert dtcap.next is not None
    assert dtcap.next.rank == 2


@time_machine.travel(VISIT, tick=False)
def test_prescription_of_the_next_vaccines(session: Session, world: World, kit: Validator) -> None:
    validated, lines = prescribe_next_vaccines(session, world.actor, world.child.id, kit=kit)
    session.commit()
    document = validated.document
    assert (document.type_code, document.level) == (PRESCRIPTION_TYPE.code, "N1")
    assert kit.validate(document.content, dmp=True).ok
    assert [o.kind for o in validated.orders] == ["dmp_submit"]
    plan = vaccination_plan(session, world.actor, world.child.id)
    prescribed = {d.series for line in lines for d in line.doses}
    assert prescribed == {d.series for d in plan.next_visit}
    catalogue = load_catalogue(session)
    for line in lines:
        assert line.products == catalogue.covering(line.antigens)
        assert line.products


def test_an_actor_without_the_right_is_refused_and_traced(session: Session, world: World) -> None:
    key = Actor(
        kind="apikey",
        actor_id="esk_test",
        name="Intégrateur",
        role=ROLE_APIKEY,
        structure_id=world.structure.id,
        scopes=frozenset(),
        origin="test",
    )
    with pytest.raises(AccessDeniedError):
        vaccination_history(session, key, world.child.id)
    refused = session.scalars(select(AuditRecord).where(AuditRecord.outcome == "refused")).all()
    assert [r.action for r in refused] == ["patients:read"]


def test_orders_are_created_for_the_dmp_only(
    session: Session, world: World, kit: Validator
) -> None:
    with time_machine.travel(VISIT, tick=False):
        draft = _prefill(session, world)
        validate_vac_note(session, world.actor, draft, kit=kit, now=datetime.now(UTC))
        session.commit()
    kinds = session.scalars(select(SendOrder.kind)).all()
    assert kinds == ["dmp_submit"]


@pytest.mark.parametrize(
    ("birth", "due"),
    [
        (date(2026, 10, 7), {"DTCaP", "Hib", "HepB", "Pn"}),  # 2 months today
        (date(2026, 9, 7), {"MenB"}),  # 3 months, the 2-month doses given
        (date(2025, 12, 7), {"MenB", "MenACWY", "ROR"}),  # 12 months, on time until 11
    ],
    ids=["2-months", "3-months", "12-months"],
)
def test_the_plan_of_the_day_follows_the_pinned_clock(
    session: Session, world: World, birth: date, due: set[str]
) -> None:
    """No date given: the plan is the one of today (Paris), here the pinned visit day."""
    world.child.birth_date = birth
    infant = [("P2M", "D T Ca P Hib HepB"), ("P2M", "Pn"), ("P3M", "MenB"),
              ("P4M", "D T Ca P Hib HepB"), ("P4M", "Pn"), ("P5M", "MenB"), ("P6M", "MenACWY"),
              ("P11M", "D T Ca P Hib HepB"), ("P11M", "Pn")]  # fmt: skip
    for age, valences in infant:
        day = add_period(birth, age)
        if day < TODAY:
            session.add(
                Vaccination(
                    patient_id=world.child.id,
                    administered_on=day,
                    vaccine_name=valences,
                    valences=valences,
                    source="local",
                )
            )
    session.commit()
    with time_machine.travel(VISIT, tick=False):
        plan = vaccination_plan(session, world.actor, world.child.id)
    assert plan.on == TODAY
    assert {d.series for d in plan.due} == due
    assert not plan.overdue


@time_machine.travel(VISIT, tick=False)
def test_a_vaccination_copied_from_the_paper_carnet_counts(session: Session, world: World) -> None:
    hexa = next(x for x in packaged().vaccines if x.key == "infanrix-hexa")
    given = add_period(BIRTH, "P2M")
    row = record_past_vaccination(session, world.actor, world.child.id, hexa, given, lot="A21CE")
    session.commit()
    assert (row.source, row.administered_on, row.cis) == ("carnet", given, hexa.cis)
    assert provenance_label(row) == f"recopié du carnet de santé le {TODAY:%d/%m/%Y}"
    plan = vaccination_plan(session, world.actor, world.child.id)
    hib = next(s for s in plan.series if s.series == "Hib")
    assert hib.given == (given,)
    with pytest.raises(PracticeValidationError) as twice:
        record_past_vaccination(session, world.actor, world.child.id, hexa, given, lot="A21CE")
    assert twice.value.field == "administered_on"
    with pytest.raises(PracticeValidationError) as before_birth:
        record_past_vaccination(
            session, world.actor, world.child.id, hexa, BIRTH - timedelta(days=1)
        )
    assert before_birth.value.field == "administered_on"
    updates = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "patients:update")
    ).all()
    assert len(updates) == 1
