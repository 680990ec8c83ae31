"""`esante audit verify` with the anchor, `esante audit ancrer`, `esante audit patient`
(SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from esante.audit import Anchor
from esante.store import make_engine, session_factory

from .helpers import PATIENTS, T0, build
from .test_cli_audit import _run, traced  # noqa: F401 - the fixture

PARIS = ZoneInfo("Europe/Paris")


def _anchor(env: dict[str, str]) -> Anchor:
    engine = make_engine(env["ESANTE_DATABASE_URL"])
    try:
        return Anchor.for_engine(engine, Path(env["ESANTE_HOME"]))
    finally:
        engine.dispose()


def _truncate_tail(db_url: str, keep: int) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        digest = conn.execute(
            text("SELECT hash FROM audit_record WHERE sequence = :s"), {"s": keep}
        ).scalar_one()
        conn.execute(text("DELETE FROM audit_record WHERE sequence > :s"), {"s": keep})
        conn.execute(
            text("UPDATE audit_chain_head SET sequence = :s, hash = :h"), {"s": keep, "h": digest}
        )
    engine.dispose()


def test_verify_anchors_then_finds_a_truncated_tail(
    traced: dict[str, str],  # noqa: F811
    db_url: str,
) -> None:
    code, out, _ = _run(traced, "verify")
    assert code == 0, out
    assert "premier point de contrôle écrit" in out
    anchor = _anchor(traced)
    assert stat.S_IMODE(anchor.journal.stat().st_mode) == 0o600
    code, out, _ = _run(traced, "verify")
    assert code == 0, out
    assert "conforme au point de contrôle n° 5" in out

    _truncate_tail(db_url, 2)
    code, out, err = _run(traced, "verify")
    assert code == 1, out
    assert "le journal d'ancrage atteste l'enregistrement n° 5" in err
    assert "n° 3 à 5 ont été supprimés ou perdus" in err
    assert "type : enregistrements ancrés disparus (truncated), enregistrement n° 3" in err

    # once the loss is explained, a new journal starts; the old one is kept
    code, out, _ = _run(traced, "ancrer", "--nouveau-journal")
    assert code == 0, out
    assert "Ancien journal d'ancrage conservé" in out
    assert "Tête ancrée : n° 2" in out
    kept = [p for p in anchor.directory.iterdir() if p.name.startswith(anchor.journal.name + ".")]
    assert len(kept) == 1
    code, out, _ = _run(traced, "verify")
    assert code == 0, out


def test_patient_accesses_in_paris_time_and_exports(
    traced: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    patient = PATIENTS[1]
    # helpers.event(i) concerns PATIENTS[i % 3] at T0 + i hours: 5 records, i = 0..4
    mine = [i for i in range(5) if i % 3 == 1]
    expected = [
        (T0 + timedelta(hours=i)).astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") for i in mine
    ]
    code, out, _ = _run({**traced, "COLUMNS": "250"}, "patient", "--ins", patient)
    assert code == 0, out
    assert f"Accès aux données du patient {patient} : {len(mine)}" in out
    for moment in expected:
        assert moment in out
    assert "Dr Alice Martin" in out

    code, out, err = _run(traced, "patient", "--ins", patient, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["date_heure_paris"] for r in rows] == expected
    assert [int(r["numero_trace"]) for r in rows] == [i + 1 for i in mine]
    assert {r["resultat"] for r in rows} == {"succès"}

    target = tmp_path / "acces.json"
    code, _, err = _run(traced, "patient", "--ins", patient, "--format", "json", "-o", str(target))
    assert code == 0, err
    assert f"{len(mine)} accès exporté(s)" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [d["date_heure_paris"] for d in data] == expected
    assert [d["horodatage_utc"][:19] for d in data] == [
        (T0 + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S") for i in mine
    ]


def test_patient_without_accesses_and_bad_format(
    traced: dict[str, str],  # noqa: F811
) -> None:
    code, out, _ = _run(traced, "patient", "--ins", "199999999999999")
    assert code == 0
    assert "Aucun accès tracé aux données du patient 199999999999999." in out
    code, _, err = _run(traced, "patient", "--ins", PATIENTS[0], "--format", "xml")
    assert code == 1
    assert "Format inconnu (table, csv ou json)." in err


def test_appends_from_an_anchored_session_are_checkpointed(db_url: str, tmp_path: Path) -> None:
    from esante.audit import anchor_engine

    engine = make_engine(db_url)
    try:
        anchor = anchor_engine(engine, tmp_path)
        with session_factory(engine)() as session:
            build(session, 3)
        state = anchor.read()
        assert state.highest is not None
        assert state.highest.sequence == 3
    finally:
        engine.dispose()


def test_role_and_origin_are_shown_and_exported(
    traced: dict[str, str],  # noqa: F811
) -> None:
    from esante.audit import append

    from .helpers import event

    engine = make_engine(traced["ESANTE_DATABASE_URL"])
    with session_factory(engine)() as session:
        append(session, event(7, actor_role="secretaire", origin="192.0.2.7"))
        session.commit()
    engine.dispose()
    wide = {**traced, "COLUMNS": "250"}
    code, out, _ = _run(wide, "list", "-n", "1")
    assert code == 0, out
    assert "secretaire" in out
    assert "192.0.2.7" in out
    code, out, _ = _run(traced, "patient", "--ins", PATIENTS[7 % 3], "--format", "json")
    assert code == 0, out
    last = json.loads(out)[-1]
    assert (last["role"], last["origine"]) == ("secretaire", "192.0.2.7")
    code, out, _ = _run(traced, "export", "--format", "json")
    assert code == 0, out
    exported = [json.loads(line) for line in out.splitlines() if line]
    assert (exported[-1]["role_acteur"], exported[-1]["origine"]) == ("secretaire", "192.0.2.7")
    code, out, _ = _run(traced, "verify")
    assert code == 0, out
