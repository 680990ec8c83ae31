"""`esante mss` — MSSanté through the sandbox operator: send documents, read a mailbox.

* ``send FILE... --to ADRESSE`` — compose one message with the CDA files (one patient:
  IHE_XDM.ZIP, PDF copy, X-MSS-* headers) and send it from ``--from`` (default: the
  secretariat of the demo general practitioner's cabinet), authenticated with that
  mailbox's credentials from the sandbox's ``sandbox.json``; prints the Message-ID.
  ``--accuse`` asks the recipient for an acknowledgement (MDN); ``--sans-reponse`` tells
  a patient's Mon espace santé mailbox that the patient may not reply (``X-MSS-MES: FIN``),
  ``--reponse-autorisee`` that they may; without either, the practice's setting
  ``ESANTE_MSS_NO_PATIENT_REPLY`` (default: the patient may reply) decides.
  The package names the institution (the organisational mailbox of the sender's domain).
* ``fetch`` — read the messages of ``--mailbox`` not yet dealt with by esante (read in a
  mail client or not: esante's own marks and records say what it has imported, never
  ``\\Seen``) into the local database
  (``ESANTE_DATABASE_URL``): documents of known patients imported, acknowledgements
  (MDN) and the operator's delivery status notifications (DSN: "délivré", "échec de
  remise") noted on the send orders, the rest left in the mailbox with the reason; acknowledges
  what was asked unless ``--no-ack``. Prints a French summary.
* ``accuses`` — the acknowledgements withheld at a fetch because the sender asked for
  them at another address than the message's Return-Path (RFC 8098 §2.1), with both
  addresses; ``envoyer-accuse MESSAGE_ID`` sends one after showing them and asking for a
  confirmation (``--confirmer`` confirms without asking).
* ``accuses-logiciel --mailbox ADRESSE`` — tells the sandbox operator that a logiciel
  (esante) behind that mailbox sends its own acknowledgements, so that the operator stops
  sending its automatic "processed" MDN for it (one receipt per message); ``--non``
  undoes it. The operator also learns it from the first MDN the mailbox sends.
* ``mailboxes`` — the sandbox's demo mailboxes and how to reach them from any mail client
  (IMAP over TLS, SMTP with STARTTLS, the CA to trust; ``--mots-de-passe`` shows the
  IMAP passwords).

The sandbox is found with ``--sandbox DIR`` or ``ESANTE_SANDBOX``. These commands talk to
the operator directly; documents meant to reach a colleague with retries and
acknowledgement tracking go through the send orders (``esante feed``, the worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from esante.cli._output import fail, print_json
from esante.cli.sandbox import SandboxOption, load_manifest, sandbox_directory
from esante.config import load_settings

if TYPE_CHECKING:
    from esante.practice.inbox import InboxReport
    from esante.sandbox.runtime import SandboxManifest

DEFAULT_MAILBOX = "secretariat@cabinet-du-parc.mssante.fr"
"""The demo general practitioner's cabinet (organisational mailbox, client certificate)."""

KIND_LABELS = {
    "personal": "personnelle",
    "organisational": "organisationnelle",
    "application": "applicative",
    "patient": "patient (Mon espace santé)",
}
DELIVERY_LABELS = {
    "delivered": "distribué",
    "failed": "non distribué",
    "delayed": "retardé",
    "relayed": "relayé",
    "expanded": "redistribué",
}
DISPOSITION_LABELS = {
    "processed": "intégré",
    "error": "refusé",
    "displayed": "lu",
    "deleted": "supprimé sans lecture",
}

app = typer.Typer(
    help="Messagerie sécurisée de santé (MSSanté) du bac à sable : envoi, relève, "
    "boîtes aux lettres.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


def _console() -> Console:
    return Console(highlight=False)


def _mss_section(manifest: SandboxManifest) -> Any:
    from esante.mss import MssSendError

    if manifest.mss is None:
        raise MssSendError(
            "Ce bac à sable ne fournit pas la messagerie MSSanté.",
            detail=f"no mss section in {manifest.path}",
            field="--sandbox",
        )
    return manifest.mss


def _client(directory: Path, address: str) -> Any:
    from esante.mss import MssClient, from_sandbox_manifest

    endpoints, credentials = from_sandbox_manifest(directory, address)
    return MssClient(endpoints, credentials)


# --------------------------------------------------------------------------- send


def _institution(section: Any, entry: Any) -> str:
    """The institution a mailbox belongs to, as INDEX.HTM and README.TXT name the package's
    maker: an organisational box's own name; for a personal box, the organisational box of
    the same domain (its structure), else the box's name."""
    if entry.kind != "organisational":
        domain = entry.address.rpartition("@")[2]
        for other in section.mailboxes:
            if other.kind == "organisational" and other.address.endswith(f"@{domain}"):
                return str(other.display_name or other.address)
    return str(entry.display_name or entry.address)


@app.command("send")
def send_cmd(
    files: Annotated[list[Path], typer.Argument(help="Documents CDA R2 (XML) d'un patient.")],
    to: Annotated[list[str], typer.Option("--to", help="Adresse MSSanté du destinataire.")],
    sender: Annotated[
        str,
        typer.Option("--from", help="Boîte MSSanté d'envoi."),
    ] = DEFAULT_MAILBOX,
    accuse: Annotated[
        bool,
        typer.Option("--accuse", help="Demander un accusé de réception (MDN) au destinataire."),
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf/--sans-pdf", help="Joindre une copie PDF de chaque document.")
    ] = True,
    no_reply: Annotated[
        bool | None,
        typer.Option(
            "--sans-reponse/--reponse-autorisee",
            help="Message à un patient (Mon espace santé) : le patient ne peut pas répondre "
            "(X-MSS-MES: FIN), ou le peut. Par défaut : le réglage du cabinet "
            "ESANTE_MSS_NO_PATIENT_REPLY (réponse autorisée).",
            show_default=False,
        ),
    ] = None,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Envoie des documents CDA dans un message MSSanté (IHE_XDM.ZIP) via le bac à sable."""
    from esante.cli.dmp import ACTIVITY, LPS_OID
    from esante.mss import MssSendError, XdmCreator, compose_message
    from esante.xds import Code

    settings = load_settings()
    blocked = settings.mss_no_patient_reply if no_reply is None else no_reply
    manifest = load_manifest(sandbox)
    entry = _mss_section(manifest).mailbox(sender)
    if entry is None:
        raise MssSendError(
            f"Boîte aux lettres inconnue du bac à sable : {sender}.",
            detail="esante mss mailboxes lists them",
            field="--from",
        )
    documents: list[bytes] = []
    for path in files:
        try:
            documents.append(path.read_bytes())
        except OSError as exc:
            raise MssSendError(
                f"Fichier illisible : {path}.", detail=str(exc), field=str(path)
            ) from exc
    composed = compose_message(
        documents,
        sender=entry.address,
        to=to,
        product_reference=settings.mss_product_reference,
        source_id=LPS_OID,
        content_type_code=Code(*ACTIVITY),
        creator=XdmCreator(organization=_institution(_mss_section(manifest), entry)),
        sender_name=entry.display_name or None,
        request_mdn=accuse,
        block_patient_reply=blocked,
        pdf_copy=pdf,
    )
    accepted = _client(sandbox_directory(sandbox), entry.address).send(composed.message)
    if json_output:
        print_json(
            {
                "message_id": composed.message_id,
                "expediteur": composed.sender,
                "destinataires": list(accepted),
                "objet": composed.subject,
                "documents": list(composed.document_ids),
                "accuse_demande": accuse,
                "reponse_patient_bloquee": composed.message.get("X-MSS-MES") == "FIN",
            }
        )
        return
    typer.echo(f"Message envoyé à {', '.join(accepted)} depuis {composed.sender}.")
    typer.echo(f"Objet : {composed.subject}")
    typer.echo(f"Message-ID : {composed.message_id}")
    if accuse:
        typer.echo(
            "Accusé de réception demandé : « esante mss fetch --mailbox "
            f"{composed.sender} » le relèvera."
        )


# --------------------------------------------------------------------------- fetch


@app.command("fetch")
def fetch_cmd(
    mailbox: Annotated[
        str,
        typer.Option("--mailbox", help="Boîte MSSanté à relever."),
    ] = DEFAULT_MAILBOX,
    sandbox: SandboxOption = None,
    no_ack: Annotated[
        bool,
        typer.Option("--no-ack", help="Ne pas envoyer les accusés de réception demandés."),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="Nombre maximal de messages.")
    ] = 100,
    json_output: JsonOption = False,
) -> None:
    """Relève une boîte MSSanté : documents intégrés au dossier, accusés de réception et avis
    de distribution notés sur les ordres d'envoi.

    Les messages déjà lus dans un logiciel de messagerie sont relevés aussi ; un message
    déjà traité par esante ne l'est pas une seconde fois."""
    from esante.cli.db import open_database
    from esante.practice.inbox import fetch_mailbox
    from esante.store import session_factory

    settings = load_settings()
    directory = sandbox_directory(sandbox)
    client = _client(directory, mailbox)
    engine = open_database(settings)
    try:
        sessions = session_factory(engine)
        report = fetch_mailbox(
            sessions,
            client,
            address=client.credentials.address,
            product_reference=settings.mss_product_reference,
            send_acknowledgements=not no_ack,
            limit=limit,
        )
        names = _patient_names(sessions, [d.patient_id for d in report.imported])
    finally:
        engine.dispose()
    if json_output:
        print_json(_report_data(report, names))
        return
    _print_report(report, names)


def _patient_names(sessions: Any, ids: Sequence[int]) -> dict[int, str]:
    from sqlalchemy import select

    from esante.store import Patient

    if not ids:
        return {}
    with sessions() as session:
        rows = session.execute(
            select(
                Patient.id,
                Patient.birth_family_name,
                Patient.first_given_name,
                Patient.ins_matricule,
            ).where(Patient.id.in_(set(ids)))
        )
        return {
            pid: f"{family.upper()} {given}" + (f" ({ins})" if ins else "")
            for pid, family, given, ins in rows
        }


def _report_data(report: InboxReport, names: dict[int, str]) -> dict[str, Any]:
    def refusal(item: Any) -> dict[str, Any]:
        return {
            "uid": item.uid,
            "message_id": item.message_id,
            "expediteur": item.sender,
            "objet": item.subject,
            "motif": item.reason,
            "code": item.code,
            "detail": item.detail,
            "accuse_envoye": item.acknowledged,
        }

    return {
        "boite": report.address,
        "messages_traites": report.messages_processed,
        "documents_integres": [
            {
                "message_id": d.message_id,
                "expediteur": d.sender,
                "document": d.unique_id,
                "titre": d.title,
                "patient": names.get(d.patient_id, str(d.patient_id)),
                "id_local": d.document_id,
            }
            for d in report.imported
        ],
        "accuses_recus": [
            {
                "message_id": a.original_message_id,
                "destinataire": a.final_recipient,
                "resultat": a.disposition,
                "erreur": a.error,
                "ordre": a.order_id,
            }
            for a in report.acknowledgements
        ],
        "refuses": [refusal(r) for r in report.refused],
        "patients_inconnus": [refusal(r) for r in report.unknown_patients],
        "doublons": report.duplicates,
        "documents_deja_presents": report.skipped_documents,
        "reportes": [
            {"uid": p.uid, "message_id": p.message_id, "motif": p.reason} for p in report.postponed
        ],
        "accuses_retenus": [_withheld_data(w) for w in report.withheld],
        "avis_de_distribution": [
            {
                "message_id": d.original_message_id,
                "destinataire": d.recipient,
                "action": d.action,
                "statut": d.status,
                "ordre": d.order_id,
            }
            for d in report.delivery_reports
        ],
        "remarques": report.notes,
        "accuses_envoyes": report.acknowledgements_sent,
        "restants": report.remaining,
    }


def _print_report(report: InboxReport, names: dict[int, str]) -> None:
    console = _console()
    if report.imported:
        table = Table(title="Documents intégrés au dossier")
        for column in ("patient", "document", "expéditeur", "Message-ID"):
            table.add_column(column, overflow="fold")
        for item in report.imported:
            table.add_row(
                names.get(item.patient_id, str(item.patient_id)),
                item.title,
                item.sender,
                item.message_id,
            )
        console.print(table)
    if report.acknowledgements:
        table = Table(title="Accusés de réception reçus")
        for column in ("message envoyé", "destinataire", "résultat", "erreur", "ordre"):
            table.add_column(column, overflow="fold")
        for ack in report.acknowledgements:
            table.add_row(
                ack.original_message_id,
                ack.final_recipient,
                DISPOSITION_LABELS.get(ack.disposition, ack.disposition),
                ack.error or "",
                str(ack.order_id) if ack.order_id is not None else "aucun ordre",
            )
        console.print(table)
    left = [("refusé", r) for r in report.refused] + [
        ("patient non rapproché", r) for r in report.unknown_patients
    ]
    if left:
        table = Table(title="Messages laissés dans la boîte (à traiter)")
        for column in ("état", "expéditeur", "objet", "motif", "code", "accusé envoyé"):
            table.add_column(column)
        for label, refused in left:
            table.add_row(
                label,
                refused.sender or "",
                refused.subject,
                refused.reason,
                refused.code,
                "oui" if refused.acknowledged else "non",
            )
        console.print(table)
    _print_withheld(report.withheld)
    for delivered in report.delivery_reports:
        typer.echo(
            f"Avis de distribution : {delivered.original_message_id or 'message inconnu'} → "
            f"{delivered.recipient} : {DELIVERY_LABELS.get(delivered.action, delivered.action)}"
            f" ({delivered.status})"
            + (
                f", noté sur l'ordre {delivered.order_id}"
                if delivered.order_id is not None
                else ", aucun ordre de ce cabinet"
            )
        )
    for note in report.notes:
        typer.echo(f"Remarque : {note}")
    for postponed in report.postponed:
        typer.echo(f"Message {postponed.uid} reporté au prochain relevé : {postponed.reason}")
    typer.echo(
        f"{report.address} : {report.messages_processed} message(s) traité(s) — "
        f"{len(report.imported)} document(s) intégré(s), "
        f"{len(report.acknowledgements)} accusé(s) de réception reçu(s), "
        f"{len(report.refused)} refusé(s), "
        f"{len(report.unknown_patients)} patient(s) non rapproché(s), "
        f"{len(report.duplicates)} doublon(s) ; "
        f"{report.acknowledgements_sent} accusé(s) de réception envoyé(s)."
    )
    if report.remaining:
        typer.echo(f"{report.remaining} message(s) restent à relever (--limit).")


# --------------------------------------------------------------------------- withheld MDNs


def _withheld_data(item: Any) -> dict[str, Any]:
    return {
        "message_id": item.message_id,
        "expediteur": item.sender,
        "objet": item.subject,
        "accuse_demande_a": item.notify,
        "adresse_de_retour": item.return_path,
        "code_erreur": item.error_code,
    }


def _print_withheld(items: Sequence[Any]) -> None:
    if not items:
        return
    table = Table(title="Accusés de réception retenus (confirmation nécessaire)")
    for column in ("Message-ID", "expéditeur", "objet", "accusé demandé à", "adresse de retour"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(item.message_id, item.sender, item.subject, item.notify, item.return_path)
    _console().print(table)


@app.command("accuses")
def withheld_cmd(
    mailbox: Annotated[str, typer.Option("--mailbox", help="Boîte MSSanté.")] = DEFAULT_MAILBOX,
    sandbox: SandboxOption = None,
    json_output: JsonOption = False,
) -> None:
    """Liste les accusés de réception retenus : demandés à une autre adresse que
    l'adresse de retour du message, ils attendent votre confirmation."""
    from esante.practice.inbox import withheld_acknowledgements

    client = _client(sandbox_directory(sandbox), mailbox)
    items = withheld_acknowledgements(client)
    if json_output:
        print_json([_withheld_data(w) for w in items])
        return
    _print_withheld(items)
    typer.echo(f"{len(items)} accusé(s) de réception retenu(s).")


def _yes(answer: str) -> bool:
    return answer.strip().lower() in ("o", "oui")


@app.command("envoyer-accuse")
def release_cmd(
    message_id: Annotated[str, typer.Argument(help="Message-ID du message reçu.")],
    mailbox: Annotated[str, typer.Option("--mailbox", help="Boîte MSSanté.")] = DEFAULT_MAILBOX,
    sandbox: SandboxOption = None,
    confirm: Annotated[
        bool,
        typer.Option("--confirmer", help="Confirme l'envoi sans poser la question."),
    ] = False,
) -> None:
    """Envoie un accusé de réception retenu, après confirmation."""
    from esante.cli.db import open_database
    from esante.errors import EsanteError
    from esante.practice.inbox import release_acknowledgement, withheld_acknowledgements
    from esante.store import session_factory

    settings = load_settings()
    client = _client(sandbox_directory(sandbox), mailbox)
    wanted = message_id.strip()
    found = [w for w in withheld_acknowledgements(client) if w.message_id == wanted]
    if not found:
        typer.echo("Erreur : aucun accusé de réception en attente pour ce message.", err=True)
        raise typer.Exit(1)
    item = found[0]
    typer.echo(f"Accusé de réception demandé à : {item.notify}")
    typer.echo(f"Adresse de retour du message : {item.return_path}")
    if not confirm and not _yes(typer.prompt("Envoyer l'accusé de réception ? (oui/non)", "non")):
        typer.echo("Accusé de réception non envoyé.")
        raise typer.Exit(1)
    engine = open_database(settings)
    try:
        release_acknowledgement(
            session_factory(engine),
            client,
            address=client.credentials.address,
            product_reference=settings.mss_product_reference,
            message_id=wanted,
            confirmed=True,
        )
    except EsanteError as exc:
        fail(exc)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"Accusé de réception envoyé à {item.notify}.")


@app.command("accuses-logiciel")
def own_acknowledgements_cmd(
    mailbox: Annotated[str, typer.Option("--mailbox", help="Boîte MSSanté.")] = DEFAULT_MAILBOX,
    sandbox: SandboxOption = None,
    no: Annotated[
        bool,
        typer.Option("--non", help="L'opérateur accuse de nouveau réception pour cette boîte."),
    ] = False,
) -> None:
    """Déclare au bac à sable que le logiciel de cette boîte envoie lui-même ses accusés
    de réception : l'opérateur n'envoie plus le sien (un seul accusé par message)."""
    from esante.sandbox.mss.operator import OWN_ACKNOWLEDGEMENTS_FILE, write_own_acknowledgements
    from esante.sandbox.runtime.process import MSS_DIRECTORY

    directory = sandbox_directory(sandbox) / MSS_DIRECTORY
    if not directory.is_dir():
        typer.echo("Erreur : bac à sable sans messagerie MSSanté.", err=True)
        raise typer.Exit(1)
    write_own_acknowledgements(directory / OWN_ACKNOWLEDGEMENTS_FILE, mailbox, not no)
    if no:
        typer.echo(f"{mailbox} : l'opérateur envoie de nouveau l'accusé de réception automatique.")
    else:
        typer.echo(f"{mailbox} : accusés de réception envoyés par le logiciel seulement.")


# --------------------------------------------------------------------------- mailboxes


@app.command("mailboxes")
def mailboxes_cmd(
    sandbox: SandboxOption = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--type", help="Seulement ce type : personal, organisational, application, patient."
        ),
    ] = None,
    passwords: Annotated[
        bool,
        typer.Option("--mots-de-passe", "--passwords", help="Afficher les mots de passe IMAP."),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Liste les boîtes MSSanté de démonstration du bac à sable et leurs accès IMAP/SMTP."""
    mss = _mss_section(load_manifest(sandbox))
    entries = [m for m in mss.mailboxes if kind is None or m.kind == kind.strip().lower()]
    rows = [
        {
            "adresse": m.address,
            "type": m.kind,
            "titulaire": m.display_name,
            "utilisateur_imap": m.imap_user,
            "mot_de_passe": m.password if passwords else None,
            "certificat": str(m.certificate) if m.certificate else None,
            "cle": str(m.key) if m.key else None,
            "jeton_psc": bool(m.access_token),
        }
        for m in entries
    ]
    if json_output:
        print_json(
            {
                "imap": {"hote": mss.imap_host, "port": mss.imap_port, "tls": "implicite"},
                "smtp": {"hote": mss.smtp_host, "port": mss.smtp_port, "tls": "starttls"},
                "ca": str(mss.ca),
                "boites": rows,
            }
        )
        return
    console = _console()
    table = Table(title="Boîtes aux lettres MSSanté du bac à sable")
    separate_user = any(m.imap_user != m.address for m in entries)
    columns = ["adresse", "type", "titulaire", "authentification SMTP"]
    if separate_user:
        columns.insert(3, "utilisateur IMAP")
    if passwords:
        columns.append("mot de passe IMAP")
    for number, column in enumerate(columns):
        table.add_column(column, no_wrap=number == 0)
    for m, row in zip(entries, rows, strict=True):
        smtp = "jeton PSC (XOAUTH2)" if m.access_token else "certificat" if m.certificate else "—"
        cells = [m.address, KIND_LABELS.get(m.kind, m.kind), m.display_name, smtp]
        if separate_user:
            cells.insert(3, m.imap_user)
        if passwords:
            cells.append(row["mot_de_passe"] or "")
        table.add_row(*cells)
    console.print(table)
    typer.echo(
        f"IMAP : {mss.imap_host}:{mss.imap_port} (TLS implicite, connexion LOGIN"
        + (")" if separate_user else " ; utilisateur : l'adresse de la boîte)")
    )
    typer.echo(f"SMTP : {mss.smtp_host}:{mss.smtp_port} (STARTTLS)")
    typer.echo(f"Autorité de certification à approuver : {mss.ca}")
    if not passwords:
        typer.echo(
            "Mots de passe IMAP : --mots-de-passe, ou le fichier sandbox.json du bac à sable."
        )
