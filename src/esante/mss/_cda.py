"""What the messaging layer reads from a CDA header: label, patient, INS, XDS entry.

MSSanté needs a few facts from each document it carries: the subject line names the
document and the patient (``XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>``), the
``X-MSS-CODECDA`` header lists the documents' ``code``, ``X-MSS-INS`` says whether a
qualified INS travels (matricule + OID + the reference traits), and the IHE XDM package
carries the same DocumentEntry the DMP gets (:func:`esante.xds.document_entry_from_cda`).

An MSSanté message may still go out without a qualified INS (the "dérogation" of the
Référentiel socle MSSanté #2), which the DMP mapping refuses: :func:`document_entry`
then maps the header with the local patient identifier as patientId.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, replace

from lxml import etree

from esante.cda import CdaReadError, ReceivedDocument, read_document
from esante.cda.model import Patient
from esante.errors import EsanteError
from esante.mss.errors import MssError
from esante.safexml import XmlError, parse_xml
from esante.xds import (
    Code,
    DocumentEntry,
    Identifier,
    Slot,
    XdsError,
    document_entry_from_cda,
    visibility_code,
)
from esante.xds.vocabulary import INS_OIDS, LOCAL_PATIENT_IDENTIFIER_TYPE, VISIBILITY_LABELS

_H = "{urn:hl7-org:v3}"
_INS_FIELD = "recordTarget/patientRole/id"
#: A syntactically valid INS (test OID) put in a private copy of a CDA without INS, so
#: that the CI-SIS mapping runs unchanged; it never leaves :func:`document_entry`.
_PLACEHOLDER_INS = ("1.2.250.1.213.1.4.10", "000000000000000")
#: Name of the CI-SIS extra metadata telling the receiver what to do with a document.
ACTION_SLOT = "action"
ACTIONS = {"C": "remplacement", "D": "suppression"}


@dataclass(frozen=True)
class CdaFacts:
    """The facts about one CDA the message, its headers and its PDF copy need."""

    document: ReceivedDocument
    data: bytes

    @property
    def type_code(self) -> str:
        """``ClinicalDocument/code/@code`` (what ``X-MSS-CODECDA`` lists)."""
        return self.document.type_code.code

    @property
    def label(self) -> str:
        """The document's label for the subject: its title, else its type's label."""
        return " ".join(self.document.title.split()) or self.document.type_label

    @property
    def patient(self) -> Patient:
        """The patient (``recordTarget``)."""
        return self.document.patient

    @property
    def qualified_ins(self) -> bool:
        """True when the document carries a qualified INS: matricule, INS OID and the
        reference traits (birth name, first given name, birth date, sex)."""
        return has_qualified_ins(self.patient)

    @property
    def patient_key(self) -> tuple[str, str]:
        """What identifies the patient across documents: the INS, else the first local id."""
        patient = self.patient
        if patient.ins_matricule and patient.ins_oid:
            return patient.ins_oid, patient.ins_matricule
        if patient.local_ids:
            first = patient.local_ids[0]
            return first.root, first.extension or ""
        return "", ""


def has_qualified_ins(patient: Patient) -> bool:
    """INS matricule + INS OID + birth name, first given name, birth date and sex."""
    return bool(
        patient.ins_matricule
        and patient.ins_oid in INS_OIDS
        and patient.birth_family_name.strip()
        and patient.first_given_name.strip()
        and patient.birth_date is not None
        and patient.sex.strip()
    )


def read_facts(data: bytes, *, where: str, error: type[MssError]) -> CdaFacts:
    """Read ``data`` as a CDA; failures become ``error`` naming ``where``."""
    try:
        return CdaFacts(read_document(data), data)
    except CdaReadError as exc:
        raise error(
            f"{where} : document CDA illisible. {exc.message}",
            detail=exc.detail,
            field=where if not exc.field else f"{where}/{exc.field}",
        ) from exc


def check_visibility(codes: tuple[str, ...], *, where: str, error: type[MssError]) -> None:
    """Refuse a visibility code that is not one of the DMP's (TRE_A07)."""
    for code in codes:
        if code not in VISIBILITY_LABELS:
            raise error(
                f"Code de visibilité inconnu : « {code} ».",
                detail=f"expected one of {sorted(VISIBILITY_LABELS)}",
                field=f"{where}.visibility",
            )


def _local_patient(cda: etree._Element) -> Identifier | None:
    for ident in cda.iterfind(f"{_H}recordTarget/{_H}patientRole/{_H}id"):
        root, extension = ident.get("root"), ident.get("extension")
        if root and extension and root not in INS_OIDS:
            return Identifier(extension, root, LOCAL_PATIENT_IDENTIFIER_TYPE)
    return None


def document_entry(
    data: bytes,
    *,
    entry_id: str,
    visibility: tuple[str, ...],
    action: str | None,
    uri: str,
    where: str,
    error: type[MssError],
) -> DocumentEntry:
    """The DocumentEntry of a CDA in an XDM package (DMP mapping + hash, size, URI).

    Without an INS in the CDA, the local patient identifier becomes patientId (an
    MSSanté message may go without a qualified INS; the DMP may not). Mapping failures
    become ``error`` naming ``where`` and the CDA element at fault.
    """
    extra = [visibility_code(v) for v in visibility]
    try:
        try:
            entry = document_entry_from_cda(
                data, entry_id=entry_id, extra_confidentiality_codes=extra
            )
        except XdsError as exc:
            if exc.field != _INS_FIELD:
                raise
            entry = _entry_without_ins(data, entry_id, extra, exc)
    except (XdsError, XmlError) as exc:
        raise error(
            f"{where} : l'en-tête CDA ne permet pas de produire les métadonnées XDS. {exc.message}",
            detail=exc.detail,
            field=where if not exc.field else f"{where}/{exc.field}",
        ) from exc
    slots = entry.extra_slots
    if action is not None:
        slots = (*slots, Slot(ACTION_SLOT, (action,)))
    return replace(entry, uri=uri, extra_slots=slots)


def _entry_without_ins(
    data: bytes, entry_id: str, extra: list[Code], cause: EsanteError
) -> DocumentEntry:
    cda = copy.deepcopy(parse_xml(data, what="document CDA"))
    local = _local_patient(cda)
    role = cda.find(f"{_H}recordTarget/{_H}patientRole")
    if local is None or role is None:
        raise cause
    placeholder = etree.Element(f"{_H}id", root=_PLACEHOLDER_INS[0], extension=_PLACEHOLDER_INS[1])
    role.insert(0, placeholder)
    entry = document_entry_from_cda(
        cda, entry_id=entry_id, document=data, extra_confidentiality_codes=extra
    )
    return replace(entry, patient_id=local, source_patient_id=local)


_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


def ascii_token(text: str) -> str:
    """``text`` without accents, non-alphanumerics as ``_`` (for attachment file names)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("_", plain).strip("_")
