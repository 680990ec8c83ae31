"""Composing an MSSanté message: IHE_XDM.ZIP, PDF copy, X-MSS-* headers, French body.

One message concerns one patient. Its parts (``multipart/mixed``): a French plain-text
body, the ``IHE_XDM.ZIP`` package (:mod:`esante.mss.xdm`), one PDF copy per document
(the N1 body's PDF, or the N3 document rendered by :func:`esante.cda.render_html`), then
any other attachment. Headers: ``X-MSS-NIL`` always; ``X-MSS-CODECDA`` and ``X-MSS-INS``
with CDA documents; ``X-MSS-MES: FIN`` towards a patient mailbox when replies are
blocked; ``Disposition-Notification-To`` when an acknowledgement (MDN) is asked for.

Rules enforced before anything is built (CI-SIS "Transmission de documents CDA",
MSSanté rules matrix; :class:`~esante.mss.errors.MssSendError`, ``field`` = the input):
a document masked to professionals (``MASQUE_PS``) only goes to the patient's mailbox, a
document invisible to the patient (``INVISIBLE_PATIENT``) never does, and a patient
mailbox must be the one of the documents' patient (``<matricule INS>@patient.mssante.fr``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from esante.cda import CdaError, extract_pdf, render_html
from esante.cda.build import render_pdf
from esante.mss import _headers as h
from esante.mss._cda import CdaFacts, ascii_token
from esante.mss._xdm_build import BuiltXdm, build_package
from esante.mss._xdm_model import XDM_ATTACHMENT_NAME, DocumentToSend, XdmCreator
from esante.mss.errors import MssSendError
from esante.xds import Author, Code
from esante.xds.ebxml import IdSource, new_uuid


@dataclass(frozen=True, slots=True)
class MssAttachment:
    """A file attached to a message (other than the IHE_XDM.ZIP)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ComposedMessage:
    """A message ready to send, with what the sender keeps (ids, recipients).

    ``recipients`` are every envelope recipient (To, Cc and Bcc — Bcc is not written
    in the headers); ``document_ids`` the uniqueIds of the CDA documents it carries.
    """

    message: EmailMessage = field(repr=False)
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    document_ids: tuple[str, ...] = ()
    xdm: bytes | None = field(default=None, repr=False)

    def to_bytes(self) -> bytes:
        """The message as sent over SMTP (CRLF line endings)."""
        return self.message.as_bytes(policy=policy.SMTP)


def _addresses(values: Sequence[str], name: str) -> tuple[str, ...]:
    return tuple(
        h.check_address(v, field=f"{name}[{i}]", error=MssSendError) for i, v in enumerate(values)
    )


def _check_policy(facts: Sequence[CdaFacts], built: BuiltXdm, recipients: Sequence[str]) -> None:
    patients = [r for r in recipients if h.is_patient_mailbox(r)]
    professionals = [r for r in recipients if not h.is_patient_mailbox(r)]
    for number, document in enumerate(built.package.documents, start=1):
        entry = document.entry
        if entry.masked_to_professionals and professionals:
            raise MssSendError(
                f"Le document n°{number} est masqué aux professionnels de santé : il ne peut "
                f"être envoyé qu'à la messagerie du patient, pas à {professionals[0]}.",
                detail="MASQUE_PS document addressed to a professional mailbox",
                field="to",
            )
        if entry.invisible_to_patient and patients:
            raise MssSendError(
                f"Le document n°{number} n'est pas visible par le patient : il ne peut pas "
                "être envoyé à sa messagerie Mon espace santé.",
                detail="INVISIBLE_PATIENT document addressed to a patient mailbox",
                field="to",
            )
    patient = facts[0].patient
    for address in patients:
        expected = f"{patient.ins_matricule}@{h.PATIENT_DOMAIN}" if facts[0].qualified_ins else None
        if expected is None or address.lower() != expected.lower():
            raise MssSendError(
                "La messagerie Mon espace santé destinataire n'est pas celle du patient des "
                "documents (adresse attendue : matricule INS qualifié du patient).",
                detail=f"{address} is not the documents' patient mailbox ({expected})",
                field="to",
            )


def _pdf_copy(fact: CdaFacts, number: int) -> bytes:
    try:
        if fact.document.level == "N1":
            return extract_pdf(fact.document)
        return render_pdf(render_html(fact.document))
    except CdaError as exc:
        raise MssSendError(
            f"Copie PDF du document n°{number} impossible : {exc.message}",
            detail=exc.detail,
            field=f"documents[{number - 1}]",
        ) from exc


def pdf_filename(fact: CdaFacts, used: set[str]) -> str:
    """``AAAAMMJJ_<libellé>_<NOM>_<PRENOM>.pdf`` in ASCII, unique among ``used``."""
    moment = fact.document.effective_time
    patient = fact.patient
    parts = [
        "" if moment is None else f"{moment:%Y%m%d}",
        ascii_token(fact.label)[:60],
        ascii_token(patient.birth_family_name).upper(),
        ascii_token(patient.first_given_name).upper(),
    ]
    stem = "_".join(p for p in parts if p) or "document"
    name, counter = f"{stem}.pdf", 2
    while name.casefold() in used:
        name, counter = f"{stem}_{counter}.pdf", counter + 1
    used.add(name.casefold())
    return name


def default_body(
    facts: Sequence[CdaFacts],
    actions: Sequence[str | None],
    signature: str,
    *,
    to_patient: bool = False,
) -> str:
    """The French body listing the documents (and what to do with replaced/deleted ones).

    ``to_patient``: every recipient is a patient's Mon espace santé mailbox — the patient
    has no software to integrate the archive into, so the body points at the PDF copy."""
    patient = facts[0].patient
    lines = [
        "Bonjour,",
        "",
        f"Veuillez trouver ci-joint {'les documents' if len(facts) > 1 else 'le document'} "
        f"concernant {patient.birth_family_name.upper()} {patient.first_given_name}, "
        f"né(e) le {patient.birth_date:%d/%m/%Y} :",
    ]
    for fact, action in zip(facts, actions, strict=True):
        moment = fact.document.effective_time
        when = "" if moment is None else f" du {moment:%d/%m/%Y}"
        note = {
            "C": " — remplace la version envoyée précédemment",
            "D": " — à supprimer : ce document a été annulé par son auteur",
        }.get(action or "", "")
        lines.append(f"- {fact.label}{when}{note}")
    explanation = (
        "Le fichier PDF joint en est une copie lisible ; le fichier IHE_XDM.ZIP contient le "
        "même contenu au format échangé entre professionnels de santé."
        if to_patient
        else "Le fichier IHE_XDM.ZIP contient les documents au format CDA R2 et leurs "
        "métadonnées, pour intégration dans votre logiciel ; le fichier PDF en est une copie "
        "lisible."
    )
    lines += [
        "",
        explanation,
        "",
        "Cordialement,",
        signature,
    ]
    return "\n".join(lines) + "\n"


def _with_contact(creator: XdmCreator, mailbox: str) -> XdmCreator:
    """``creator`` with a contact for README.TXT: the sending mailbox when none is given."""
    return creator if creator.contact else dataclasses.replace(creator, contact=mailbox)


def compose_message(
    documents: Sequence[bytes | DocumentToSend] = (),
    *,
    sender: str,
    to: Sequence[str],
    product_reference: str,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    source_id: str | None = None,
    content_type_code: Code | None = None,
    creator: XdmCreator | None = None,
    author: Author | None = None,
    sender_name: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    reply_to: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    request_mdn: bool = False,
    block_patient_reply: bool = False,
    pdf_copy: bool = True,
    attachments: Sequence[MssAttachment] = (),
    now: datetime | None = None,
    new_id: IdSource = new_uuid,
) -> ComposedMessage:
    """An MSSanté message carrying ``documents`` (CDA R2 of one patient), or a plain one.

    ``product_reference`` is the ``X-MSS-NIL`` value (the software's reference on
    convergence.esante.gouv.fr). With documents, ``source_id`` and ``content_type_code``
    are required (they make the XDM submission set, as for the DMP) and the subject
    defaults to ``XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>``; without,
    ``subject`` is required. ``request_mdn`` asks for an acknowledgement (MDN) to the
    sender; ``block_patient_reply`` adds ``X-MSS-MES: FIN`` when a recipient is a
    patient mailbox; ``pdf_copy`` attaches a PDF copy of each document.

    Raises :class:`~esante.mss.errors.MssSendError` (``field`` = the input at fault) for an
    invalid address or header value, a document that cannot be packaged or copied, or
    a recipient the documents' visibility forbids (see the module docstring).
    """
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    from_address = h.check_address(sender, field="sender", error=MssSendError)
    to_addresses, cc_addresses, bcc_addresses = (
        _addresses(to, "to"),
        _addresses(cc, "cc"),
        _addresses(bcc, "bcc"),
    )
    recipients = (*to_addresses, *cc_addresses, *bcc_addresses)
    if not recipients:
        raise MssSendError("Le message n'a aucun destinataire.", field="to")
    nil = h.check_token(product_reference, name=h.MSS_NIL, error=MssSendError)
    identifier = (
        h.new_message_id(from_address)
        if message_id is None
        else h.check_message_id(message_id, field="message_id", error=MssSendError)
    )
    message = EmailMessage()
    built: BuiltXdm | None = None
    facts: tuple[CdaFacts, ...] = ()
    if documents:
        if source_id is None or content_type_code is None:
            raise MssSendError(
                "Identifiant du système émetteur (sourceId) et type d'activité "
                "(contentTypeCode) nécessaires pour l'archive IHE_XDM.",
                detail="source_id and content_type_code are required with documents",
                field="source_id" if source_id is None else "content_type_code",
            )
        built = build_package(
            documents,
            source_id=source_id,
            content_type_code=content_type_code,
            creator=_with_contact(
                creator or XdmCreator(organization=sender_name or from_address), from_address
            ),
            author=author,
            submission_time=moment,
            intended_recipients=(*to_addresses, *cc_addresses),  # never the Bcc
            new_id=new_id,
        )
        facts = built.facts
        _check_policy(facts, built, recipients)
        patient = facts[0].patient
        subject = subject or h.ddm_subject(
            (f.label for f in facts),
            patient.birth_family_name,
            patient.first_given_name,
            patient.birth_date,
        )
    elif not subject:
        raise MssSendError("Objet du message manquant.", field="subject")
    assert subject is not None
    message["From"] = Address(display_name=h.one_line(sender_name or ""), addr_spec=from_address)
    message["To"] = ", ".join(to_addresses) if to_addresses else "undisclosed-recipients:;"
    if cc_addresses:
        message["Cc"] = ", ".join(cc_addresses)
    if reply_to is not None:
        message["Reply-To"] = h.check_address(reply_to, field="reply_to", error=MssSendError)
    message["Date"] = format_datetime(moment)
    message["Message-ID"] = identifier
    message["Subject"] = h.one_line(subject)
    if in_reply_to is not None:
        message["In-Reply-To"] = h.check_message_id(
            in_reply_to, field="in_reply_to", error=MssSendError
        )
    if references:
        message["References"] = " ".join(
            h.check_message_id(r, field=f"references[{i}]", error=MssSendError)
            for i, r in enumerate(references)
        )
    message[h.MSS_NIL] = nil
    if facts:
        message[h.MSS_CODECDA] = ",".join(dict.fromkeys(f.type_code for f in facts))
        message[h.MSS_INS] = "O" if any(f.qualified_ins for f in facts) else "N"
    if block_patient_reply and any(h.is_patient_mailbox(r) for r in recipients):
        message[h.MSS_MES] = h.MES_NO_REPLY
    if request_mdn:
        message[h.DISPOSITION_NOTIFICATION_TO] = from_address
    actions = [d.action if isinstance(d, DocumentToSend) else None for d in documents]
    text = (
        body
        if body is not None
        else (
            default_body(
                facts,
                actions,
                sender_name or from_address,
                to_patient=all(h.is_patient_mailbox(r) for r in recipients),
            )
            if facts
            else ""
        )
    )
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if built is not None:
        message.add_attachment(
            built.data, maintype="application", subtype="zip", filename=XDM_ATTACHMENT_NAME
        )
        if pdf_copy:
            used: set[str] = set()
            for number, fact in enumerate(facts, start=1):
                if actions[number - 1] == "D":
                    continue
                message.add_attachment(
                    _pdf_copy(fact, number),
                    maintype="application",
                    subtype="pdf",
                    filename=pdf_filename(fact, used),
                )
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=h.one_line(attachment.filename),
        )
    for part in message.iter_attachments():
        name = part.get_filename()
        if name:  # Content-Type name= as well: some mail clients read only that one
            part.set_param("name", name, header="Content-Type")
    return ComposedMessage(
        message=message,
        message_id=identifier,
        sender=from_address,
        recipients=recipients,
        subject=str(message["Subject"]),
        document_ids=()
        if built is None
        else tuple(d.entry.unique_id or "" for d in built.package.documents),
        xdm=None if built is None else built.data,
    )
