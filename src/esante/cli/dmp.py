"""`esante dmp` — the DMP client from the command line, pointed at the sandbox.

Every command calls one DMP transaction with the real client (:class:`esante.dmp.DmpClient`
over mutual TLS): ``status`` (TD0.2), ``authorize`` (TD0.3), ``send`` (TD2.1), ``search``
(TD3.1), ``get`` (TD3.2), ``mask``/``unmask`` (TD3.3a), ``hide``/``show`` (TD3.3b),
``delete`` (TD3.3c), ``archive``/``unarchive`` (TD3.3d). The patient is ``--ins MATRICULE``
(test NIR OID unless ``--oid``); documents are named by their uniqueId. ``bar`` prints
the Mon espace santé bar of a patient of the practice database (DICA conditions and
counters, :mod:`esante.practice.dica`).

Where and who: the sandbox's URLs and client PKI come from ``sandbox.json`` in
``--sandbox DIR`` or ``ESANTE_SANDBOX``; the acting professional is ``--ps``, a demo
practitioner key (``generaliste`` by default, ``pediatre``, ``infirmier``...) or an RPPS /
idNat_PS (a médecin généraliste of the structure of the PKI). ``--auth`` is the
authentication mode the VIHF declares (``directe``: the professional's card, the
default, allowed every transaction by the rights matrix; ``indirecte``: the structure's
certificate, feeding only; ``renforcee``: AIR). ``--mode normal|bris_de_glace|centre_15``
with ``--motif`` for bris de glace. ``--json`` for machines; French tables otherwise.

Consultations (``search``, TD3.1; ``get``, TD3.2) made where a practice database exists
(``ESANTE_DATABASE_URL``, or ``esante.db`` in ``ESANTE_HOME``) go through the practice's
rules like the REST API (:mod:`esante.practice.dmp_consultation`): the ``--ps``
professional must be in the database (found by RPPS), the patient too (by INS), the
180-day notice acknowledged and the patient's consent given for a normal access; the
decision and the consultation itself are appended to the access trace, naming the
professional, origin ``cli``. A refusal is a French error and nothing is sent to the DMP.
Without any practice database the command is the sandbox's developer client (no patient
record to check against) and says so on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from esante.cli._output import print_json
from esante.cli.sandbox import NIR_TEST_OID, load_manifest
from esante.errors import EsanteError
from esante.services.profile import SANDBOX_HOMOLOGATION, SANDBOX_LPS_OID
from esante.xds.activity import content_type_for_episode

if TYPE_CHECKING:
    from esante.dmp import Access, Actor, DmpClient
    from esante.identity import Ins
    from esante.sandbox.runtime import SandboxManifest
    from esante.services import ServiceProfile
    from esante.transport import HttpsTransport, SoapTransport
    from esante.xds import Code, DocumentEntry

app = typer.Typer(
    help="Client DMP : existence, autorisation, alimentation, recherche, consultation, "
    "masquage, visibilité, archivage, suppression (vers le bac à sable).",
    no_args_is_help=True,
)

LPS_OID = SANDBOX_LPS_OID
LPS_HOMOLOGATION = SANDBOX_HOMOLOGATION
_AMBULATORY = content_type_for_episode(None)
ACTIVITY = (_AMBULATORY.code, _AMBULATORY.coding_scheme, _AMBULATORY.display)
"""Default submission-set contentTypeCode (JDV_J59) when a send names no care episode: an
ambulatory consultation, 07 (esante.xds.activity) — not the official examples' 04."""
PROFESSION_SYSTEM = "1.2.250.1.71.1.2.7"
SPECIALTY_SYSTEM = "1.2.250.1.71.4.2.5"
DEFAULT_PS = "generaliste"

InsOption = Annotated[str, typer.Option("--ins", help="Matricule INS du patient (15 caractères).")]
OidOption = Annotated[str, typer.Option("--oid", help="OID de l'INS (défaut : NIR de test).")]
PsOption = Annotated[
    str,
    typer.Option(
        "--ps", help="Professionnel : clé de démo (generaliste, pediatre...) ou RPPS/idNat_PS."
    ),
]
AuthOption = Annotated[
    str,
    typer.Option("--auth", help="Authentification : directe, indirecte ou renforcee (AIR)."),
]
ModeOption = Annotated[
    str, typer.Option("--mode", help="Mode d'accès : normal, bris_de_glace, centre_15.")
]
ReasonOption = Annotated[
    str | None, typer.Option("--motif", "--reason", help="Motif (obligatoire en bris de glace).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]
SandboxOption = Annotated[
    Path | None,
    typer.Option("--sandbox", help="Répertoire du bac à sable (défaut : ESANTE_SANDBOX)."),
]
DocumentArgument = Annotated[str, typer.Argument(help="Identifiant unique (uniqueId) du document.")]


def _request_error(message: str, *, detail: str, field: str) -> EsanteError:
    """A command that cannot run as asked (bad option value...): nothing was sent.

    A :class:`esante.dmp.DmpRequestError`, imported only when needed (the DMP client is
    not loaded for ``esante --help``).
    """
    from esante.dmp import DmpRequestError

    return DmpRequestError(message, detail=detail, field=field)


@dataclass
class _Call:
    client: DmpClient
    actor: Actor
    access: Access
    ins: Ins
    repository: str


def _actor(ps: str, auth: str, structure_id: str, structure_name: str) -> Actor:
    from esante.demo import DemoError, demo_dataset
    from esante.dmp import Actor
    from esante.trust import AuthenticationMode
    from esante.trust import Code as RoleCode

    modes = {
        "directe": AuthenticationMode.DIRECTE,
        "indirecte": AuthenticationMode.INDIRECTE,
        "renforcee": AuthenticationMode.INDIRECTE_RENFORCEE,
        "air": AuthenticationMode.INDIRECTE_RENFORCEE,
    }
    mode = modes.get(auth.strip().lower())
    if mode is None:
        raise _request_error(
            "Mode d'authentification inconnu (directe, indirecte ou renforcee).",
            detail=f"--auth {auth!r}",
            field="--auth",
        )
    data = demo_dataset()
    wanted = ps.strip()
    practitioner = None
    try:
        practitioner = data.practitioner(wanted)
    except DemoError:
        practitioner = next(
            (p for p in data.practitioners if wanted in (p.rpps, p.id_nat_ps)), None
        )
    if practitioner is not None:
        structure = data.structure(practitioner.structure_key)
        return Actor(
            id=practitioner.id_nat_ps,
            family_name=practitioner.family_name.upper(),
            given_name=practitioner.given_name,
            role=RoleCode(practitioner.profession_code, PROFESSION_SYSTEM, practitioner.label),
            specialty=RoleCode(practitioner.specialty_code, SPECIALTY_SYSTEM)
            if practitioner.specialty_code
            else None,
            structure_id=structure_id,
            structure_name=structure_name,
            activity_sector=structure.facility_type_code,
            authentication_mode=mode,
        )
    if not wanted.isdigit() or len(wanted) not in (11, 12):
        raise _request_error(
            f"Professionnel inconnu : « {wanted} » (clé de démonstration, RPPS ou idNat_PS).",
            detail="known demo keys: " + ", ".join(p.key for p in data.practitioners),
            field="--ps",
        )
    return Actor(
        id=wanted if len(wanted) == 12 else "8" + wanted,
        family_name="PROFESSIONNEL",
        given_name="Test",
        role=RoleCode("10", PROFESSION_SYSTEM, "Médecin"),
        specialty=RoleCode("SM54", SPECIALTY_SYSTEM, "Médecine générale (SM)"),
        structure_id=structure_id,
        structure_name=structure_name,
        activity_sector="SA07",
        authentication_mode=mode,
    )


def sandbox_client(manifest: SandboxManifest) -> tuple[DmpClient, HttpsTransport]:
    """The DMP client of the sandbox described by ``manifest`` (its test PKI for mutual TLS
    and signatures) and its transport, which the caller closes
    (:func:`esante.services.build_dmp_client` on the sandbox preset)."""
    from esante.services import build_dmp_client

    return build_dmp_client(_sandbox_profile(manifest))


def sandbox_client_on(manifest: SandboxManifest, transport: SoapTransport) -> DmpClient:
    """The sandbox's DMP client over ``transport`` (signatures from its test PKI): for
    callers that bring their own transport (benchmarks capturing requests)."""
    from esante.services import dmp_client_on

    return dmp_client_on(_sandbox_profile(manifest), transport)


def _sandbox_profile(manifest: SandboxManifest) -> ServiceProfile:
    from esante.config import load_settings
    from esante.services import resolve

    return resolve(load_settings(services="sandbox"), sandbox=Path(manifest.directory))


@contextmanager
def _call(
    sandbox: Path | None,
    ins: str,
    oid: str,
    ps: str,
    auth: str,
    mode: str,
    reason: str | None,
) -> Iterator[_Call]:
    from esante.dmp import Access
    from esante.identity import check_ins
    from esante.trust import AccessMode

    try:
        access_mode = AccessMode(mode.strip().lower())
    except ValueError as exc:
        raise _request_error(
            "Mode d'accès inconnu (normal, bris_de_glace ou centre_15).",
            detail=f"--mode {mode!r}",
            field="--mode",
        ) from exc
    manifest = load_manifest(sandbox)
    pki = manifest.pki
    actor = _actor(ps, auth, pki.structure_id, pki.structure_name)
    checked = check_ins(ins.strip().upper(), oid.strip())
    client, transport = sandbox_client(manifest)
    try:
        yield _Call(
            client=client,
            actor=actor,
            access=Access(access_mode, reason),
            ins=checked,
            repository=manifest.dmp.repository_unique_id,
        )
    finally:
        transport.close()


def _console() -> Console:
    return Console(highlight=False)


@dataclass
class _Practice:
    """The practice database a consultation is checked against and traced in."""

    sessions: Any
    consultation: Any


@contextmanager
def _consultation(
    ins: str, oid: str, actor: Actor, mode: str, reason: str | None, *, quiet: bool = False
) -> Iterator[_Practice | None]:
    """The practice's decision on this consultation (``None`` without a practice database).

    Raises the practice's French refusal before anything is sent; the engine is anchored
    (:func:`esante.audit.anchor.anchor_engine`) so the trace gets its checkpoints.
    """
    from esante.audit.anchor import anchor_engine
    from esante.cli.db import _sqlite_file, open_database
    from esante.config import load_settings
    from esante.practice.dmp_consultation import open_consultation
    from esante.store import session_factory

    settings = load_settings()
    sqlite_file = _sqlite_file(settings)
    if not settings.database_url and (sqlite_file is None or not sqlite_file.is_file()):
        if not quiet:  # --json output stays parseable
            typer.echo(
                "Aucune base esante (ESANTE_HOME, ESANTE_DATABASE_URL) : consultation du bac "
                "à sable sans contrôle du consentement ni trace locale.",
                err=True,
            )
        yield None
        return
    engine = open_database(settings)
    try:
        anchor_engine(engine, settings.home)
        sessions = session_factory(engine)
        with sessions() as session:
            consultation = open_consultation(
                session,
                sessions,
                ins=ins,
                ins_oid=oid.strip() or None,
                professional=actor.id,
                mode=mode.strip().lower(),
                reason=reason,
            )
        yield _Practice(sessions, consultation)
    finally:
        engine.dispose()


def _traced(practice: _Practice | None, action: str, document: str | None = None) -> Any:
    """A context that traces the DMP call's outcome (success, refused, failure)."""
    return _TraceCall(practice, action, document)


class _TraceCall:
    def __init__(self, practice: _Practice | None, action: str, document: str | None) -> None:
        self.practice, self.action, self.document = practice, action, document
        self.detail: str | None = None

    def __enter__(self) -> _TraceCall:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if self.practice is None:
            return
        from esante.dmp import DmpRejectedError
        from esante.practice.dmp_consultation import record_consultation

        if exc is None:
            outcome, detail = "success", self.detail
        else:
            outcome = "refused" if isinstance(exc, DmpRejectedError) else "failure"
            detail = getattr(exc, "code", None) or type(exc).__name__
        record_consultation(
            self.practice.sessions,
            self.practice.consultation,
            action=self.action,
            outcome=outcome,
            document_unique_id=self.document,
            detail=detail,
        )


def _yes(value: bool | None) -> str:
    return {True: "oui", False: "non", None: "inconnu"}[value]


# --------------------------------------------------------------------------- TD0.2, TD0.3


@app.command("status")
def status_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    auth: AuthOption = "directe",
    mode: ModeOption = "normal",
    motif: ReasonOption = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """TD0.2 : le patient a-t-il un DMP, est-il ouvert, le professionnel est-il autorisé ?"""
    with _call(sandbox, ins, oid, ps, auth, mode, motif) as call:
        status = call.client.test_existence(call.ins, actor=call.actor, access=call.access)
    data = {
        "existe": status.exists,
        "ouvert": status.active,
        "autorisation": None if status.authorization is None else str(status.authorization),
        "medecin_traitant": status.treating_physician,
        "rattache_mes": status.attached_to_mes,
    }
    if json_output:
        print_json(data)
        return
    table = Table(title=f"DMP de l'INS {ins.strip().upper()}", show_header=False)
    table.add_row("DMP existant", _yes(status.exists))
    if status.exists:
        table.add_row("Ouvert", _yes(status.active))
        table.add_row("Autorisation du professionnel", str(data["autorisation"] or "inconnue"))
        table.add_row("Médecin traitant DMP", _yes(status.treating_physician))
        table.add_row("Rattaché à Mon espace santé", _yes(status.attached_to_mes))
    _console().print(table)


@app.command("authorize")
def authorize_cmd(
    ins: InsOption,
    remove: Annotated[bool, typer.Option("--retirer", help="Retirer son autorisation.")] = False,
    treating: Annotated[
        bool, typer.Option("--medecin-traitant", help="Rôle de médecin traitant DMP.")
    ] = False,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    auth: AuthOption = "directe",
    mode: ModeOption = "normal",
    motif: ReasonOption = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """TD0.3 : se déclarer autorisé (avec le consentement du patient) ou retirer l'autorisation."""
    with _call(sandbox, ins, oid, ps, auth, mode, motif) as call:
        update = call.client.set_authorization(
            call.ins,
            actor=call.actor,
            grant=not remove,
            treating_physician=treating,
            access=call.access,
        )
    if json_output:
        print_json({"statut": update.status, "contexte": update.context})
        return
    typer.echo(f"DMP : {update.status} — {update.context or 'autorisation mise à jour'}.")


# --------------------------------------------------------------------------- TD2.1


@app.command("send")
def send_cmd(
    file: Annotated[Path, typer.Argument(help="Document CDA R2 (XML) à déposer.")],
    ins: InsOption,
    replaces: Annotated[
        str | None,
        typer.Option("--remplace", help="uniqueId du document remplacé (nouvelle version)."),
    ] = None,
    masked: Annotated[
        bool, typer.Option("--masque", help="Masquer le document aux professionnels.")
    ] = False,
    hidden: Annotated[
        bool, typer.Option("--invisible-patient", help="Rendre le document invisible au patient.")
    ] = False,
    hidden_representatives: Annotated[
        bool,
        typer.Option("--invisible-representants", help="Invisible aux représentants légaux."),
    ] = False,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    auth: AuthOption = "directe",
    mode: ModeOption = "normal",
    motif: ReasonOption = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """TD2.1 : déposer un document CDA dans le DMP (signé XAdES), ou le remplacer."""
    from esante.dmp import Visibility

    try:
        cda = file.read_bytes()
    except OSError as exc:
        raise _request_error(
            f"Fichier illisible : {file}.", detail=str(exc), field=str(file)
        ) from exc
    visibility = [
        v
        for on, v in (
            (masked, Visibility.MASKED_TO_PROFESSIONALS),
            (hidden, Visibility.INVISIBLE_TO_PATIENT),
            (hidden_representatives, Visibility.INVISIBLE_TO_LEGAL_REPRESENTATIVES),
        )
        if on
    ]
    with _call(sandbox, ins, oid, ps, auth, mode, motif) as call:
        result = call.client.submit(
            call.ins,
            cda,
            actor=call.actor,
            replaces=replaces,
            visibility=visibility,
            access=call.access,
        )
    data = {
        "document": result.document_unique_id,
        "lot": result.submission_set_unique_id,
        "signature": result.signature_unique_id,
        "remplace": result.replaced_entry_uuid,
        "avertissements": [w.code_context for w in result.warnings],
    }
    if json_output:
        print_json(data)
        return
    typer.echo(f"Document déposé dans le DMP : {result.document_unique_id}")
    if result.replaced_entry_uuid:
        typer.echo(f"  il remplace la version {result.replaced_entry_uuid}")
    for warning in result.warnings:
        typer.echo(f"  avertissement du DMP : {warning.code_context}")


# --------------------------------------------------------------------------- TD3.1


def _codes(values: list[str], default_scheme: str) -> tuple[Code, ...]:
    from esante.xds import Code
    from esante.xds.vocabulary import IHE_FORMAT_OID

    found: list[Code] = []
    for value in values:
        code, _, scheme = value.partition("^")
        if not scheme:
            scheme = IHE_FORMAT_OID if code.startswith("urn:ihe:") else default_scheme
        found.append(Code(code.strip(), scheme.strip()))
    return tuple(found)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _request_error(
            f"Date invalide pour {option} (format AAAA-MM-JJ attendu).",
            detail=str(exc),
            field=option,
        ) from exc


def _entry_data(entry: DocumentEntry) -> dict[str, Any]:
    from esante.xds import parse_dtm

    author = next((a.person for a in entry.authors if a.person is not None), None)
    created = parse_dtm(entry.creation_time) if entry.creation_time else None
    return {
        "uniqueId": entry.unique_id,
        "entryUUID": entry.entry_uuid,
        "titre": entry.title,
        "type": entry.type_code.display or entry.type_code.code if entry.type_code else None,
        "date": created.date().isoformat() if created else None,
        "auteur": " ".join(p for p in (author.given_name, author.family_name) if p)
        if author
        else None,
        "statut": str(entry.availability_status).rsplit(":", 1)[-1]
        if entry.availability_status
        else None,
        "masque": entry.masked_to_professionals,
        "invisible_patient": entry.invisible_to_patient,
        "version": entry.version,
    }


def _french_date(iso: str | None) -> str:
    return "" if not iso else date.fromisoformat(iso).strftime("%d/%m/%Y")


_STATUS_LABELS = {
    "Approved": "actif",
    "Archived": "archivé",
    "Deprecated": "remplacé",
    "Deleted": "supprimé",
}


@app.command("search")
def search_cmd(
    ins: InsOption,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="typeCode (LOINC...), répétable.")
    ] = None,
    classes: Annotated[list[str] | None, typer.Option("--classe", help="classCode.")] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", help="formatCode.")] = None,
    settings: Annotated[
        list[str] | None, typer.Option("--cadre", help="practiceSettingCode.")
    ] = None,
    facilities: Annotated[
        list[str] | None, typer.Option("--etablissement", help="healthcareFacilityTypeCode.")
    ] = None,
    authors: Annotated[
        list[str] | None, typer.Option("--auteur", help="idNat_PS de l'auteur.")
    ] = None,
    created_from: Annotated[
        str | None, typer.Option("--cree-depuis", help="Créé à partir du (AAAA-MM-JJ).")
    ] = None,
    created_to: Annotated[
        str | None, typer.Option("--cree-jusqu-au", help="Créé jusqu'au (inclus).")
    ] = None,
    service_from: Annotated[
        str | None, typer.Option("--acte-depuis", help="Acte à partir du.")
    ] = None,
    service_to: Annotated[
        str | None, typer.Option("--acte-jusqu-au", help="Acte jusqu'au.")
    ] = None,
    submitted_from: Annotated[
        str | None, typer.Option("--depose-depuis", help="Déposé à partir du.")
    ] = None,
    submitted_to: Annotated[
        str | None, typer.Option("--depose-jusqu-au", help="Déposé jusqu'au.")
    ] = None,
    masked_only: Annotated[
        bool, typer.Option("--masques", help="Seulement les documents masqués.")
    ] = False,
    archived: Annotated[bool, typer.Option("--archives", help="Inclure les archivés.")] = False,
    deprecated: Annotated[
        bool, typer.Option("--anciennes-versions", help="Inclure les versions remplacées.")
    ] = False,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    auth: AuthOption = "directe",
    mode: ModeOption = "normal",
    motif: ReasonOption = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """TD3.1 : rechercher les documents du DMP (filtres cumulables)."""
    from esante.dmp import DocumentQuery, Visibility

    query = DocumentQuery(
        type_codes=_codes(types or [], "2.16.840.1.113883.6.1"),
        class_codes=_codes(classes or [], "1.2.250.1.213.1.1.4.1"),
        format_codes=_codes(formats or [], "1.2.250.1.213.1.1.4.2.282"),
        practice_setting_codes=_codes(settings or [], "1.2.250.1.213.1.1.4.9"),
        healthcare_facility_type_codes=_codes(facilities or [], "1.2.250.1.71.4.2.4"),
        authors=tuple(f"{a.strip()}^%" for a in authors or []),
        created_from=_day(created_from, "--cree-depuis"),
        created_to=_day(created_to, "--cree-jusqu-au"),
        service_from=_day(service_from, "--acte-depuis"),
        service_to=_day(service_to, "--acte-jusqu-au"),
        submitted_from=_day(submitted_from, "--depose-depuis"),
        submitted_to=_day(submitted_to, "--depose-jusqu-au"),
        visibility=(Visibility.MASKED_TO_PROFESSIONALS,) if masked_only else (),
        include_archived=archived,
        include_deprecated=deprecated,
    )
    with (
        _call(sandbox, ins, oid, ps, auth, mode, motif) as call,
        _consultation(ins, oid, call.actor, mode, motif, quiet=json_output) as practice,
        _traced(practice, "TD3.1") as trace,
    ):
        found = call.client.find_documents(call.ins, query, actor=call.actor, access=call.access)
        trace.detail = f"documents={len(found.documents)}"
    rows = [_entry_data(e) for e in found.documents]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"Documents du DMP de l'INS {ins.strip().upper()} ({len(rows)})")
    for column in ("Date", "Type", "Titre", "Auteur", "Statut", "Visibilité", "uniqueId"):
        table.add_column(column, overflow="fold")
    for row in rows:
        flags = [
            label
            for key, label in (("masque", "masqué PS"), ("invisible_patient", "invisible patient"))
            if row[key]
        ]
        table.add_row(
            _french_date(row["date"]),
            row["type"] or "",
            row["titre"] or "",
            row["auteur"] or "",
            _STATUS_LABELS.get(row["statut"] or "", row["statut"] or ""),
            ", ".join(flags) or "normale",
            row["uniqueId"] or "",
        )
    _console().print(table)


# --------------------------------------------------------------------------- TD3.2


@app.command("get")
def get_cmd(
    unique_id: DocumentArgument,
    ins: InsOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "--sortie", "-o", help="Fichier où écrire le document (défaut : <uniqueId>.xml)."
        ),
    ] = None,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    auth: AuthOption = "directe",
    mode: ModeOption = "normal",
    motif: ReasonOption = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """TD3.2 : consulter (télécharger) un document du DMP."""
    with (
        _call(sandbox, ins, oid, ps, auth, mode, motif) as call,
        _consultation(ins, oid, call.actor, mode, motif, quiet=json_output) as practice,
        _traced(practice, "TD3.2", unique_id.strip()),
    ):
        document = call.client.retrieve(
            call.ins, unique_id, call.repository, actor=call.actor, access=call.access
        )
    target = output or Path(f"{unique_id.strip()}.xml")
    try:
        target.write_bytes(document.data)
    except OSError as exc:
        raise _request_error(
            f"Impossible d'écrire {target}.", detail=str(exc), field="--sortie"
        ) from exc
    if json_output:
        print_json(
            {
                "document": document.document_unique_id,
                "fichier": str(target),
                "octets": len(document.data),
            }
        )
        return
    typer.echo(f"Document {document.document_unique_id} ({len(document.data)} octets) : {target}")


@app.command("import")
def import_cmd(
    unique_ids: Annotated[
        list[str], typer.Argument(help="uniqueId des documents à importer (au plus 50).")
    ],
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Importer des documents du DMP dans le dossier du patient, avec leur provenance.

    Chaque document est lu (TD3.1b, TD3.2), vérifié (INS du patient), enregistré dans
    sa propre transaction ; un document déjà dans le dossier n'est pas importé deux
    fois ; un VSM structuré alimente les problèmes, antécédents, allergies et
    traitements. Exige la base esante du cabinet ; chaque import est tracé.
    """
    from rich.progress import Progress

    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.practice.actors import professional_actor
    from esante.practice.dmp_import import ImportOutcome, import_documents
    from esante.practice.dmp_sender import DmpCredential
    from esante.store import session_factory
    from esante.store.errors import NotFoundError
    from esante.store.repositories import PatientRepository

    manifest = load_manifest(sandbox)
    pki = manifest.pki
    dmp_actor = _actor(ps, "directe", pki.structure_id, pki.structure_name)
    settings = load_settings()
    engine = open_database(settings)
    client, transport = sandbox_client(manifest)
    try:
        anchor_engine(engine, settings.home)
        with (
            session_factory(engine)() as session,
            Progress(disable=json_output, transient=True) as progress,
        ):
            actor = replace(professional_actor(session, dmp_actor.id, None), origin="cli")
            matricule = ins.strip().upper()
            patient = PatientRepository(session).by_ins(matricule, oid.strip() or None)
            if patient is None:
                raise NotFoundError(
                    f"Aucun patient de la base esante ne porte l'INS {matricule}.",
                    detail=f"no patient with INS {matricule!r}",
                    field="--ins",
                )
            task = progress.add_task("Import des documents du DMP", total=len(unique_ids))

            def advance(_: ImportOutcome) -> None:
                progress.advance(task)

            report = import_documents(
                session,
                actor,
                patient.id,
                unique_ids,
                dmp=DmpCredential(client, pki.structure_id, pki.structure_name),
                progress=advance,
            )
    finally:
        transport.close()
        engine.dispose()
    rows = [
        {
            "uniqueId": o.unique_id,
            "statut": o.status,
            "message": o.message,
            "document_id": o.document_id,
            "titre": o.title,
        }
        for o in report.outcomes
    ]
    if json_output:
        print_json(rows)
    else:
        table = Table(title=f"Import dans le dossier (INS {ins.strip().upper()})")
        for column in ("uniqueId", "Titre", "Résultat"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(str(row["uniqueId"]), str(row["titre"] or ""), str(row["message"]))
        _console().print(table)
    if report.count("echec"):
        raise typer.Exit(code=1)


# --------------------------------------------------------------------------- TD3.3a-d

_UPDATES = {
    "mask": ("TD3.3a", "Masquer le document aux professionnels.", "masqué aux professionnels"),
    "unmask": ("TD3.3a", "Démasquer le document.", "démasqué"),
    "hide": ("TD3.3b", "Rendre le document invisible au patient.", "invisible au patient"),
    "show": ("TD3.3b", "Rendre le document visible au patient.", "visible au patient"),
    "delete": ("TD3.3c", "Supprimer le document du DMP.", "supprimé"),
    "archive": ("TD3.3d", "Archiver le document.", "archivé"),
    "unarchive": ("TD3.3d", "Désarchiver le document.", "désarchivé"),
}


def _update(name: str, call: _Call, unique_id: str) -> Any:
    client, actor, access, ins = call.client, call.actor, call.access, call.ins
    if name == "mask":
        return client.mask(ins, unique_id, actor=actor, access=access)
    if name == "unmask":
        return client.unmask(ins, unique_id, actor=actor, access=access)
    if name in ("hide", "show"):
        return client.set_patient_visibility(
            ins, unique_id, name == "show", actor=actor, access=access
        )
    if name == "delete":
        return client.delete(ins, unique_id, actor=actor, access=access)
    if name == "archive":
        return client.archive(ins, unique_id, actor=actor, access=access)
    return client.unarchive(ins, unique_id, actor=actor, access=access)


def _register_update(name: str) -> None:
    td, help_text, done = _UPDATES[name]

    def command(
        unique_id: DocumentArgument,
        ins: InsOption,
        oid: OidOption = NIR_TEST_OID,
        ps: PsOption = DEFAULT_PS,
        auth: AuthOption = "directe",
        mode: ModeOption = "normal",
        motif: ReasonOption = None,
        sandbox: SandboxOption = None,
        json_output: JsonOption = False,
    ) -> None:
        with _call(sandbox, ins, oid, ps, auth, mode, motif) as call:
            result = _update(name, call, unique_id)
        if json_output:
            print_json(
                {
                    "transaction": result.transaction,
                    "document": unique_id,
                    "entryUUID": result.entry_uuid,
                }
            )
            return
        typer.echo(f"{td} : document {unique_id} {done}.")

    command.__doc__ = f"{td} : {help_text}"
    app.command(name)(command)


for _name in _UPDATES:
    _register_update(_name)


# --------------------------------------------------------------------------- the MES bar


def _paris(value: datetime | None) -> str:
    """``dd/mm/yyyy à HH:MM`` in Europe/Paris time; « — » for none."""
    if value is None:
        return "—"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")


@app.command("bar")
def bar_cmd(
    ins: InsOption,
    oid: OidOption = NIR_TEST_OID,
    ps: PsOption = DEFAULT_PS,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Bandeau Mon espace santé du patient : conditions DICA et compteurs de documents.

    D (DMP ouvert, rattaché à Mon espace santé), I (identité qualifiée), C (consentement,
    autorisation), A (authentification, profession habilitée), chacune ✓ ou ✗ avec son
    motif ; puis les documents disponibles, les nouveaux depuis la dernière visite du
    professionnel, les dates du dernier document et du VSM. Exige la base esante du
    cabinet (le professionnel et le patient y sont enregistrés) ; l'accès est tracé.
    """
    from esante.audit.anchor import anchor_engine
    from esante.cli.db import open_database
    from esante.config import load_settings
    from esante.practice.actors import professional_actor
    from esante.practice.dica import dica_status
    from esante.practice.dmp_sender import DmpCredential
    from esante.store import session_factory
    from esante.store.errors import NotFoundError
    from esante.store.repositories import PatientRepository
    from esante.web.api.routes.dmp_bar import bar_public

    manifest = load_manifest(sandbox)
    pki = manifest.pki
    dmp_actor = _actor(ps, "directe", pki.structure_id, pki.structure_name)
    settings = load_settings()
    engine = open_database(settings)
    client, transport = sandbox_client(manifest)
    try:
        anchor_engine(engine, settings.home)
        with session_factory(engine)() as session:
            actor = replace(professional_actor(session, dmp_actor.id, None), origin="cli")
            matricule = ins.strip().upper()
            patient = PatientRepository(session).by_ins(matricule, oid.strip() or None)
            if patient is None:
                raise NotFoundError(
                    f"Aucun patient de la base esante ne porte l'INS {matricule}.",
                    detail=f"no patient with INS {matricule!r}",
                    field="--ins",
                )
            credential = DmpCredential(client, pki.structure_id, pki.structure_name)
            status = dica_status(session, actor, patient.id, dmp=credential)
            session.commit()
    finally:
        transport.close()
        engine.dispose()
    if json_output:
        print_json(bar_public(status).model_dump(mode="json"))
        return
    console = _console()
    if status.emergency_until is not None:
        console.print(
            f"ACCÈS EN URGENCE ({status.access_mode}) jusqu'au {_paris(status.emergency_until)}",
            markup=False,
        )
    for condition in status.conditions:
        mark = {True: "✓", False: "✗", None: "?"}[condition.ok]
        line = f"{mark} {condition.letter} — {condition.name}"
        if condition.ok is not True and condition.reason:
            line += f" : {condition.reason}"
        if condition.action:
            line += f" (action : {condition.action})"
        console.print(line, markup=False)
    counters = status.counters
    if counters is None:
        console.print("Compteurs indisponibles : le DMP n'a pas pu être consulté.")
        return
    console.print(f"{counters.total_label} ; {counters.new_label}", markup=False)
    console.print(f"Dernier document : {_paris(counters.latest_document_at)}", markup=False)
    console.print(f"Dernière mise à jour du VSM : {_paris(counters.vsm_updated_at)}", markup=False)
    console.print(f"Mon espace santé : {_yes(counters.has_mes)}", markup=False)
