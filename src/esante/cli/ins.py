"""`esante ins` — check an INS matricule; the INSi teleservice; the INS DataMatrix.

``insi --nom … --prenom … --naissance … --sexe … [--lieu]`` and ``vitale --nir-assure …
--naissance …`` query the INSi teleservice of the running sandbox (``--sandbox`` or
``ESANTE_SANDBOX``, mutual TLS with its PKI) on behalf of a demo professional (``--ps``)
and print the answer in French: result code 00 / 01 / 02 with its meaning and what to do
next, the INS (and previous ones) and the INS traits, the reference of the answer.
``qualifier IPP [--ins … --oid …] [--piece …] [--statut QUAL]`` records identity evidence
on a patient of the practice database through the practice's rules (the INS verified or
retrieved by INSi, never typed as evidence), as the REST evidence route does.

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
from dataclasses import asdict
from datetime import date
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
    from esante.insi import InsiAnswer, InsiClient
    from esante.transport import HttpsTransport

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


# --------------------------------------------------------------------------- INSi

_SandboxOption = Annotated[
    Path | None,
    typer.Option("--sandbox", help="Répertoire du bac à sable (défaut : ESANTE_SANDBOX)."),
]
_PsOption = Annotated[
    str,
    typer.Option("--ps", help="Professionnel pour qui l'appel est fait (clé de démonstration)."),
]
_INSI_LPS_AUTHORISATION = "ESANTE-BAC-A-SABLE"
"""CNDA authorisation number sent in ContexteLPS when talking to the sandbox."""


def insi_sandbox_client(sandbox: Path | None, ps: str) -> tuple[InsiClient, HttpsTransport]:
    """The INSi client of the running sandbox (its PKI for mutual TLS) and its transport,
    which the caller closes; ``ps`` is a demo professional's key."""
    from esante import __version__
    from esante.cli.sandbox import load_manifest
    from esante.demo import DemoError, demo_dataset
    from esante.insi import InsiClient, LpsIdentity, Professional, professional_assertion
    from esante.sandbox.runtime import SandboxRuntimeError
    from esante.transport import HttpsTransport, TlsConfig

    manifest = load_manifest(sandbox)
    if manifest.insi is None:
        raise SandboxRuntimeError(
            "Ce bac à sable n'a pas de téléservice INSi (redémarrez-le).",
            detail="no insi entry in sandbox.json",
            field="--sandbox",
        )
    try:
        practitioner = demo_dataset().practitioner(ps)
    except DemoError as exc:
        raise DemoError(exc.message, detail=exc.detail, field="--ps") from exc
    id_nat = practitioner.id_nat_ps
    pki = manifest.pki
    transport = HttpsTransport(
        TlsConfig(
            ca_bundle=pki.ca, certificate=pki.authentication_certificate, key=pki.authentication_key
        )
    )
    client = InsiClient(
        transport,
        manifest.insi.url,
        lps=LpsIdentity(_INSI_LPS_AUTHORISATION, __version__, "esante", pki.structure_id),
        professional=Professional(
            id_nat, lambda: professional_assertion(id_nat, issuer=f"CN={id_nat}")
        ),
    )
    return client, transport


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
    client, transport = insi_sandbox_client(sandbox, ps)
    with transport:
        answer = client.search_traits(query)
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
    client, transport = insi_sandbox_client(sandbox, ps)
    with transport:
        answer = client.search_vitale(query)
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
    from dataclasses import replace

    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.demo import demo_dataset
    from esante.practice import add_identity_evidence
    from esante.practice.actors import professional_actor
    from esante.store import NotFoundError, session_factory
    from esante.store.repositories import PatientRepository

    client, transport = insi_sandbox_client(sandbox, ps)
    settings = load_settings()
    engine = open_database(settings)
    anchor_engine(engine, settings.home)  # the change is traced: checkpoints kept
    try:
        with transport, session_factory(engine)() as session:
            patient = PatientRepository(session).by_local_id(ipp)
            if patient is None:
                raise NotFoundError(
                    f"Aucun patient d'IPP « {ipp} » dans la base.", field="IPP", detail=ipp
                )
            rpps = demo_dataset().practitioner(ps).rpps
            # the --ps professional is the actor (same rules and trace as the API)
            actor = replace(professional_actor(session, "8" + rpps, None), origin="cli")
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
                insi=client,
            )
            session.commit()
            typer.echo(f"Statut de l'identité : {patient.identity_status}")
            if patient.ins_matricule:
                typer.echo(f"INS : {patient.ins_matricule} (OID {patient.ins_oid})")
    finally:
        engine.dispose()
