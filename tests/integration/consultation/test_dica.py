"""The DICA status and the counters of the Mon espace santé bar (issue 13 items 1-2),
against the sandbox DMP over mutual TLS on loopback, on SQLite and PostgreSQL.

Each test opens the DMP of a fresh INS (the sandbox is shared by the module) and a
qualified patient with that INS in the practice database; the demo GP is authorised on
the DMP, has acknowledged the notice and the patient consented, unless the test takes
one of these away to get its KO.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from esante.audit import AuditFilter, iter_entries
from esante.cda.examples import example_document
from esante.cli.dmp import sandbox_client
from esante.demo import demo_dataset
from esante.dmp import DmpClient
from esante.identity import Ins
from esante.practice import acknowledge_notice, load_demo, record_consent
from esante.practice.actors import ROLE_APIKEY, ROLE_SECRETAIRE, Actor
from esante.practice.dica import DicaStatus, dica_status
from esante.practice.dmp_actor import actor_for
from esante.practice.dmp_counters import SnapshotCache, mark_visited
from esante.practice.dmp_sender import DmpCredential
from esante.sandbox.dmp import DmpAdmin, PatientIns
from esante.sandbox.dmp import session_factory as sandbox_sessions
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from esante.store.models import Patient, Practitioner, Structure
from tests.integration.sandbox.world import fresh_ins
from tests.unit.practice.acting import acting

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("dica"),
        seed_demo=False,
        mes=False,
        mss=False,
        annuaire=False,
        psc=False,
        insi=False,
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


@dataclass
class World:
    sessions: sessionmaker[Session]
    sandbox: RunningSandbox
    admin: DmpAdmin
    dmp: DmpCredential
    patient_id: int
    ins: PatientIns
    patient: Ins
    doctor: Actor
    cache: SnapshotCache

    def bar(self, actor: Actor | None = None) -> DicaStatus:
        with self.sessions() as session:
            status = dica_status(
                session, actor or self.doctor, self.patient_id, dmp=self.dmp, cache=self.cache
            )
            session.commit()
            return status

    def dmp_calls(self) -> int:
        return len(self.admin.access_history(self.ins, limit=1000))

    def practitioner(self, key: str) -> Practitioner:
        rpps = demo_dataset().practitioner(key).rpps
        with self.sessions() as session:
            found = session.scalar(select(Practitioner).where(Practitioner.rpps == rpps))
            assert found is not None
            session.expunge(found)
            return found


def _world(
    db_url: str,
    running: RunningSandbox,
    *,
    dmp: bool = True,
    authorised: bool = True,
    notice: bool = True,
    consent: bool = True,
) -> Iterator[World]:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    ins = fresh_ins()
    patient_ins = PatientIns(ins.matricule, ins.oid or "")
    admin = DmpAdmin(sandbox_sessions(running.engine)())
    doctor_data = demo_dataset().practitioner("generaliste")
    with sessions() as session:
        load_demo(session, demo_dataset())
        patient = Patient(
            local_id=f"DICA-{next(_ids)}-{ins.matricule}",
            ins_matricule=ins.matricule,
            ins_oid=ins.oid,
            birth_family_name="TEST",
            birth_given_names="Patient",
            first_given_name="Patient",
            sex="F",
            birth_date=date(1980, 1, 1),
            identity_status="QUAL",
        )
        session.add(patient)
        session.flush()
        doctor = session.scalars(
            select(Practitioner).where(Practitioner.rpps == doctor_data.rpps)
        ).one()
        actor = acting(doctor)
        if notice:
            acknowledge_notice(session, doctor.id)
        if consent:
            record_consent(
                session, patient.id, informed=True, consultation_consent=True, actor=actor
            )
        session.commit()
        patient_id = patient.id
    if dmp:
        admin.create_dmp(
            patient_ins, family_name="TEST", given_name="Patient", internet_account_open=True
        )
        if authorised:
            admin.set_authorization(patient_ins, doctor_data.id_nat_ps)
    client, transport = sandbox_client(running.manifest)
    pki = running.manifest.pki
    try:
        yield World(
            sessions=sessions,
            sandbox=running,
            admin=admin,
            dmp=DmpCredential(client, pki.structure_id, pki.structure_name),
            patient_id=patient_id,
            ins=patient_ins,
            patient=ins,
            doctor=actor,
            cache=SnapshotCache(),
        )
    finally:
        transport.close()
        admin.session.close()
        engine.dispose()


@pytest.fixture
def world(db_url: str, running: RunningSandbox) -> Iterator[World]:
    yield from _world(db_url, running)


def _letters(status: DicaStatus) -> dict[str, bool | None]:
    return {c.letter: c.ok for c in status.conditions}


def test_all_conditions_met(world: World) -> None:
    status = world.bar()
    assert status.ok, status
    assert status.counters is not None
    assert status.counters.total == 0
    assert status.counters.new_label == "0 nouveau document"
    assert status.counters.has_mes is True
    with world.sessions() as session:
        entries = list(iter_entries(session, AuditFilter(action="dmp:bar")))
    assert [(e.outcome, e.actor_id) for e in entries] == [("success", world.doctor.actor_id)]


def test_no_dmp(db_url: str, running: RunningSandbox) -> None:
    for w in _world(db_url, running, dmp=False):
        status = w.bar()
        assert status.d.ok is False
        assert status.d.reason is not None
        assert status.d.reason.startswith("le DMP de votre patient n'est pas accessible")
        assert "n'a pas de DMP" in status.d.reason
        assert status.counters is None


def test_closed_dmp(world: World) -> None:
    world.admin.close_dmp(world.ins)
    status = world.bar()
    assert status.d.ok is False
    assert status.d.reason is not None
    assert "fermé" in status.d.reason
    assert status.counters is None


def test_dmp_not_attached_to_mes(world: World) -> None:
    world.admin.set_attachment(world.ins, False)
    status = world.bar()
    assert status.d.ok is False
    assert status.d.reason == (
        "le DMP de votre patient n'est pas accessible : "
        "son DMP n'est pas rattaché à Mon espace santé"
    )
    assert status.counters is None


def test_provisional_identity_is_not_sent_to_the_dmp(world: World) -> None:
    with world.sessions() as session:
        session.get_one(Patient, world.patient_id).identity_status = "PROV"
        session.commit()
    before = world.dmp_calls()
    status = world.bar()
    assert status.i.ok is False
    assert status.i.reason == "l'identité de votre patient n'est pas qualifiée"
    assert status.i.action == "qualifier_ins"
    assert status.d.ok is None
    assert world.dmp_calls() == before


def test_no_authorisation_on_the_dmp(db_url: str, running: RunningSandbox) -> None:
    for w in _world(db_url, running, authorised=False):
        status = w.bar()
        assert status.d.ok is True
        assert status.c.ok is False
        assert status.c.action == "declarer_autorisation"
        assert status.counters is None


def test_blocked_professional(world: World) -> None:
    world.admin.block(world.ins, world.doctor.actor_id)
    status = world.bar()
    assert status.c.ok is False
    assert status.c.reason == "le patient vous a interdit l'accès à son DMP"
    assert status.c.action is None


def test_opposition(world: World) -> None:
    with world.sessions() as session:
        record_consent(
            session, world.patient_id, informed=True, feeding="opposition", actor=world.doctor
        )
        session.commit()
    status = world.bar()
    assert status.c.ok is False
    assert status.c.reason == "le patient s'oppose à la consultation de son DMP"
    assert status.c.action == "bris_de_glace"  # a médecin may break the glass
    assert status.counters is None


def test_no_consent(db_url: str, running: RunningSandbox) -> None:
    for w in _world(db_url, running, consent=False):
        status = w.bar()
        assert status.c.ok is False
        assert status.c.reason == "le consentement du patient n'est pas enregistré"
        assert status.c.action == "recueillir_consentement"


def test_notice_not_acknowledged(db_url: str, running: RunningSandbox) -> None:
    for w in _world(db_url, running, notice=False):
        status = w.bar()
        assert status.c.ok is False
        assert status.c.action == "prendre_connaissance_avertissement"
        assert status.counters is None


@pytest.mark.parametrize("kind", ["local", "apikey"])
def test_weak_authentication(world: World, kind: str) -> None:
    actor = (
        replace(world.doctor, kind="local")
        if kind == "local"
        else Actor(
            kind="apikey",
            actor_id="apikey:abcd",
            name="Intégrateur",
            role=ROLE_APIKEY,
            structure_id=world.doctor.structure_id,
            scopes=frozenset({"dmp"}),
        )
    )
    before = world.dmp_calls()
    status = world.bar(actor)
    assert status.a.ok is False
    assert status.a.reason is not None
    assert status.a.reason.startswith("vous n'êtes pas connecté avec un moyen d'authentification")
    assert status.a.action == "reconnecter_cps"
    assert world.dmp_calls() == before


@pytest.mark.parametrize("who", ["secretaire", "kine"])
def test_profession_not_allowed_is_refused_and_traced(world: World, who: str) -> None:
    if who == "secretaire":
        actor = Actor(
            kind="local",
            actor_id="secretariat-1",
            name="Secrétariat",
            role=ROLE_SECRETAIRE,
            structure_id=world.doctor.structure_id,
            origin="test",
        )
    else:
        actor = acting(world.practitioner("kine"))
    before = world.dmp_calls()
    status = world.bar(actor)
    assert status.a.ok is False
    assert status.a.reason == "vous n'êtes pas habilité à consulter le DMP de votre patient"
    assert status.counters is None
    assert world.dmp_calls() == before
    with world.sessions() as session:
        entries = list(iter_entries(session, AuditFilter(action="dmp:bar")))
    assert [(e.outcome, e.actor_id) for e in entries] == [("refused", actor.actor_id)]


def test_dmp_outage_is_a_d_ko_not_an_error(world: World) -> None:
    world.admin.set_troubles(down=True)
    world.sandbox.app.forget_troubles()
    try:
        status = world.bar()
    finally:
        world.admin.set_troubles(down=False)
        world.sandbox.app.forget_troubles()
    assert status.d.ok is False
    assert status.d.reason is not None
    assert status.d.reason.startswith("le DMP de votre patient n'est pas accessible")
    assert status.d.action == "reessayer"
    assert status.counters is None


def _feed(world: World, client: DmpClient, key: str, count: int) -> None:
    practitioner = world.practitioner(key)
    world.admin.set_authorization(world.ins, practitioner.id_nat_ps)
    with world.sessions() as session:
        structure = (
            None
            if practitioner.structure_id is None
            else session.get(Structure, practitioner.structure_id)
        )
        dmp_actor = actor_for(
            practitioner,
            structure,
            structure_id=world.dmp.structure_id,
            structure_name=world.dmp.structure_name,
            authentication_mode="directe",
        )
    patient = world.patient
    for _ in range(count):
        built = example_document("vsm", ins=patient.matricule)
        client.submit(patient, built.xml, actor=dmp_actor)


def test_counters_follow_another_professionals_feeding_and_the_visit(world: World) -> None:
    _feed(world, world.dmp.client, "pediatre", 3)
    status = world.bar()
    assert status.counters is not None, status
    assert status.counters.total == 3
    assert status.counters.new == 3
    assert status.counters.new_label == "3 nouveaux documents"
    assert status.counters.vsm_updated_at is not None
    assert status.counters.latest_document_at == status.counters.vsm_updated_at

    # cached: the same answer without asking the DMP again
    before = world.dmp_calls()
    again = world.bar()
    assert again.from_cache
    assert again.counters == status.counters
    assert world.dmp_calls() == before

    # the professional opens the list: nothing new for him afterwards
    with world.sessions() as session:
        mark_visited(session, world.doctor, world.patient_id)
        session.commit()
    world.cache.invalidate(world.patient_id)
    after = world.bar()
    assert not after.from_cache
    assert after.counters is not None
    assert after.counters.total == 3
    assert after.counters.new == 0
    assert after.counters.new_label == "0 nouveau document"
    assert after.counters.last_visit_at is not None


def test_another_professionals_visit_does_not_reset_the_counter(world: World) -> None:
    _feed(world, world.dmp.client, "pediatre", 1)
    other = acting(world.practitioner("generaliste-2"))
    with world.sessions() as session:
        mark_visited(session, other, world.patient_id)
        session.commit()
    status = world.bar()
    assert status.counters is not None
    assert status.counters.new == 1
    assert status.counters.new_label == "1 nouveau document"


def test_a_slow_dmp_is_a_d_ko_after_the_bounded_wait(world: World) -> None:
    world.admin.set_troubles(latency_ms=1500)
    world.sandbox.app.forget_troubles()
    executor = ThreadPoolExecutor(max_workers=3)
    try:
        with world.sessions() as session:
            status = dica_status(
                session,
                world.doctor,
                world.patient_id,
                dmp=world.dmp,
                cache=world.cache,
                timeout=0.2,
                executor=executor,
            )
            session.commit()
        assert status.d.ok is False
        assert status.d.action == "reessayer"
        assert status.counters is None
        # the late answers are not kept: the next bar asks the DMP again
        assert world.cache.get(world.patient_id, world.doctor.actor_id) is None
    finally:
        world.admin.set_troubles(latency_ms=0)
        world.sandbox.app.forget_troubles()
        executor.shutdown(wait=True)  # the late calls end before the transport closes
