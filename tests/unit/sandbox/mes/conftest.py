"""A DMP sandbox with a life behind it, and an in-process client on the patient page.

The database (SQLite, migrated once per module) holds, built through the DMP sandbox's
own service and admin calls:

* Claire N'DIAYE (demo ``claire``): DMP open, médecin traitant DMP the demo GP. The GP
  feeds a vaccination note (tetanus booster), a second one (MMR, two doses), a VSM then
  its replacement (masked to professionals afterwards), an N1 consultation report
  (archived afterwards), a document deleted afterwards, and a vaccination note hidden
  from the patient; Claire deposits a document of her own. Accesses: the GP reads the
  tetanus note, a cardiologist breaks the glass (search + read), a nurse with no
  authorization is refused, an emergency physician reads in centre 15 mode.
* Lola N'DIAYE (demo ``lola``, a baby): a « Mesures de l'enfant » from the pediatrician.
* Robert (demo ``robert``): DMP closed and not attached to Mon espace santé.

Pages are requested with httpx over ``ASGITransport`` (Starlette's TestClient warns,
which the suite turns into an error).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from esante.cda import (
    BuiltDocument,
    Code,
    Immunization,
    VacNoteContent,
    build_vac_note,
    read_document,
)
from esante.cda import vocabulary as v
from esante.cda.examples import example_document
from esante.cda.examples.people import professional
from esante.demo import DemoDataset, DemoPractitioner, demo_dataset
from esante.sandbox.dmp import (
    Actor,
    AuthorInfo,
    CodedValue,
    DmpAdmin,
    DmpRefusal,
    DmpService,
    NewDocument,
    NewSubmission,
    PatientIns,
    make_engine,
    session_factory,
    upgrade,
)
from esante.sandbox.mes import create_mes_app
from esante.trust.vocabulary import AccessMode, AuthenticationMode

FORMAT_SCHEME = "1.3.6.1.4.1.19376.1.2.3"
CLASS_SCHEME = "1.2.250.1.213.1.1.4.1"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris (winter time)
SUMMER = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)  # 14:00 in Paris (summer time)
HIDDEN_TITLE = "Note vaccinale confidentielle"
HIDDEN_LOT = "LOTSECRET42"
HIDDEN_VACCINE = "VACCIN CONFIDENTIEL ZZZ"
DELETED_TITLE = "Synthèse saisie par erreur"
SCRIPT_TITLE = "<script>alert('x')</script> mon ordonnance"
BDG_ACTOR_NAME = "Jérémie MERCIER"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 5) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class Sandbox:
    """What the tests need to know of the scenario."""

    sessions: sessionmaker[Session]
    data: DemoDataset
    claire: PatientIns
    lola: PatientIns
    robert: PatientIns
    gp: Actor
    cardiologist: Actor
    ids: dict[str, str] = field(default_factory=dict)
    """Document uniqueIds by role: tetanus, mmr, vsm_old, vsm, n1, deleted, hidden, own."""


def actor(person: DemoPractitioner, data: DemoDataset) -> Actor:
    return Actor(
        id_nat_ps=person.id_nat_ps,
        authentication_mode=AuthenticationMode.DIRECTE,
        structure_id=data.structure(person.structure_key).id_nat_struct,
        profession=person.profession_code,
        specialty=person.specialty_code,
        family_name=person.family_name.upper(),
        given_name=person.given_name,
    )


def new_document(
    built: BuiltDocument,
    author: Actor,
    *,
    created: datetime,
    title: str | None = None,
    class_code: str = "11",
    **kw: object,
) -> NewDocument:
    content = built.xml
    return NewDocument(
        entry_uuid="Document01",
        unique_id=built.document_id.root,
        content=content,
        mime_type="text/xml",
        class_code=CodedValue(class_code, CLASS_SCHEME, "Classe"),
        type_code=CodedValue(
            built.type_code.code, built.type_code.code_system, built.type_code.display or ""
        ),
        format_code=CodedValue(built.format_code, FORMAT_SCHEME),
        creation_time=created,
        title=title or built.title,
        authors=(
            AuthorInfo(
                id_nat_ps=author.id_nat_ps,
                family_name=author.family_name,
                given_name=author.given_name,
                specialty=f"G15_{author.profession}/{author.specialty}"
                if author.specialty
                else f"G15_{author.profession}",
                structure_id=author.structure_id,
            ),
        ),
        hash=hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        size=len(content),
        **kw,  # type: ignore[arg-type]
    )


def submit(service: DmpService, author: Actor, patient: PatientIns, document: NewDocument) -> str:
    receipt = service.submit(
        author,
        NewSubmission(
            patient=patient,
            entry_uuid="SubmissionSet01",
            unique_id=f"{document.unique_id}.1",
            source_id="1.2.250.1.999.1",
            documents=(document,),
        ),
    )
    return receipt.documents[0].entry_uuid


def vaccine(cis: str, label: str, atc: str, atc_label: str) -> Code:
    return Code(cis, v.CIS, label, "CIS", translations=(Code(atc, v.ATC, atc_label, "ATC"),))


def second_note(
    template: BuiltDocument, data: DemoDataset, immunizations: tuple[Immunization, ...]
) -> BuiltDocument:
    """Another VAC-NOTE with the header of ``template`` (a fresh document id)."""
    header = read_document(template.xml).header()
    return build_vac_note(header, VacNoteContent(immunizations))


def _scenario(sessions: sessionmaker[Session]) -> Sandbox:
    data = demo_dataset()
    clock = Clock()
    claire_p, lola_p, robert_p = (data.patient(k) for k in ("claire", "lola", "robert"))
    box = Sandbox(
        sessions=sessions,
        data=data,
        claire=PatientIns(claire_p.nir, claire_p.ins_oid),
        lola=PatientIns(lola_p.nir, lola_p.ins_oid),
        robert=PatientIns(robert_p.nir, robert_p.ins_oid),
        gp=actor(data.practitioner("generaliste"), data),
        cardiologist=actor(data.practitioner("cardiologue"), data),
    )
    gp, cardio = box.gp, box.cardiologist
    nurse = actor(data.practitioner("infirmier"), data)
    pediatrician = actor(data.practitioner("pediatre"), data)
    emergency = actor(data.practitioner("generaliste-2"), data)
    performer = professional(data, "generaliste")
    with sessions() as session:
        admin = DmpAdmin(session, clock=clock)
        service = DmpService(session, clock=clock)
        admin.create_dmp(box.claire, family_name="N'DIAYE", given_name="Claire", sex="F")
        admin.declare_treating_physician(box.claire, gp.id_nat_ps)
        admin.create_dmp(box.lola, family_name="N'DIAYE", given_name="Lola", sex="F")
        admin.set_authorization(box.lola, pediatrician.id_nat_ps)
        admin.create_dmp(
            box.robert, family_name="LEROY", given_name="Robert", attached_to_mes=False
        )
        admin.close_dmp(box.robert)

        tetanus = example_document("vac-note", patient="claire")
        box.ids["tetanus"] = tetanus.document_id.root
        submit(service, gp, box.claire, new_document(tetanus, gp, created=START, class_code="52"))
        mmr = vaccine(
            "60478346", "M-M-RVAXPRO, poudre et solvant", "J07BD52", "rougeole, oreillons, rubéole"
        )
        mmr_note = second_note(
            tetanus,
            data,
            (
                Immunization(mmr, date(1994, 3, 2), lot="MMR-B", dose_rank=2, performer=performer),
                Immunization(mmr, date(1993, 6, 20), lot="MMR-A", dose_rank=1, performer=performer),
                Immunization(mmr, date(2025, 2, 1), performer=performer, given=False),
            ),
        )
        box.ids["mmr"] = mmr_note.document_id.root
        clock.tick()
        submit(service, gp, box.claire, new_document(mmr_note, gp, created=START, class_code="52"))

        vsm_old = example_document("vsm", patient="claire")
        box.ids["vsm_old"] = vsm_old.document_id.root
        clock.tick()
        old_entry = submit(
            service, gp, box.claire, new_document(vsm_old, gp, created=START - timedelta(days=30))
        )
        vsm = example_document("vsm", patient="claire")
        box.ids["vsm"] = vsm.document_id.root
        clock.tick()
        vsm_entry = submit(
            service, gp, box.claire, new_document(vsm, gp, created=START, replaces=old_entry)
        )
        clock.tick()
        service.mask(gp, box.claire, vsm_entry)

        n1 = example_document("n1", patient="claire")
        box.ids["n1"] = n1.document_id.root
        clock.tick()
        n1_entry = submit(
            service,
            gp,
            box.claire,
            new_document(n1, gp, created=START - timedelta(days=60), class_code="10"),
        )
        clock.tick()
        service.archive(gp, box.claire, n1_entry)

        wrong = example_document("vsm", patient="claire")
        box.ids["deleted"] = wrong.document_id.root
        clock.tick()
        wrong_entry = submit(
            service, gp, box.claire, new_document(wrong, gp, created=START, title=DELETED_TITLE)
        )
        clock.tick()
        service.delete(gp, box.claire, wrong_entry)

        secret = second_note(
            tetanus,
            data,
            (
                Immunization(
                    vaccine("69999999", HIDDEN_VACCINE, "J07AN", "vaccins de la tuberculose"),
                    date(2025, 2, 20),
                    lot=HIDDEN_LOT,
                    dose_rank=1,
                    performer=performer,
                ),
            ),
        )
        box.ids["hidden"] = secret.document_id.root
        clock.tick()
        submit(
            service,
            gp,
            box.claire,
            new_document(
                secret,
                gp,
                created=START,
                title=HIDDEN_TITLE,
                class_code="52",
                invisible_to_patient=True,
            ),
        )

        own = example_document("vsm", patient="claire")
        box.ids["own"] = own.document_id.root
        admin.add_patient_document(
            box.claire,
            new_document(own, gp, created=START, title=SCRIPT_TITLE, class_code="90"),
        )

        # accesses
        clock.tick()
        service.retrieve(gp, box.claire, box.ids["tetanus"])
        clock.now = SUMMER
        service.find_documents(cardio, box.claire, access_mode=AccessMode.BRIS_DE_GLACE)
        clock.tick()
        service.retrieve(cardio, box.claire, box.ids["mmr"], access_mode=AccessMode.BRIS_DE_GLACE)
        clock.tick()
        with contextlib.suppress(DmpRefusal):
            service.retrieve(nurse, box.claire, box.ids["tetanus"])
        clock.tick()
        service.retrieve(emergency, box.claire, box.ids["hidden"], access_mode=AccessMode.CENTRE_15)

        mde = example_document("mde", patient="lola")
        box.ids["mde"] = mde.document_id.root
        submit(
            service,
            pediatrician,
            box.lola,
            new_document(mde, pediatrician, created=START, class_code="10"),
        )
    return box


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    path = tmp_path_factory.mktemp("mes") / "dmp.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    box = _scenario(session_factory(engine))
    yield box
    engine.dispose()


class PageClient:
    """GET requests on the app through httpx's ASGI transport."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def get(self, url: str) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mes.test") as client:
                return await client.get(url)

        return asyncio.run(call())


@pytest.fixture(scope="package")
def client(sandbox: Sandbox) -> PageClient:
    return PageClient(create_mes_app(sandbox.sessions, clock=lambda: SUMMER + timedelta(hours=1)))
