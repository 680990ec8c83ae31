"""`esante audit patient --ipp`: the accesses to a patient's record traced by IPP (no
qualified INS yet), alone or together with those traced under the INS; times in Paris
(SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from esante.audit import AuditEvent, append, local_id_note
from esante.store import make_engine, session_factory

from .helpers import OID, PATIENTS, T0, event
from .test_cli_audit import _run, traced  # noqa: F401 - the fixture

PARIS = ZoneInfo("Europe/Paris")
IPP = "IPP-1"
INS = PATIENTS[1]


def _dossier(hours: int, detail: str, patient_ins: str | None = None) -> AuditEvent:
    return event(
        0,
        channel="dossier",
        action="patients:read",
        patient_ins=patient_ins,
        document_unique_id=None,
        access_mode=None,
        detail=detail,
        at=T0 + timedelta(days=1, hours=hours),
        actor_role="secretaire",
        origin="192.0.2.9",
    )


@pytest.fixture
def by_ipp(traced: dict[str, str]) -> dict[str, str]:  # noqa: F811
    """After the five DMP records of ``traced``: four reads of patients' records, three of
    them of the patient of IPP-1 (the last once the INS was qualified), one of IPP-10."""
    engine = make_engine(traced["ESANTE_DATABASE_URL"])
    with session_factory(engine)() as session:
        for hours, detail, ins in (
            (0, local_id_note(IPP), None),
            (1, local_id_note("IPP-10"), None),
            (2, f"{local_id_note(IPP)}; refused: role", None),
            (3, local_id_note(IPP), f"{INS}^^^&{OID}&ISO"),
        ):
            append(session, _dossier(hours, detail, ins))
        session.commit()
    engine.dispose()
    return traced


def _paris(hours: int) -> str:
    return (T0 + timedelta(days=1, hours=hours)).astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def test_accesses_by_ipp_only_that_patients(by_ipp: dict[str, str]) -> None:
    code, out, err = _run(by_ipp, "patient", "--ipp", IPP, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["numero_trace"] for r in rows] == ["6", "8", "9"]  # not IPP-10's (7)
    assert [r["date_heure_paris"] for r in rows] == [_paris(0), _paris(2), _paris(3)]
    assert {r["action"] for r in rows} == {"Lecture du dossier du patient"}
    assert {(r["role"], r["origine"]) for r in rows} == {("secretaire", "192.0.2.9")}

    code, out, _ = _run({**by_ipp, "COLUMNS": "250"}, "patient", "--ipp", IPP)
    assert code == 0, out
    assert f"Accès aux données du patient IPP {IPP} : 3" in out
    assert _paris(2) in out


def test_ins_and_ipp_together_give_every_access(by_ipp: dict[str, str]) -> None:
    code, out, err = _run(by_ipp, "patient", "--ins", INS, "--ipp", IPP, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    # helpers.event(i) concerns PATIENTS[i % 3]: the DMP records 2 and 5 are this patient's
    assert [r["numero_trace"] for r in rows] == ["2", "5", "6", "8", "9"]
    code, out, _ = _run({**by_ipp, "COLUMNS": "250"}, "patient", "--ins", INS, "--ipp", IPP)
    assert f"Accès aux données du patient {INS} (IPP {IPP}) : 5" in out


def test_a_patient_must_be_named(by_ipp: dict[str, str]) -> None:
    code, _, err = _run(by_ipp, "patient")
    assert code == 1
    assert "Patient non désigné : donnez son INS (--ins) ou son IPP (--ipp)." in err


def test_an_ipp_is_matched_exactly_wildcards_included(by_ipp: dict[str, str]) -> None:
    engine = make_engine(by_ipp["ESANTE_DATABASE_URL"])
    with session_factory(engine)() as session:
        append(session, _dossier(4, f"{local_id_note('IPPX1')}; note"))
        session.commit()
    engine.dispose()
    code, out, _ = _run(by_ipp, "patient", "--ipp", "IPP_1")
    assert code == 0, out
    assert "Aucun accès tracé aux données du patient IPP IPP_1." in out
    code, out, _ = _run(by_ipp, "patient", "--ipp", "IPPX1", "--format", "csv")
    assert [r["numero_trace"] for r in csv.DictReader(io.StringIO(out))] == ["10"]
