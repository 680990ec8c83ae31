"""`esante audit verify | export | list` on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from esante.audit import append
from esante.cli import audit as audit_cli
from esante.cli.main import EsanteGroup
from esante.store import make_engine, session_factory

from .helpers import PATIENTS, RPPS, build, event


def _root() -> typer.Typer:
    """The audit group under a root like ``esante``'s (EsanteError → French + exit 1)."""
    root = typer.Typer(cls=EsanteGroup, rich_markup_mode=None)

    @root.callback()
    def _main() -> None:
        """esante."""

    root.add_typer(audit_cli.app, name="audit")
    return root


ROOT = _root()


@pytest.fixture
def traced(db_url: str, tmp_path: Path) -> dict[str, str]:
    """Five records in the database; the environment that points the CLI at it."""
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        build(session, 5)
    engine.dispose()
    return {"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": db_url}


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(ROOT, ["audit", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def _tamper(db_url: str, sql: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def test_verify_ok_then_broken(traced: dict[str, str], db_url: str) -> None:
    code, out, _ = _run(traced, "verify")
    assert code == 0, out
    assert "Trace d'accès intègre : 5 enregistrement(s) vérifié(s)" in out
    assert "Tête de chaîne : n° 5" in out
    _tamper(db_url, "UPDATE audit_record SET reason = 'effacé' WHERE sequence = 3")
    code, out, err = _run(traced, "verify", "--lot", "2")
    assert code == 1
    assert "Erreur : Trace d'accès altérée : l'enregistrement n° 3 a été modifié" in err
    assert "type : enregistrement modifié (altered), enregistrement n° 3" in err
    assert "vérifiés avant la rupture : 2" in err
    assert "intègre" not in out


def test_verify_names_a_deleted_record(traced: dict[str, str], db_url: str) -> None:
    _tamper(db_url, "DELETE FROM audit_record WHERE sequence = 5")
    code, _, err = _run(traced, "verify")
    assert code == 1
    assert "le dernier enregistrement (n° 5) manque" in err


def test_export_stdout_json_filtered(traced: dict[str, str]) -> None:
    code, out, err = _run(traced, "export", "--format", "json", "--patient", PATIENTS[1])
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["sequence"] for r in rows] == [2, 5]
    assert all(r["empreinte"] and r["empreinte_precedente"] for r in rows)
    assert "2 enregistrement(s) exporté(s) vers la sortie standard." in err


def test_export_file_csv_then_verify_it(traced: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "trace.csv"
    code, out, err = _run(
        traced,
        "export",
        "--ps",
        RPPS,
        "--from",
        "2024-05-31",
        "--to",
        "01/06/2024",
        "-o",
        str(target),
    )
    assert code == 0, err
    assert out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*partiel"))
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert rows[0][:4] == ["sequence", "horodatage", "canal", "action"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]  # 31/05 23:30 to 01/06 03:30
    code, out, _ = _run(traced, "verify", "--fichier", str(target))
    assert code == 0
    assert "Extrait intègre : 5 enregistrement(s) (n° 1 à 5)" in out
    assert "4 chaînage(s) vérifié(s)" in out
    target.write_text(target.read_text(encoding="utf-8").replace("TD3.2", "TD3.1", 1))
    code, _, err = _run(traced, "verify", "--fichier", str(target))
    assert code == 1
    assert "n° 1 a été modifié" in err


def test_export_refuses_bad_options(traced: dict[str, str]) -> None:
    code, _, err = _run(traced, "export", "--format", "xml")
    assert (code, "Format d'export inconnu" in err) == (1, True)
    code, _, err = _run(traced, "export", "--depuis", "hier")
    assert code == 1
    assert "Date invalide" in err
    assert "--depuis" in err
    code, _, err = _run(traced, "export", "--depuis", "2024-06-02", "--jusqu-a", "2024-06-01")
    assert (code, "Période vide" in err) == (1, True)
    code, _, err = _run(traced, "list", "--canal", "fax")
    assert (code, "Canal inconnu" in err) == (1, True)


def test_list_latest(traced: dict[str, str], db_url: str) -> None:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        append(session, event(5, access_mode="bris_de_glace", reason="[red]Urgence[/red] vitale"))
        session.commit()
    engine.dispose()
    wide = {**traced, "COLUMNS": "300"}  # one line per record, for the asserts
    code, out, err = _run(wide, "list", "-n", "2")
    assert code == 0, err
    assert "Trace d'accès : 2 dernier(s) enregistrement(s)" in out
    assert "bris de glace" in out
    assert "[red]Urgence[/red]" in out  # shown as typed, not as markup
    assert out.index("│ 6") < out.index("│ 5")
    code, out, _ = _run(traced, "list", "--patient", "000000000000000")
    assert code == 0
    assert "Aucun enregistrement" in out


def test_unmigrated_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    code, _, err = _run(env, "verify")
    assert code == 1
    assert "Erreur : Aucune base de données esante" in err
    assert "esante db upgrade" in err
    assert not (tmp_path / "x.db").exists()  # a read command creates no database
