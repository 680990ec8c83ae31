"""`esante db upgrade` creates and migrates the configured database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.store import current_revision, head_revision, make_engine


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
