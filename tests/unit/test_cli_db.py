"""`esante db upgrade` creates and migrates the configured database; the other commands
never create one and say in French what to run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.store import current_revision, head_revision, make_engine, upgrade


def test_db_upgrade_creates_then_reports_up_to_date(db_url: str, tmp_path: Path) -> None:
    # db_url is already migrated; use a fresh SQLite file for the first run
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    runner = CliRunner()
    env = {"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": fresh}
    first = runner.invoke(app, ["db", "upgrade"], env=env)
    assert first.exit_code == 0, first.output
    assert "migrée" in first.output
    engine = make_engine(fresh)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    again = runner.invoke(app, ["db", "upgrade"], env={**env, "ESANTE_DATABASE_URL": db_url})
    assert again.exit_code == 0, again.output
    assert "à jour" in again.output


def test_help_documents_the_configuration() -> None:
    out = CliRunner().invoke(app, ["--help"]).output
    for var in ("ESANTE_HOME", "ESANTE_DATABASE_URL", "ESANTE_CISIS_KIT", "ESANTE_SANDBOX"):
        assert var in out


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/test"])
def test_unsupported_backend_is_a_clear_error(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["db", "upgrade"], env={"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": url}
    )
    assert result.exit_code == 1
    assert "Base de données non prise en charge" in result.output
    assert "ESANTE_DATABASE_URL" in result.output


@pytest.mark.parametrize(
    "command",
    [["outbox", "list"], ["outbox", "show", "1"], ["audit", "list"], ["audit", "verify"]],
)
def test_a_read_command_in_an_empty_home_creates_nothing_and_says_what_to_run(
    tmp_path: Path, command: list[str]
) -> None:
    home = tmp_path / "ailleurs"
    result = CliRunner().invoke(app, command, env={"ESANTE_HOME": str(home)})
    assert result.exit_code == 1
    assert "Aucune base de données esante" in result.output
    assert "esante db upgrade" in result.output
    assert "Traceback" not in result.output
    assert not home.exists()


def test_a_database_without_the_schema_is_a_french_error_left_untouched(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "esante.db").close()  # an empty file: no tables
    env = {"ESANTE_HOME": str(tmp_path)}
    result = CliRunner().invoke(app, ["outbox", "list"], env=env)
    assert result.exit_code == 1
    assert "n'a pas le schéma d'esante" in result.output
    assert "esante db upgrade" in result.output
    with sqlite3.connect(tmp_path / "esante.db") as conn:
        assert conn.execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_an_older_schema_asks_for_the_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'esante.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    engine.dispose()
    result = CliRunner().invoke(app, ["audit", "list"], env={"ESANTE_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert "révision 0001" in result.output
    assert "esante db upgrade" in result.output


def test_db_status_does_not_create_the_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["db", "status"], env={"ESANTE_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert "n'existe pas encore" in result.output
    assert not (home / "esante.db").exists()


def test_the_help_gives_the_stable_default_home() -> None:
    out = CliRunner().invoke(app, ["--help"]).output
    assert "~/.local/share/esante" in out
    assert "./var" not in out
