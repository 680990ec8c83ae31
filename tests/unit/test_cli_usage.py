"""Usage errors of the `esante` command are in French, option names kept as typed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from esante.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["outbox", "show", "1", "2"], "Erreur : Argument(s) en trop : 2."),
        (["outbox", "show"], "Erreur : Argument obligatoire manquant : 'order_id'."),
        (["mss", "send", "cr.xml"], "Erreur : Option obligatoire manquante : '--to'."),
        (
            ["outbox", "list", "--limit", "abc"],
            "Erreur : Valeur invalide pour '--limit' : « abc » n'est pas un nombre entier.",
        ),
        (
            ["audit", "list", "-n", "5000"],
            "Erreur : Valeur invalide pour '--nombre' / '-n' : 5000 est trop grand : 1000 au plus.",
        ),
        (["outbox", "list", "--bogus"], "Erreur : Option inconnue : --bogus."),
        (["outbox", "list", "--etat"], "Erreur : L'option '--etat' attend une valeur."),
        (
            ["outbox", "lst"],
            "Erreur : Commande inconnue : 'lst'. Vouliez-vous dire 'list' ?",
        ),
        (["--bogus"], "Erreur : Option inconnue : --bogus."),
    ],
)
def test_usage_errors_are_french(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    for english in ("Error:", "Usage:", "Try '", "Missing", "Got unexpected", "No such"):
        assert english not in result.output


def test_the_usage_line_and_help_hint_are_french() -> None:
    result = runner.invoke(app, ["outbox", "show"])
    assert "Utilisation : esante outbox show [OPTIONS]" in result.output
    assert "Aide : esante outbox show --help" in result.output


def test_an_esante_error_is_still_exit_status_1() -> None:
    result = runner.invoke(app, ["ins", "check", "255081416802539"])
    assert result.exit_code == 1
    assert "Erreur :" in result.output
