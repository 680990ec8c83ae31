"""`esante terminology` through the real command line (typer CliRunner on the root app)."""

from __future__ import annotations

from typer.testing import CliRunner

from esante.cli.main import app

WIDE = {"COLUMNS": "200"}


def test_list_shows_every_value_set() -> None:
    result = CliRunner().invoke(app, ["terminology", "list"], env=WIDE)
    assert result.exit_code == 0, result.output
    for name in ("J01", "J06", "J07", "J08", "J10", "J38", "G15", "VISIBILITE"):
        assert name in result.output
    assert "1.2.250.1.213.1.1.5.471" in result.output


def test_show_lists_the_codes_of_a_value_set() -> None:
    result = CliRunner().invoke(app, ["terminology", "show", "J38"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "bris_de_glace" in result.output
    assert "Accès par un centre de régulation médicale" in result.output
    assert "3 code(s)." in result.output


def test_show_by_oid_with_search() -> None:
    result = CliRunner().invoke(
        app, ["terminology", "show", "1.2.250.1.213.1.1.5.471", "--search", "vaccination"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "87273-9" in result.output
    assert "11369-6" in result.output
    assert "SYNTH" not in result.output


def test_show_one_code_prints_its_label() -> None:
    result = CliRunner().invoke(app, ["terminology", "show", "J07", "87273-9"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "87273-9 : Note de vaccination (système 2.16.840.1.113883.6.1)"


def test_unknown_code_is_a_french_error_with_exit_1() -> None:
    result = CliRunner().invoke(app, ["terminology", "show", "J07", "ZZZ"])
    assert result.exit_code == 1
    assert "Erreur : Code « ZZZ » inconnu dans le jeu de valeurs" in result.output


def test_unknown_value_set_is_a_french_error_with_exit_1() -> None:
    result = CliRunner().invoke(app, ["terminology", "show", "J999"])
    assert result.exit_code == 1
    assert "Erreur : Jeu de valeurs inconnu : « J999 »." in result.output


def test_types_shows_document_types_with_models() -> None:
    result = CliRunner().invoke(app, ["terminology", "types"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "SYNTH" in result.output
    assert "urn:asip:ci-sis:vsm:2012" in result.output
    assert "CSE-CS24 (N3)" in result.output
