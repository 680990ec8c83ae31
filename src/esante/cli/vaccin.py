"""``esante vaccin``: the vaccine box scan and the vaccine catalogue (issue 15).

``scan`` prints what a DataMatrix string (as the scanner types it; GS written ``<GS>`` or
``\\x1d`` on a command line) or a photo (``--image``) resolves to: vaccine, lot, expiry,
or the reason of a refusal naming the field; ``import-bdpm`` loads the vaccine
presentations of the public BDPM files into the database. See
:mod:`esante.practice.vaccination`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from esante.cli._output import print_json

app = typer.Typer(
    help="Carnet de vaccination : DataMatrix d'une boîte de vaccin, import de la BDPM.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


def _catalogue() -> tuple[Any, str | None]:
    """The catalogue with the database's imported presentations when a database exists."""
    from esante.errors import EsanteError
    from esante.practice.vaccination import load_catalogue

    try:
        from esante.cli.db import open_database
        from esante.store import session_factory

        engine = open_database()
    except EsanteError:
        return load_catalogue(None), "pas de base esante : catalogue d'esante seul"
    try:
        with session_factory(engine)() as session:
            return load_catalogue(session), None
    finally:
        engine.dispose()


def _data(result: Any) -> dict[str, Any]:
    box, vaccine = result.box, result.vaccine
    return {
        "statut": result.status,
        "message": result.message,
        "avertissements": list(result.warnings),
        "gtin": box.gtin,
        "cip13": box.cip13,
        "lot": box.lot,
        "date_peremption": box.expiry.isoformat() if box.expiry else None,
        "numero_serie": box.serial,
        "vaccin": None
        if vaccine is None
        else {
            "nom": vaccine.name,
            "cis": vaccine.cis,
            "atc": vaccine.atc,
            "atc_libelle": vaccine.atc_label,
            "valences": list(vaccine.valences),
        },
        "presentation": result.presentation.label if result.presentation else None,
        "code_verifie": result.presentation.verified if result.presentation else None,
        "choix": [x.name for x in result.choices],
    }


def _print(data: dict[str, Any]) -> None:
    from esante.practice.vaccination.catalogue import antigens_text

    typer.echo(data["message"])
    vaccine = data["vaccin"]
    if vaccine is not None:
        typer.echo(f"  Vaccin      : {vaccine['nom']} (CIS {vaccine['cis'] or 'inconnu'})")
        typer.echo(f"  ATC         : {vaccine['atc'] or 'inconnu'} {vaccine['atc_libelle'] or ''}")
        typer.echo(f"  Valences    : {antigens_text(vaccine['valences'])}")
    typer.echo(f"  GTIN        : {data['gtin']} (CIP13 {data['cip13'] or '—'})")
    typer.echo(f"  Lot         : {data['lot'] or '—'}")
    expiry = data["date_peremption"]
    typer.echo(f"  Péremption  : {'/'.join(reversed(expiry.split('-'))) if expiry else '—'}")
    if data["numero_serie"]:
        typer.echo(f"  N° de série : {data['numero_serie']}")
    for warning in data["avertissements"]:
        typer.echo(f"  ! {warning}")
    if data["statut"] == "inconnu":
        typer.echo("  Vaccins au choix : " + ", ".join(data["choix"]))


@app.command("scan")
def scan_cmd(
    code: Annotated[
        str | None,
        typer.Argument(
            help="Le DataMatrix tel que lu (GS écrit <GS> ou \\x1d).", show_default=False
        ),
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option("--image", help="Photo PNG ou JPEG de la boîte.", exists=True, dir_okay=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Affiche ce que le DataMatrix d'une boîte de vaccin désigne (vaccin, lot, péremption)."""
    from esante.cda import vocabulary as v
    from esante.practice.vaccination import scan_image, scan_text
    from esante.store.base import utcnow

    if (code is None) == (image is None):
        raise typer.BadParameter("donnez le code lu ou --image (l'un des deux).")
    catalogue, note = _catalogue()
    today = utcnow().astimezone(v.PARIS).date()
    if image is not None:
        result = scan_image(image.read_bytes(), today=today, catalogue=catalogue)
    else:
        assert code is not None
        result = scan_text(code.replace("\\x1d", "\x1d"), today=today, catalogue=catalogue)
    data = _data(result)
    if note:
        data["avertissements"].append(note)
    if as_json:
        print_json(data)
    else:
        _print(data)


@app.command("import-bdpm")
def import_bdpm_cmd(
    cis_file: Annotated[
        Path,
        typer.Argument(help="CIS_bdpm.txt téléchargé de la BDPM.", exists=True, dir_okay=False),
    ],
    cip_file: Annotated[
        Path,
        typer.Argument(help="CIS_CIP_bdpm.txt téléchargé de la BDPM.", exists=True, dir_okay=False),
    ],
    as_json: JsonOption = False,
) -> None:
    """Importe les présentations de vaccins des fichiers de la base publique des médicaments."""
    from esante.cli.db import open_database
    from esante.practice.vaccination import import_bdpm_files
    from esante.store import session_factory

    engine = open_database()
    try:
        with session_factory(engine)() as session:
            report = import_bdpm_files(session, cis_file, cip_file)
            session.commit()
    finally:
        engine.dispose()
    data = {
        "specialites": report.specialities,
        "presentations": report.presentations,
        "ajoutees": report.added,
        "mises_a_jour": report.updated,
        "vaccins_sans_atc": report.unmatched,
    }
    if as_json:
        print_json(data)
        return
    typer.echo(
        f"{report.specialities} spécialités de vaccins, {report.presentations} présentations "
        f"({report.added} ajoutées, {report.updated} mises à jour)."
    )
    if report.unmatched:
        typer.echo(
            "Vaccins inconnus du catalogue d'esante (ATC et valences à choisir à la main) : "
            + ", ".join(report.unmatched)
        )
