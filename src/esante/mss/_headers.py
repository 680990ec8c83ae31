"""MSSanté header names, subject line, mailbox addresses: what messages and MDNs share.

Référentiel socle MSSanté #2 (§3.8.1-3.8.3, §3.4.2.3) as the Ségur requirements
SC.MSS/CONF.14-16 and .21 restate it:

* ``X-MSS-NIL`` — on every message sent: the product reference the software received
  when declared on convergence.esante.gouv.fr (the operator identifies the sending LPS);
* ``X-MSS-CODECDA`` — when the IHE_XDM.ZIP holds CDA documents: their
  ``ClinicalDocument/code/@code``, comma-separated, in package order;
* ``X-MSS-INS`` — when the IHE_XDM.ZIP holds CDA documents: ``O`` when a qualified INS
  travels (matricule, OID and the reference traits), else ``N``;
* ``X-MSS-MES: FIN`` — to a patient's Mon espace santé mailbox
  (``<matricule INS>@patient.mssante.fr``) when the professional does not want a reply.

The subject of a message carrying documents (CI-SIS "Transmission au LPS d'un document
CDA provenant d'un courriel MSSanté") is ``XDM/1.0/DDM+<libellé> <NOM> <prénom>
<date de naissance JJ/MM/AAAA>``; an MDN in error prefixes it with
``[KO Intégration système !][<code>]``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Final

from esante.identity import InsError, check_ins
from esante.mss.errors import MssError, MssSendError

MSS_NIL: Final = "X-MSS-NIL"
MSS_CODECDA: Final = "X-MSS-CODECDA"
MSS_INS: Final = "X-MSS-INS"
MSS_MES: Final = "X-MSS-MES"
MES_NO_REPLY: Final = "FIN"
DISPOSITION_NOTIFICATION_TO: Final = "Disposition-Notification-To"
PATIENT_DOMAIN: Final = "patient.mssante.fr"
"""Domain of the patients' Mon espace santé mailboxes."""
SUBJECT_PREFIX: Final = "XDM/1.0/DDM+"
ERROR_SUBJECT: Final = "[KO Intégration système !][{code}] "

_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_TOKEN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_SPACES = re.compile(r"\s+")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


def check_address(address: str, *, field: str, error: type[MssError]) -> str:
    """``address`` (a bare ``local@domain``, surrounding blanks removed) or ``error``."""
    value = address.strip()
    if not _ADDRESS.fullmatch(value) or len(value) > 254:
        raise error(
            f"Adresse de messagerie invalide : « {address} ».",
            detail=f"{field}: {address!r} is not a local@domain address",
            field=field,
        )
    return value


def domain_of(address: str) -> str:
    """The domain part of ``address``, lower-cased."""
    return address.rpartition("@")[2].lower()


def is_patient_mailbox(address: str) -> bool:
    """True for a Mon espace santé mailbox (``…@patient.mssante.fr``)."""
    return domain_of(address.strip()) == PATIENT_DOMAIN


def patient_mailbox(ins_matricule: str) -> str:
    """The patient's Mon espace santé mailbox: ``<matricule INS>@patient.mssante.fr``.

    Raises :class:`~esante.mss.errors.MssSendError` when the matricule is not a valid INS.
    """
    try:
        ins = check_ins(ins_matricule)
    except InsError as exc:
        raise MssSendError(
            f"Matricule INS invalide pour la messagerie du patient : {exc.message}",
            detail=exc.detail,
            field="ins",
        ) from exc
    return f"{ins.matricule}@{PATIENT_DOMAIN}"


def check_token(value: str, *, name: str, error: type[MssError]) -> str:
    """A header value made of printable ASCII words (no CR/LF, no control character)."""
    text = value.strip()
    if not text or len(text) > 200 or not _TOKEN.fullmatch(text):
        raise error(
            f"Valeur d'en-tête {name} invalide.",
            detail=f"{name}: {value!r} must be 1-200 printable ASCII characters",
            field=name,
        )
    return text


def one_line(text: str) -> str:
    """``text`` on one line: every run of blanks (CR, LF, tabs...) becomes one space."""
    return _SPACES.sub(" ", text).strip()


def ddm_subject(labels: Iterable[str], family: str, given: str, birth: date) -> str:
    """``XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>`` (distinct labels joined)."""
    distinct: list[str] = []
    for label in labels:
        clean = one_line(label)
        if clean and clean not in distinct:
            distinct.append(clean)
    parts = [", ".join(distinct), one_line(family).upper(), one_line(given), f"{birth:%d/%m/%Y}"]
    return SUBJECT_PREFIX + " ".join(p for p in parts if p)


def new_message_id(sender: str) -> str:
    """A fresh ``<hex@domain>`` Message-ID in the sender's domain (short enough that the
    header is not folded for usual domains)."""
    return f"<{uuid.uuid4().hex}@{domain_of(sender)}>"


def check_message_id(value: str, *, field: str, error: type[MssError]) -> str:
    """``value`` as ``<left@right>`` (angle brackets added when missing)."""
    text = value.strip()
    if not text.startswith("<"):
        text = f"<{text}>"
    if not _MESSAGE_ID.fullmatch(text):
        raise error(
            f"Identifiant de message invalide : « {value} ».",
            detail=f"{field}: {value!r} is not <left@right>",
            field=field,
        )
    return text


def message_ids(value: str | None) -> tuple[str, ...]:
    """Every ``<…>`` id in a References/In-Reply-To header value."""
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))
