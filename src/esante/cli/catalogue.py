"""`esante catalogue` — the Ségur document catalogue, per profession.

Shows, for each profession (and profile), the documents a practice software produces, the
CDA level, whether validation feeds the DMP / Mon espace santé automatically and whether a
copy goes by MSSanté to the médecin traitant / adresseur (or to a fixed address such as the
PMI platform). ``--json`` prints the same rows for scripts.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from esante.catalogue import SegurRule, entries
from esante.cli._output import print_json


def _row(rule: SegurRule) -> dict[str, Any]:
    return {
        "profession": rule.profession.code,
        "profession_label": rule.profession.display,
        "profile": rule.profile,
        "profile_label": rule.profile_label,
        "document": rule.document,
        "type_code": rule.document_type.code,
        "type_system": rule.document_type.code_system_oid,
        "type_label": rule.document_type.label,
        "level": rule.level,
        "models": [m.id for m in rule.models],
        "feed_dmp": rule.feed_dmp,
        "mss_to_treating_doctor_or_referrer": rule.mss_to_treating_doctor_or_referrer,
        "mss_fixed_recipients": list(rule.mss_fixed_recipients),
        "note": rule.note,
    }


def catalogue(
    profession: str | None = typer.Option(
        None,
        "--profession",
        "-p",
        help="Une seule profession : code G15 (10, 50, 60…) ou nom (médecin, sage-femme…).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Sortie JSON au lieu d'un tableau."),
) -> None:
    """Afficher le catalogue Ségur des documents (niveau CDA, DMP, MSSanté) par profession."""
    rules = entries(profession)
    if as_json:
        print_json([_row(r) for r in rules])
        return
    title = "Catalogue des documents Ségur"
    if profession is not None and rules:
        title += f" — {rules[0].profession.display}"
    table = Table(title=title)
    for col in ("Profession", "Profil", "Document", "Type", "Niveau", "DMP", "MSSanté"):
        table.add_column(col, overflow="fold")
    for r in rules:
        mss = []
        if r.mss_to_treating_doctor_or_referrer:
            mss.append("médecin traitant / adresseur")
        mss.extend(r.mss_fixed_recipients)
        table.add_row(
            r.profession.display,
            r.profile_label,
            r.document,
            r.document_type.code,
            r.level,
            "oui" if r.feed_dmp else "non",
            "\n".join(mss) or "—",
        )
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(rules)} document(s).")
