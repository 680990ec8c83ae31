"""The DMP functional rights matrix as data: rows (actions), columns (profiles), cells.

The DMP decides what a user may do from the authentication mode (direct with a CPS/CPF
or CPE card, indirect with an establishment certificate, or indirect "renforcée" AIR),
the user's role (non-physician professional, physician, médecin traitant DMP,
occupational physician, non-professional staff) and the access mode (normal, centre de
régulation, bris de glace). GIE SESAM-Vitale publishes this as two tables: PDT-INF-526
v1.8 (direct and indirect) and PDT-INF-606 v1.3 (AIR). esante keeps their content in
``data/rights_matrix.json`` (facts transcribed by esante, with the footnotes turned into
named :class:`Condition` values) and loads it here; :mod:`esante.sandbox.dmp.rights`
applies it.

A cell is allowed or not, possibly under one condition (the footnote): "own documents
only", "the structure's documents only", "only if the patient authorised it"...
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from esante.trust.vocabulary import AccessMode, AuthenticationMode


class Action(StrEnum):
    """What a user asks the DMP to do: one row (or group of rows) of the matrix.

    The value is the row id in the data file: the DMP transaction, then the sub-row.
    :attr:`RETRIEVE` stands for the six TD3.2 rows, chosen by the document consulted
    (see :class:`ConsultedCategory`).
    """

    AUTHENTICATE = "TD0.1"
    TEST_EXISTENCE = "TD0.2"
    AUTHORIZE_SELF = "TD0.3:autoriser"
    REVOKE_OWN_AUTHORIZATION = "TD0.3:supprimer_autorisation"
    REMOVE_SELF_AS_TREATING_PHYSICIAN = "TD0.3:supprimer_mt"
    LIST_AUTHORIZED_PATIENTS = "TD0.4"
    SEARCH_PATIENT_WITHOUT_INS = "TD0.5"
    CONTEXTUAL_WEB_ACCESS = "TD0.9"
    READ_ADMINISTRATIVE_DATA = "TD1.3a"
    LIST_AUTHORIZATIONS = "TD1.6"
    SUBMIT = "TD2.1"
    SUBMIT_BY_MEDICAL_SECRETARY = "TD2.2"
    SEARCH_METADATA = "TD3.1:metadonnees"
    SEARCH_REFERENCE = "TD3.1:reference"
    RETRIEVE = "TD3.2"
    MASK = "TD3.3a:masquer"
    UNMASK = "TD3.3a:demasquer"
    MAKE_VISIBLE_TO_PATIENT = "TD3.3b:rendre_visible"
    ARCHIVE = "TD3.3d:archiver"
    UNARCHIVE = "TD3.3d:desarchiver"
    DELETE = "TD3.3c:supprimer"

    @property
    def transaction(self) -> str:
        """The DMP transaction (``TD3.3a``...) this action belongs to."""
        return self.value.split(":", 1)[0]


class ConsultedCategory(StrEnum):
    """The TD3.2 rows: what kind of document is consulted (several may apply at once)."""

    NOT_MASKED = "TD3.2:non_masques"
    MASKED = "TD3.2:masques"
    INVISIBLE_TO_PATIENT = "TD3.2:non_visibles_patient"
    ARCHIVED = "TD3.2:archives"
    DEPRECATED = "TD3.2:obsoletes"
    DELETED = "TD3.2:supprimes"


class Condition(StrEnum):
    """A footnote of the matrix restricting an allowed cell."""

    STRUCTURE_AUTHORIZATION = "structure_authorization"
    """TD0.3: the authorization is given to the structure (CPE, non-PS staff)."""
    SAME_STRUCTURE = "same_structure"
    """TD0.4: the list is limited to the professionals of the same structure."""
    NEW_AUTHORIZATIONS = "new_authorizations"
    """TD0.4: the list is limited, by date, to new authorizations."""
    STRUCTURE_IMPUTABILITY = "structure_imputability"
    """TD2.1/TD2.2: documents added are imputed to the structure."""
    REFERENCE_ONLY = "reference_only"
    """TD3.1: only the reference of a document (to delete it, for instance)."""
    OWN_DOCUMENTS = "own_documents"
    """TD3.2/TD3.3: only the documents the user authored."""
    PATIENT_AUTHORIZATION = "patient_authorization"
    """TD3.2: a masked document in bris de glace / centre 15 only if the patient allowed it."""
    STRUCTURE_DOCUMENTS = "structure_documents"
    """TD3.3: only the documents the user's structure (or one of its CPE) authored."""


class ActorKind(StrEnum):
    """The "acteur" line of the matrix."""

    NON_PHYSICIAN = "ps_non_medecin"
    PHYSICIAN = "medecin"
    OCCUPATIONAL_PHYSICIAN = "medecin_du_travail"
    TREATING_PHYSICIAN = "medecin_traitant"
    NON_PROFESSIONAL = "non_ps"
    ESTABLISHMENT = "etablissement"


@dataclass(frozen=True, slots=True)
class Profile:
    """One column of the matrix: authentication mode, kind of actor, access mode.

    ``access_mode`` is ``None`` for the column whose mode is "sans objet" (médecin du
    travail): the column applies whatever the mode.
    """

    id: str
    label: str
    authentication: AuthenticationMode
    kind: ActorKind
    access_mode: AccessMode | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: allowed or not, under an optional condition."""

    allowed: bool
    condition: Condition | None = None


DENIED = Cell(False)


@dataclass(frozen=True)
class RightsMatrix:
    """Both tables merged: every column, every cell, the row labels and special rules."""

    profiles: Mapping[str, Profile]
    cells: Mapping[tuple[str, str], Cell]
    row_labels: Mapping[str, str]
    occupational_specialties: frozenset[str]
    patient_document_rows: frozenset[str]
    sources: tuple[str, ...]

    def profile(
        self, authentication: AuthenticationMode, kind: ActorKind, access_mode: AccessMode
    ) -> Profile | None:
        """The column for this actor in this mode, or ``None`` when the matrix has none."""
        for candidate in (access_mode.value, "*"):
            found = self.profiles.get(f"{authentication.value}/{kind.value}/{candidate}")
            if found is not None:
                return found
        return None

    def cell(self, row: str, profile: Profile) -> Cell:
        """The cell of ``row`` for ``profile`` (a row absent from a table denies)."""
        return self.cells.get((row, profile.id), DENIED)

    def row_label(self, row: str) -> str:
        """The French label of a row."""
        return self.row_labels[row]


@cache
def rights_matrix() -> RightsMatrix:
    """The matrix shipped with esante (loaded once)."""
    text = resources.files("esante.sandbox.dmp").joinpath("data/rights_matrix.json")
    return parse_matrix(json.loads(text.read_text(encoding="utf-8")))


def parse_matrix(data: Mapping[str, Any]) -> RightsMatrix:
    """Build a :class:`RightsMatrix` from the data file's content.

    Raises ``ValueError`` naming the table and row whose cells do not fit the columns,
    or an unknown condition.
    """
    profiles: dict[str, Profile] = {}
    cells: dict[tuple[str, str], Cell] = {}
    labels: dict[str, str] = dict(data["row_labels"])
    for reference, table in data["tables"].items():
        columns = [_profile(c) for c in table["columns"]]
        for profile in columns:
            profiles[profile.id] = profile
        for row, text in table["rows"].items():
            if row not in labels:
                raise ValueError(f"{reference}: row {row!r} has no label")
            tokens = text.replace("|", " ").split()
            if len(tokens) != len(columns):
                raise ValueError(
                    f"{reference}: row {row!r} has {len(tokens)} cells for {len(columns)} columns"
                )
            for profile, token in zip(columns, tokens, strict=True):
                cells[(row, profile.id)] = _cell(token, f"{reference} {row}")
    return RightsMatrix(
        profiles=profiles,
        cells=cells,
        row_labels=labels,
        occupational_specialties=frozenset(data["occupational_medicine_specialties"]),
        patient_document_rows=frozenset(data["patient_document_rule"]["rows"]),
        sources=tuple(f"{s['reference']} v{s['version']}" for s in data["sources"]),
    )


def _profile(column: Mapping[str, str]) -> Profile:
    authentication, kind, mode = column["id"].split("/")
    return Profile(
        id=column["id"],
        label=column["label"],
        authentication=AuthenticationMode(authentication),
        kind=ActorKind(kind),
        access_mode=None if mode == "*" else AccessMode(mode),
    )


def _cell(text: str, where: str) -> Cell:
    if text == "non":
        return DENIED
    if text == "oui":
        return Cell(True)
    if text.startswith("oui(") and text.endswith(")"):
        name = text[4:-1]
        try:
            return Cell(True, Condition(name))
        except ValueError:
            raise ValueError(f"{where}: unknown condition {name!r}") from None
    raise ValueError(f"{where}: cell {text!r} is neither oui, non nor oui(<condition>)")
