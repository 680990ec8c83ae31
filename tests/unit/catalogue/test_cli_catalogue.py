"""`esante catalogue` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from esante.cli.main import app

WIDE = {"COLUMNS": "220"}


def test_catalogue_table_for_one_profession() -> None:
    result = CliRunner().invoke(app, ["catalogue", "--profession", "sage-femme"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Sage-Femme" in result.output
    assert "Test rapide d'orientation diagnostique" in result.output
    assert "Synthèse médicale" not in result.output
    assert "13 document(s)." in result.output


def test_catalogue_table_shows_the_pmi_recipient() -> None:
    result = CliRunner().invoke(app, ["catalogue", "-p", "10"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "certificatsdesante@plateformecse.mssante.fr" in result.output
    assert "médecin traitant / adresseur" in result.output
    assert "25 document(s)." in result.output


def test_catalogue_json() -> None:
    result = CliRunner().invoke(app, ["catalogue", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 70
    vsm = next(r for r in rows if r["type_code"] == "SYNTH")
    assert vsm["level"] == "N3"
    assert vsm["feed_dmp"] is True
    assert vsm["mss_to_treating_doctor_or_referrer"] is True
    assert vsm["models"] == ["VSM"]


def test_unknown_profession_is_a_french_error() -> None:
    result = CliRunner().invoke(app, ["catalogue", "--profession", "astronaute"])
    assert result.exit_code == 1
    assert "Erreur : Profession « astronaute » absente du catalogue Ségur." in result.output
