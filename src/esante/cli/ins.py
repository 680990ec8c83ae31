"""`esante ins` — check an INS matricule; write and read the INS DataMatrix.

``check MATRICULE [--oid OID]`` prints "INS valide" with the kind and what the matricule
encodes, or ends with a French error naming the problem (the expected key for a wrong
key) and status 1. ``datamatrix encode`` draws the DataMatrix of an identity as PNG or
SVG (from the file extension); ``datamatrix decode FILE [--json]`` reads one back from a
PNG/JPEG or SVG image. Errors are :class:`~esante.identity.IdentityError` subclasses,
printed by the root command group.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from esante.cli._output import print_json
from esante.identity import (
    DataMatrixError,
    IdentityTraits,
    InsDataMatrix,
    TraitsError,
    check_ins,
    read_image,
    render_png,
    render_svg,
    traits_discrepancies,
)
from esante.identity.traits import SEX_LABELS

app = typer.Typer(
    help="INS : vérification du matricule, DataMatrix INS des documents imprimés.",
    no_args_is_help=True,
)
datamatrix_app = typer.Typer(
    help="DataMatrix INS : écrire (PNG, SVG) et relire le code imprimé sur les documents.",
    no_args_is_help=True,
)
app.add_typer(datamatrix_app, name="datamatrix")

_SEX_OF_DIGIT = {"1": "M", "7": "M", "2": "F", "8": "F"}


def _birthplace(code: str) -> str:
    if code.startswith("99"):
        return f"{code} (né(e) à l'étranger, code pays {code[2:]})"
    department = code[:3] if code[:2] in ("97", "98") else code[:2]
    return f"{code} (département {department})"


@app.command("check")
def check_cmd(
    matricule: Annotated[str, typer.Argument(help="Matricule INS : 13 caractères + clé.")],
    oid: Annotated[
        str | None,
        typer.Option("--oid", help="OID de l'autorité d'affectation (NIR, NIA, test, démo)."),
    ] = None,
) -> None:
    """Vérifier un matricule INS (structure, clé) et, avec --oid, son type."""
    ins = check_ins(matricule, oid)
    kind = f"{ins.kind.label}, OID {ins.oid}" if ins.kind else "type non précisé (sans --oid)"
    typer.echo(f"INS valide : {ins.formatted()} — {kind}")
    sex = _SEX_OF_DIGIT.get(ins.sex_digit)
    typer.echo(f"  sexe : {SEX_LABELS[sex] if sex else ins.sex_digit}")
    month = ins.birth_month_code
    shown = f"{month:02d}" if 1 <= month <= 12 else f"inconnu (code {month:02d})"
    typer.echo(f"  mois de naissance : {shown}, année : {ins.birth_year_digits}")
    typer.echo(f"  lieu de naissance : {_birthplace(ins.birthplace_code)}")


_DATE = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})")


def _birth_date(text: str) -> date:
    match = _DATE.fullmatch(text.strip())
    if match is not None:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise TraitsError(
        f"Date de naissance « {text} » invalide : format JJ-MM-AAAA attendu (ex. 03-08-1955).",
        detail=f"cannot parse {text!r} as DD-MM-YYYY",
        field="--naissance",
    )


@datamatrix_app.command("encode")
def encode_cmd(
    matricule: Annotated[str, typer.Option("--matricule", help="Matricule INS (15 caractères).")],
    oid: Annotated[str, typer.Option("--oid", help="OID de l'autorité d'affectation de l'INS.")],
    nom: Annotated[str, typer.Option("--nom", help="Nom de naissance.")],
    prenoms: Annotated[str, typer.Option("--prenoms", help="Prénoms de naissance, dans l'ordre.")],
    sexe: Annotated[str, typer.Option("--sexe", help="Sexe : M ou F.")],
    naissance: Annotated[str, typer.Option("--naissance", help="Date de naissance JJ-MM-AAAA.")],
    out: Annotated[Path, typer.Option("--out", help="Fichier à écrire : .png ou .svg.")],
    lieu: Annotated[
        str | None, typer.Option("--lieu", help="Lieu de naissance (code COG).")
    ] = None,
    echelle: Annotated[
        int, typer.Option("--echelle", min=1, max=40, help="Pixels par module.")
    ] = 4,
) -> None:
    """Écrire le DataMatrix INS d'une identité dans un fichier PNG ou SVG."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise DataMatrixError(
            f"Format de fichier « {out.suffix or '(aucun)'} » non pris en charge : "
            ".png ou .svg attendu.",
            detail=f"--out {out}",
            field="--out",
        )
    ins = check_ins(matricule, oid)
    traits = IdentityTraits(
        birth_family_name=nom,
        birth_given_names=prenoms,
        first_given_name=prenoms.split()[0] if prenoms.split() else prenoms,
        sex=sexe.strip().upper(),
        birth_date=_birth_date(naissance),
        birthplace_cog=lieu.strip().upper() if lieu else None,
    )
    data = InsDataMatrix.from_identity(ins, traits)
    for warning in traits_discrepancies(ins, traits):
        typer.echo(f"Attention : {warning}", err=True)
    if suffix == ".png":
        render_png(data, out, scale=echelle)
    else:
        render_svg(data, out, scale=echelle)
    typer.echo(
        f"DataMatrix INS écrit : {out} ({data.birth_given_names} {data.birth_family_name}, "
        f"INS {ins.matricule})"
    )


_LABELS = {
    "matricule": "Matricule INS",
    "oid": "OID",
    "birth_given_names": "Prénoms de naissance",
    "birth_family_name": "Nom de naissance",
    "sex": "Sexe",
    "birth_date": "Date de naissance",
    "birthplace_cog": "Lieu de naissance (COG)",
}


@datamatrix_app.command("decode")
def decode_cmd(
    file: Annotated[Path, typer.Argument(help="Image du DataMatrix : PNG, JPEG ou SVG.")],
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
) -> None:
    """Lire le DataMatrix INS d'une image et afficher l'identité qu'il porte."""
    data = read_image(file)
    kind = data.ins.kind
    if as_json:
        fields = asdict(data)
        fields["birth_date"] = data.birth_date.isoformat()
        fields["kind"] = kind.name if kind else None
        print_json(fields)
        return
    for key, label in _LABELS.items():
        value = getattr(data, key)
        if key == "birth_date":
            value = value.strftime("%d/%m/") + f"{value.year:04d}"
        elif key == "oid" and kind is not None:
            value = f"{value} ({kind.label})"
        elif key == "sex":
            value = f"{value} ({SEX_LABELS[value]})"
        elif value is None:
            value = "non renseigné"
        typer.echo(f"{label} : {value}")
