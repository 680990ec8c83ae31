"""Sample actors, patients, documents and a hand-moved clock for the DMP sandbox tests."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from esante.identity import nir_key
from esante.sandbox.dmp import (
    Actor,
    AuthorInfo,
    Card,
    CodedValue,
    NewDocument,
    NewSubmission,
    PatientIns,
)
from esante.trust.vocabulary import AuthenticationMode

NIR_TEST = "1.2.250.1.213.1.4.10"
CLASS_SCHEME = "1.2.250.1.213.1.1.4.1"
LOINC = "2.16.840.1.113883.6.1"
FORMAT_SCHEME = "1.3.6.1.4.1.19376.1.2.3"


def ins(body: str) -> str:
    """A valid INS matricule from its 13-character body (the key is computed)."""
    return f"{body}{nir_key(body):02d}"


PATIENT = PatientIns(ins("2820575123456"), NIR_TEST)
OTHER_PATIENT = PatientIns(ins("1750175045123"), NIR_TEST)

STRUCTURE_A = "10B0001001"
STRUCTURE_B = "10B0002002"


def physician(
    id_nat_ps: str = "810000000011",
    *,
    structure: str = STRUCTURE_A,
    specialty: str = "SM26",
    mode: AuthenticationMode = AuthenticationMode.DIRECTE,
) -> Actor:
    return Actor(
        id_nat_ps=id_nat_ps,
        authentication_mode=mode,
        structure_id=structure,
        profession="10",
        specialty=specialty,
        family_name="MEDECIN",
        given_name="Alice",
    )


DR_A = physician("810000000011")
DR_B = physician("810000000022", structure=STRUCTURE_B)
NURSE = Actor(
    id_nat_ps="860000000033",
    authentication_mode=AuthenticationMode.DIRECTE,
    structure_id=STRUCTURE_A,
    profession="60",
    family_name="INFIRMIER",
    given_name="Bruno",
)
OCCUPATIONAL = physician("810000000044", specialty="G15_10/SM25", structure=STRUCTURE_B)
SECRETARY = Actor(
    id_nat_ps="3" + STRUCTURE_A + "/SEC01",
    authentication_mode=AuthenticationMode.DIRECTE,
    structure_id=STRUCTURE_A,
    card=Card.CPE,
)
ESTABLISHMENT = Actor(
    id_nat_ps="810000000011",
    authentication_mode=AuthenticationMode.INDIRECTE,
    structure_id=STRUCTURE_A,
    profession="10",
    specialty="SM26",
)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def new_document(
    unique_id: str | None = None,
    *,
    content: bytes = b"<ClinicalDocument/>",
    author: Actor = DR_A,
    class_code: str = "10",
    type_code: str = "11488-4",
    created: datetime | None = None,
    **kw: object,
) -> NewDocument:
    """A CDA document authored by ``author``."""
    values: dict[str, object] = {
        "entry_uuid": "Document01",
        "unique_id": unique_id or f"1.2.250.1.999.1.{uuid.uuid4().int % 10**12}",
        "content": content,
        "mime_type": "text/xml",
        "class_code": CodedValue(class_code, CLASS_SCHEME, "Compte rendu"),
        "type_code": CodedValue(type_code, LOINC, "Note de consultation"),
        "format_code": CodedValue("urn:ihe:iti:xds-sd:pdf:2008", FORMAT_SCHEME),
        "creation_time": created or datetime(2025, 2, 1, 10, 0, tzinfo=UTC),
        "title": "Compte rendu de consultation",
        "authors": (
            AuthorInfo(
                id_nat_ps=author.id_nat_ps,
                family_name=author.family_name,
                given_name=author.given_name,
                specialty=author.specialty,
                structure_id=author.structure_id,
            ),
        ),
        "hash": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        "size": len(content),
    }
    values.update(kw)
    return NewDocument(**values)  # type: ignore[arg-type]


def submission(
    *documents: NewDocument, patient: PatientIns = PATIENT, **kw: object
) -> NewSubmission:
    values: dict[str, object] = {
        "patient": patient,
        "entry_uuid": "SubmissionSet01",
        "unique_id": f"1.2.250.1.999.3.{uuid.uuid4().int % 10**12}",
        "source_id": "1.2.250.1.999.1",
        "documents": documents or (new_document(),),
    }
    values.update(kw)
    return NewSubmission(**values)  # type: ignore[arg-type]
