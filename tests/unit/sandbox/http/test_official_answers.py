"""The sandbox answers TD0.2, TD2.1 and TD3.1 with the structure of the DMP's own answers.

The real DMP client talks to the sandbox in-process; the raw answers are recorded and
compared with the DMP kit's answers (``dmp-kit/messages/*_reponse.xml``): element paths
(TD0.2), the query response's attributes (TD3.1) and a bare Success (TD2.1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import Engine

from esante.dmp import Actor, DmpClient, DmpEndpoints, Signer
from esante.sandbox.dmp import DmpAdmin, PatientIns, session_factory
from esante.sandbox.dmp.http import DmpHttpApp
from esante.sandbox.dmp.soap import EndpointOptions
from esante.transport import InProcessTransport, WireRequest, WireResponse, decode_response
from esante.trust import Pki
from esante.xds import ValidationContext
from tests.unit.dmp import kit
from tests.unit.sandbox.http.conftest import ACTIVITY, BASE, LPS
from tests.unit.sandbox.http.test_app import PATIENT, _cda

H = "{urn:hl7-org:v3}"
Q = "{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}"
RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
RS = "{urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0}"


class Recorder:
    """The sandbox's wire handler, keeping each answer's SOAP body payload."""

    def __init__(self, handler: Callable[[WireRequest], WireResponse]):
        self._handler = handler
        self.payloads: list[etree._Element] = []

    def __call__(self, request: WireRequest) -> WireResponse:
        response = self._handler(request)
        payload = decode_response(response).envelope.payload
        assert payload is not None
        self.payloads.append(payload)
        return response


@pytest.fixture
def recorder(app: DmpHttpApp, pki: Pki) -> Recorder:
    return Recorder(app.wire_handler(pki.authentication.load_certificate()))


@pytest.fixture
def recording_client(recorder: Recorder, pki: Pki) -> DmpClient:
    return DmpClient.with_signer(
        InProcessTransport(recorder),
        DmpEndpoints.from_base_url(BASE),
        signer=Signer.from_pki(pki),
        lps=LPS,
        content_type_code=ACTIVITY,
    )


def _open(engine: Engine, actor: Actor, **traits: object) -> None:
    with session_factory(engine)() as session:
        admin = DmpAdmin(session)
        patient = PatientIns(PATIENT.matricule, PATIENT.oid or "")
        admin.create_dmp(patient, family_name="MARTIN", given_name="Marie", **traits)  # type: ignore[arg-type]
        admin.set_authorization(patient, actor.id)


def test_td02_answer_has_the_official_patient_structure(
    engine: Engine, doctor: Actor, recording_client: DmpClient, recorder: Recorder
) -> None:
    _open(
        engine,
        doctor,
        birth_date=date(1979, 3, 15),
        sex="F",
        name_prefix="MME",
        email="marie.martin@example.org",
        mobile_phone="0601020304",
        internet_account_open=True,
    )
    recording_client.test_existence(PATIENT, actor=doctor)
    (ours,) = recorder.payloads
    theirs = kit.body("TD0.2_Test_dexistence_reponse.xml")
    patient = f"{H}controlActProcess/{H}subject/{H}registrationEvent/{H}subject1/{H}patient"
    ours_patient, theirs_patient = ours.find(patient), theirs.find(patient)
    assert ours_patient is not None
    assert theirs_patient is not None
    # every element of the official patient is there (the sandbox adds the oppositions)
    assert kit.paths(theirs_patient) <= kit.paths(ours_patient)
    person = f"{H}patientPerson"
    assert ours_patient.findtext(f"{person}/{H}name/{H}prefix") == "MME"
    telecoms = [(t.get("use"), t.get("value")) for t in ours_patient.iter(f"{H}telecom")]
    official = [
        (t.get("use"), (t.get("value") or "")[:4]) for t in theirs_patient.iter(f"{H}telecom")
    ]
    assert [(use, value[:4]) for use, value in telecoms] == official
    assert telecoms == [(None, "mailto:marie.martin@example.org"), ("MC", "tel:0601020304")]

    def observations(element: etree._Element) -> dict[str, tuple[str | None, str | None]]:
        found = {}
        for obs in element.iter(f"{H}administrativeObservation"):
            code = obs.find(f"{H}code")
            value = obs.find(f"{H}value")
            assert code is not None
            assert value is not None
            found[code.get("code") or ""] = (code.get("codeSystem"), value.get("value"))
        return found

    official_observations = observations(theirs_patient)
    ours_observations = observations(ours_patient)
    for code, (system, _) in official_observations.items():
        assert ours_observations[code][0] == system, code
    assert ours_observations["COMPTE_INTERNET_OUVERT"][1] == "true"


def test_td02_internet_account_closed_by_default(
    engine: Engine, doctor: Actor, recording_client: DmpClient, recorder: Recorder
) -> None:
    _open(engine, doctor)
    recording_client.test_existence(PATIENT, actor=doctor)
    (ours,) = recorder.payloads
    values = {
        obs.find(f"{H}code").get("code"): obs.find(f"{H}value").get("value")  # type: ignore[union-attr]
        for obs in ours.iter(f"{H}administrativeObservation")
    }
    assert values["COMPTE_INTERNET_OUVERT"] == "false"
    assert ours.find(f".//{H}patientPerson/{H}telecom") is None


def test_td21_and_td31_answers_are_shaped_as_the_official_ones(
    engine: Engine, doctor: Actor, recording_client: DmpClient, recorder: Recorder
) -> None:
    _open(engine, doctor)
    recording_client.submit(PATIENT, _cda(doctor, "1.2.250.1.999.42.7.77"), actor=doctor)
    stored = recorder.payloads[-1]
    official_stored = kit.body("TD2.1_Alimentation_reponse.xml")
    assert stored.tag == official_stored.tag == f"{RS}RegistryResponse"
    assert stored.get("status") == official_stored.get("status")
    assert list(stored) == list(official_stored) == []  # a bare Success, no warnings

    recording_client.find_documents(PATIENT, actor=doctor)
    found = recorder.payloads[-1]
    official_found = kit.body("TD3.1_Recherche_de_document_reponse.xml")
    assert found.tag == official_found.tag == f"{Q}AdhocQueryResponse"
    assert set(official_found.attrib) <= set(found.attrib)
    assert found.get("startIndex") == official_found.get("startIndex") == "0"
    entries = list(found.iter(f"{RIM}ExtrinsicObject"))
    assert found.get("totalResultCount") == str(len(entries)) == "1"
    official_entries = list(official_found.iter(f"{RIM}ExtrinsicObject"))
    assert official_found.get("totalResultCount") == str(len(official_entries))
    assert {e.get("isOpaque") for e in official_entries} == {"false"}
    assert {e.get("isOpaque") for e in entries} == {"false"}
    assert set(official_entries[0].attrib) == set(entries[0].attrib)


def test_td21_answer_is_a_bare_success_even_with_tolerated_codes(
    engine: Engine, doctor: Actor, pki: Pki
) -> None:
    """In kit mode the sandbox tolerates codes it does not know (as the DMP kit's own
    requests carry some): the answer stays the DMP's bare Success, without warnings."""
    options = EndpointOptions(trusted_cas=(pki.ca.load_certificate(),), kit_mode=True)
    kit_app = DmpHttpApp(session_factory(engine), options)
    recorder = Recorder(kit_app.wire_handler(pki.authentication.load_certificate()))
    tolerant = DmpClient.with_signer(
        InProcessTransport(recorder),
        DmpEndpoints.from_base_url(BASE),
        signer=Signer.from_pki(pki),
        lps=LPS,
        content_type_code=ACTIVITY,
        validation=ValidationContext(tolerate_unknown_codes=True),
    )
    _open(engine, doctor)
    unknown_facility = _cda(doctor, "1.2.250.1.999.42.7.78").replace(b'"SA07"', b'"SA99"')
    tolerant.submit(PATIENT, unknown_facility, actor=doctor)
    stored = recorder.payloads[-1]
    assert stored.get("status") == kit.body("TD2.1_Alimentation_reponse.xml").get("status")
    assert list(stored) == []
