"""`esante ins` — check an INS matricule; the INSi teleservice; the INS DataMatrix.

``insi --nom … --prenom … --naissance … --sexe … [--lieu]`` and ``vitale --nir-assure …
--naissance …`` query the INSi teleservice of the configured services (``ESANTE_SERVICES``:
the running sandbox's by default, ``--sandbox`` or ``ESANTE_SANDBOX``; or the CNAM's
test platform or production with the structure's certificate, through
:class:`esante.services.InsiConnection`) on behalf of the professional ``--ps`` (an RPPS,
or a demo professional's key) and print the answer in French: result code 00 / 01 / 02
with its meaning and what to do next, the INS (and previous ones) and the INS traits,
the reference of the answer. ``qualifier IPP [--ins … --oid …] [--piece …] [--statut
QUAL]`` records identity evidence on a patient of the practice database through the
practice's rules (the INS verified or retrieved by INSi, never typed as evidence), as the
REST evidence route does. ``reverifier [--periode JOURS] [--ipp IPP…]`` verifies again the
INS whose last INSi verification is older than the period (one year by default), with
the downgrade rules of :mod:`esante.practice.reverification`, a progress bar on stderr
and a summary; it exits 1 when identities are left to retry or failed. In the commands
acting on the database, the ``--ps`` professional is the actor (rules and trace of the
API).

``check MATRICULE [--oid OID]`` prints "INS valide" with the kind and what the matricule
encodes, or ends with a French error naming the problem and status 1 (a wrong key is
reported without the right one: the matricule is to be re-read from its source document).
``datamatrix encode`` draws the DataMatrix of an identity as PNG or SVG (from the file
extension); ``datamatrix decode FILE [--json]`` reads one back from a PNG/JPEG or SVG
image. Errors are :class:`~esante.identity.IdentityError` subclasses, printed by the root
command group.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from esante.insi import InsiAnswer
    from esante.practice.actors import Actor
    from esante.services import InsiConnection

app = typer.Typer(
    help=(
        "INS : vérification du matricule, téléservice INSi (recherche, qualification, "
        "revérification), DataMatrix INS."
    ),
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


# --------------------------------------------------------------------------- INSi

_SandboxOption = Annotated[
    Path | None,
    typer.Option(
        "--sandbox",
        help="Répertoire du bac à sable (défaut : ESANTE_SANDBOX), avec ESANTE_SERVICES=sandbox.",
    ),
]
_PsOption = Annotated[
    str,
    typer.Option(
        "--ps",
        help="Professionnel pour qui l'appel est fait : son RPPS (11 chiffres) ou une clé "
        "de démonstration.",
    ),
]
_RPPS = re.compile(r"[0-9]{11}")


def professional_rpps(ps: str) -> str:
    """The RPPS of ``--ps``: an RPPS as given, else a demo professional's key."""
    from esante.demo import DemoError, demo_dataset

    if _RPPS.fullmatch(ps.strip()):
        return ps.strip()
    try:
        return demo_dataset().practitioner(ps).rpps
    except DemoError as exc:
        raise DemoError(
            f"{exc.message} Indiquez un RPPS (11 chiffres) ou une clé de démonstration.",
            detail=exc.detail,
            field="--ps",
        ) from exc


def insi_connection(sandbox: Path | None, ps: str) -> InsiConnection:
    """The INSi client of the configured services (``ESANTE_SERVICES``: the running
    sandbox's INSi by default, or the CNAM's with the structure's certificate) acting for
    the professional ``ps`` (RPPS or demo key); the caller closes it (``with``)."""
    from esante.config import load_settings
    from esante.services import InsiConnection

    return InsiConnection(load_settings(), "8" + professional_rpps(ps), sandbox=sandbox)


def _print_answer(answer: InsiAnswer, as_json: bool) -> None:
    resultat = answer.resultat
    person = resultat.individual
    if as_json:
        document: dict[str, object] = {
            "code": resultat.code.value,
            "libelle": resultat.label,
            "reference": answer.reference,
        }
        if person is not None:
            document["ins"] = {"matricule": person.ins.matricule, "oid": person.ins.oid}
            document["historique"] = [
                {"matricule": r.matricule, "oid": r.ins.oid} for r in person.history
            ]
            document["traits"] = {
                "nom_naissance": person.traits.birth_name,
                "prenoms": person.traits.given_names,
                "sexe": person.traits.sex,
                "naissance": str(person.traits.birth_date),
                "lieu": person.traits.birthplace_cog,
            }
        print_json(document)
        return
    typer.echo(f"Code retour {resultat.code.value} : {resultat.code.label}")
    if person is None:
        typer.echo(resultat.code.advice)
        return
    kind = person.ins.kind.label if person.ins.kind is not None else "INS"
    typer.echo(f"INS : {person.ins.matricule} ({kind}, OID {person.ins.oid})")
    for record in person.history:
        typer.echo(f"INS précédente : {record.matricule} (OID {record.ins.oid})")
    traits = person.traits
    typer.echo(f"Nom de naissance : {traits.birth_name}")
    typer.echo(f"Prénoms de naissance : {traits.given_names}")
    typer.echo(f"Sexe : {SEX_LABELS.get(traits.sex, traits.sex)}")
    typer.echo(f"Date de naissance : {traits.birth_date}")
    if traits.birthplace_cog:
        typer.echo(f"Lieu de naissance : {_birthplace(traits.birthplace_cog)}")
    typer.echo(f"Référence de la réponse : {answer.reference}")
    typer.echo(resultat.code.advice)


@app.command("insi")
def insi_cmd(
    nom: Annotated[str, typer.Option("--nom", help="Nom de naissance.")],
    prenom: Annotated[
        str, typer.Option("--prenom", help="Prénom(s) de naissance, le premier d'abord.")
    ],
    naissance: Annotated[str, typer.Option("--naissance", help="Date de naissance (JJ-MM-AAAA).")],
    sexe: Annotated[str, typer.Option("--sexe", help="Sexe : M ou F.")],
    lieu: Annotated[
        str | None, typer.Option("--lieu", help="Lieu de naissance (code COG INSEE).")
    ] = None,
    ps: _PsOption = "generaliste",
    sandbox: _SandboxOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Réponse en JSON.")] = False,
) -> None:
    """Rechercher l'INS d'une personne par ses traits auprès du téléservice INSi."""
    from esante.identity.insi import TraitsQuery

    query = TraitsQuery(nom, tuple(prenom.split()), sexe, _birth_date(naissance), lieu)
    with insi_connection(sandbox, ps) as insi:
        answer = insi.search_traits(query)
    _print_answer(answer, as_json)


@app.command("vitale")
def vitale_cmd(
    nir_assure: Annotated[
        str, typer.Option("--nir-assure", help="Numéro de l'assuré lu sur la carte Vitale.")
    ],
    naissance: Annotated[
        str, typer.Option("--naissance", help="Date de naissance du bénéficiaire (AAAA-MM-JJ).")
    ],
    rang: Annotated[int, typer.Option("--rang", min=1, max=9, help="Rang de naissance.")] = 1,
    nir_beneficiaire: Annotated[
        str | None, typer.Option("--nir-beneficiaire", help="NIR du bénéficiaire, s'il figure.")
    ] = None,
    ps: _PsOption = "generaliste",
    sandbox: _SandboxOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Réponse en JSON.")] = False,
) -> None:
    """Rechercher l'INS du bénéficiaire d'une carte Vitale auprès du téléservice INSi."""
    from esante.identity.insi import VitaleQuery

    query = VitaleQuery.from_card(
        insured_nir=nir_assure,
        birth_date=naissance,
        birth_rank=rang,
        beneficiary_nir=nir_beneficiaire,
    )
    with insi_connection(sandbox, ps) as insi:
        answer = insi.search_vitale(query)
    _print_answer(answer, as_json)


@app.command("qualifier")
def qualify_cmd(
    ipp: Annotated[str, typer.Argument(help="Identifiant local (IPP) du patient.")],
    ins: Annotated[
        str | None,
        typer.Option("--ins", help="INS à vérifier (sinon récupérée auprès de l'INSi)."),
    ] = None,
    oid: Annotated[str | None, typer.Option("--oid", help="OID de l'INS vérifiée.")] = None,
    piece: Annotated[
        str | None, typer.Option("--piece", help="Pièce d'identité contrôlée (CN, PA, ...).")
    ] = None,
    piece_representant: Annotated[
        str | None,
        typer.Option("--piece-representant", help="Pièce du représentant légal (mineur)."),
    ] = None,
    statut: Annotated[
        str | None, typer.Option("--statut", help="Statut visé (RECUP, VALI, QUAL).")
    ] = None,
    ps: _PsOption = "generaliste",
    sandbox: _SandboxOption = None,
) -> None:
    """Interroger l'INSi pour un patient de la base et enregistrer la preuve d'identité.

    Les règles sont celles du service REST : l'INS vient de la réponse du téléservice INSi
    (vérification de l'INS donnée, ou récupération), jamais d'une référence saisie.
    """
    from esante.practice import add_identity_evidence
    from esante.store import NotFoundError
    from esante.store.repositories import PatientRepository

    with _acting(ps) as (session, actor), insi_connection(sandbox, ps) as insi:
        patient = PatientRepository(session).by_local_id(ipp)
        if patient is None:
            raise NotFoundError(
                f"Aucun patient d'IPP « {ipp} » dans la base.", field="IPP", detail=ipp
            )
        patient = add_identity_evidence(
            session,
            patient.id,
            ins_matricule=ins,
            ins_oid=oid,
            insi_reference=None if ins else "recherche",
            identity_document=piece,
            guardian_document=piece_representant,
            identity_status=statut,
            actor=actor,
            insi=insi,
        )
        session.commit()
        typer.echo(f"Statut de l'identité : {patient.identity_status}")
        if patient.ins_matricule:
            typer.echo(f"INS : {patient.ins_matricule} (OID {patient.ins_oid})")


@contextmanager
def _acting(ps: str) -> Iterator[tuple[Session, Actor]]:
    """A session on the practice database and the ``--ps`` professional as the actor
    (same rules and trace as the API; traced from ``cli``); the trace's checkpoints are
    kept (:func:`esante.audit.anchor.anchor_engine`)."""
    from dataclasses import replace

    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.practice.actors import AuthenticationError, professional_actor
    from esante.store import session_factory

    rpps = professional_rpps(ps)
    settings = load_settings()
    engine = open_database(settings)
    anchor_engine(engine, settings.home)
    try:
        with session_factory(engine)() as session:
            try:
                actor = professional_actor(session, "8" + rpps, None)
            except AuthenticationError as exc:
                raise AuthenticationError(
                    f"Aucun professionnel actif de RPPS {rpps} dans la base du cabinet.",
                    detail=exc.detail,
                    field="--ps",
                ) from exc
            yield session, replace(actor, origin="cli")
    finally:
        engine.dispose()


_SUMMARY = (
    ("confirmed", "INS confirmées"),
    ("replaced", "INS remplacées (statut abaissé, nouvelle INS à récupérer)"),
    ("not_confirmed", "INS non confirmées (statut abaissé)"),
    ("unavailable", "téléservice indisponible : à réessayer"),
    ("not_attempted", "non vérifiées après l'indisponibilité : à réessayer"),
    ("failed", "en échec"),
)
"""The summary's lines, by :class:`esante.practice.reverification.Outcome` value (kept
here as text: ``esante ins check`` must not import the database layer)."""
DEFAULT_PERIOD_DAYS = 365
""":data:`esante.practice.reverification.DEFAULT_PERIOD` in days (a test keeps them equal)."""


@app.command("reverifier")
def reverify_cmd(
    ipp: Annotated[
        list[str] | None,
        typer.Option("--ipp", metavar="IPP", help="Revérifier ce patient maintenant (répétable)."),
    ] = None,
    periode: Annotated[
        int,
        typer.Option(
            "--periode",
            min=1,
            metavar="JOURS",
            help="Âge maximal, en jours, de la dernière vérification INSi (sans --ipp).",
        ),
    ] = DEFAULT_PERIOD_DAYS,
    limite: Annotated[
        int | None, typer.Option("--limite", min=1, metavar="N", help="Nombre maximal de patients.")
    ] = None,
    ps: _PsOption = "generaliste",
    sandbox: _SandboxOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Résultats en JSON.")] = False,
) -> None:
    """Revérifier auprès du téléservice INSi les INS dont la dernière vérification est ancienne.

    Pour chaque identité récupérée ou qualifiée dont l'INS n'a pas été vérifiée depuis
    --periode jours (365 par défaut : aucune période officielle publiée), ou pour chaque
    --ipp : INS confirmée → le statut reste et l'historique garde la nouvelle référence
    INSi ; INS remplacée ou non confirmée → le statut baisse (qualifiée → validée,
    récupérée → provisoire), l'INS est effacée, l'historique et la trace disent pourquoi ;
    téléservice indisponible → rien ne change, la suite n'est pas interrogée, relancez plus
    tard. Code de sortie 1 quand des identités restent à vérifier ou en échec.
    """
    from esante.practice.reverification import (
        Outcome,
        due_for_reverification,
        reverify_patients,
    )
    from esante.store import NotFoundError
    from esante.store.repositories import PatientRepository

    with _acting(ps) as (session, actor), insi_connection(sandbox, ps) as insi:
        if ipp:
            ids = []
            for local_id in ipp:
                patient = PatientRepository(session).by_local_id(local_id)
                if patient is None:
                    raise NotFoundError(
                        f"Aucun patient d'IPP « {local_id} » dans la base.",
                        field="--ipp",
                        detail=local_id,
                    )
                ids.append(patient.id)
            ids = ids[:limite] if limite else ids
        else:
            ids = due_for_reverification(session, period=timedelta(days=periode), limit=limite)
        session.commit()
        if not ids:
            if as_json:
                print_json({"resultats": [], "bilan": {}})
            else:
                typer.echo(
                    f"Aucune INS à revérifier (toutes vérifiées depuis moins de {periode} jours)."
                )
            return
        with typer.progressbar(length=len(ids), label="Vérification INSi", file=sys.stderr) as bar:
            results = reverify_patients(
                session, ids, insi, actor=actor, on_result=lambda _: bar.update(1)
            )
    counts = {value: sum(r.outcome.value == value for r in results) for value, _ in _SUMMARY}
    if as_json:
        print_json(
            {
                "resultats": [
                    {
                        "ipp": r.local_id,
                        "resultat": r.outcome.value,
                        "message": r.message,
                        "statut_avant": r.from_status,
                        "statut_apres": r.to_status,
                        "reference_insi": r.insi_reference,
                        "nouvelle_ins": r.new_ins,
                        "a_reessayer": r.retry,
                    }
                    for r in results
                ],
                "bilan": counts,
            }
        )
    else:
        for r in results:
            if r.outcome is not Outcome.CONFIRMED and r.outcome is not Outcome.NOT_ATTEMPTED:
                typer.echo(f"IPP {r.local_id} : {r.outcome.label}. {r.message}")
        typer.echo(f"Bilan : {len(results)} identité(s) traitée(s).")
        for value, label in _SUMMARY:
            if counts[value]:
                typer.echo(f"  {counts[value]} {label}")
    if any(r.retry or r.outcome is Outcome.FAILED for r in results):
        raise typer.Exit(1)
