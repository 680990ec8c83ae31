"""Who may do what on a patient's DMP: :func:`check_access` applies the rights matrix.

Inputs are plain values: the :class:`Actor` (what the VIHF says of the user), the
:class:`~esante.sandbox.dmp.matrix.Action`, the access mode, and optionally what the DMP
knows of the patient (:class:`PatientFacts`: médecin traitant DMP, the actor's
authorization, oppositions) and of the document (:class:`DocumentFacts`). The answer is a
:class:`Decision` that says yes or no, which column of the matrix applied, which
footnote conditions were involved, why (in French) and, when refused, the DMP error code.

Rules beyond the matrix cells, with their sources and esante's reading where the sources
are silent:

* a professional the patient blocked cannot access the DMP, with or without
  authorization, even in bris de glace (PDSm4DMP TD0.2, NB1): consultation (TD3.1
  metadata, TD3.2, TD1.3a, TD1.6), self-authorization and attribute changes on documents
  that are not their own are refused; feeding, reference lookups and actions on their own
  documents are not (authorizations and blocking concern consultation, TD0.2 NB2);
* in normal mode consultation needs a valid authorization (TD3.1/TD3.2 prerequisites,
  EF_DMP04_01); TD3.3 needs it too when it touches documents of others, but not on one's
  own (or one's structure's) documents (TD3.3a-d: "sauf si le LPS implémente le profil
  Alimentation") — where the cell is limited to those, the footnote decides alone;
* in bris de glace / centre 15 no authorization is needed, but the patient's opposition
  to that mode (``OPPOSITION_BRIS_DE_GLACE``, ``OPPOSITION_ACCES_URGENCE``) refuses
  consultation;
* a médecin traitant DMP acting in centre 15 mode uses the "médecin (non MT)" column
  (the MT columns have no régulation mode); an occupational physician's column has no
  mode ("sans objet"): whatever the mode asked, the normal-mode rules apply;
* the matrix restricts by document category (masked, invisible to the patient, archived,
  obsolete, deleted, document of the patient), never by document type or class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from esante.sandbox.dmp.codes import AuthorizationStatus, DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.matrix import (
    Action,
    ActorKind,
    Cell,
    Condition,
    ConsultedCategory,
    Profile,
    RightsMatrix,
    rights_matrix,
)
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from esante.xds.vocabulary import AvailabilityStatus

PHYSICIAN = "10"
"""TRE_G15 code of the médecin."""

CONSULTATION = frozenset(
    {
        Action.SEARCH_METADATA,
        Action.RETRIEVE,
        Action.READ_ADMINISTRATIVE_DATA,
        Action.LIST_AUTHORIZATIONS,
    }
)
"""Actions that read the patient's record: authorization, blocking and oppositions apply."""

DOCUMENT_CHANGES = frozenset(
    {
        Action.MASK,
        Action.UNMASK,
        Action.MAKE_VISIBLE_TO_PATIENT,
        Action.ARCHIVE,
        Action.UNARCHIVE,
        Action.DELETE,
    }
)
"""TD3.3 actions: free on one's own documents, like consultation on the others'."""


class Card(StrEnum):
    """The smart card of a direct authentication."""

    CPS = "CPS"
    """Carte de professionnel de santé (or e-CPS)."""
    CPF = "CPF"
    """Carte de professionnel en formation."""
    CPE = "CPE"
    """Carte de personnel d'établissement (staff who are not health professionals)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The user as the DMP sees them (from the VIHF and the authentication).

    ``id_nat_ps`` is the national identifier (VIHF ``Subject/NameID``); ``profession``
    the TRE_G15 code of the first ``subject:role`` (``"10"`` médecin), ``None`` for staff
    who are not health professionals (their first role, if any, goes in ``role``);
    ``specialty`` the second role (TRE_R38 ``SM26``; the J01 form ``G15_10/SM26`` is
    accepted); ``structure_id`` the ``Identifiant_Structure``; ``card`` the card of a
    direct authentication (default: CPS for a professional, CPE otherwise).
    """

    id_nat_ps: str
    authentication_mode: AuthenticationMode
    structure_id: str | None = None
    profession: str | None = None
    specialty: str | None = None
    role: str | None = None
    card: Card | None = None
    family_name: str | None = None
    given_name: str | None = None

    @property
    def specialty_code(self) -> str | None:
        """The specialty without the ``G15_xx/`` prefix of the J01 form."""
        if self.specialty is None:
            return None
        return self.specialty.rsplit("/", 1)[-1]

    @property
    def effective_card(self) -> Card | None:
        """The card of a direct authentication (``None`` for an indirect one)."""
        if self.authentication_mode is not AuthenticationMode.DIRECTE:
            return None
        if self.card is not None:
            return self.card
        return Card.CPS if self.profession else Card.CPE

    @property
    def is_health_professional(self) -> bool:
        """A professional (a profession, not a CPE holder)."""
        return self.profession is not None and self.effective_card is not Card.CPE

    @property
    def is_physician(self) -> bool:
        """A médecin (TRE_G15 ``10``) using a professional card or indirect authentication."""
        return self.is_health_professional and self.profession == PHYSICIAN


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the DMP knows of the patient that matters for this actor.

    ``authorization`` is the actor's status (``INTERDITE`` when the patient blocked them);
    ``masked_access_in_emergency``: the patient allows masked documents to be read in
    bris de glace / centre 15 (footnote 7).
    """

    treating_physician: str | None = None
    authorization: AuthorizationStatus = AuthorizationStatus.NONE
    opposes_bris_de_glace: bool = False
    opposes_centre_15: bool = False
    masked_access_in_emergency: bool = False


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What the rights depend on in a document.

    ``author_ids``: idNat_PS of its authors; ``structure_ids``: the authors' institutions
    and the structure that submitted it; ``patient_document``: deposited by the patient
    (class ``90``).
    """

    author_ids: frozenset[str] = frozenset()
    structure_ids: frozenset[str] = frozenset()
    status: AvailabilityStatus = AvailabilityStatus.APPROVED
    masked: bool = False
    invisible_to_patient: bool = False
    invisible_to_legal_representatives: bool = False
    patient_document: bool = False


@dataclass(frozen=True)
class Decision:
    """The answer of :func:`check_access`.

    ``conditions``: the footnotes involved — checked when the document was given,
    otherwise still to be checked per document. ``reasons``: French sentences saying
    which rule decided. ``code``: the DMP error code of a refusal.
    """

    action: Action
    allowed: bool
    profile: Profile | None
    conditions: tuple[Condition, ...] = ()
    reasons: tuple[str, ...] = ()
    code: DmpErrorCode | None = None
    rows: tuple[str, ...] = field(default=())

    def refusal(self) -> DmpRefusal:
        """The :class:`DmpRefusal` this decision stands for (call only when refused)."""
        code = self.code or DmpErrorCode.ACCESS_NOT_ALLOWED
        profile = self.profile.id if self.profile else "none"
        return DmpRefusal(
            code,
            message=" ".join(self.reasons) or None,
            detail=f"{self.action.value} refused for profile {profile} ({code.value})",
        )

    def raise_if_refused(self) -> None:
        """Raise the :class:`DmpRefusal` of a refused decision; do nothing otherwise."""
        if not self.allowed:
            raise self.refusal()


def resolve_profile(
    actor: Actor,
    access_mode: AccessMode = AccessMode.NORMAL,
    patient: PatientFacts | None = None,
    *,
    matrix: RightsMatrix | None = None,
) -> Profile | None:
    """The matrix column that applies to ``actor`` in ``access_mode`` (``None``: no column)."""
    m = matrix or rights_matrix()
    mode = actor.authentication_mode
    if mode is AuthenticationMode.INDIRECTE:
        return m.profile(mode, ActorKind.ESTABLISHMENT, access_mode)
    if not actor.is_health_professional:
        return m.profile(mode, ActorKind.NON_PROFESSIONAL, access_mode)
    if actor.is_physician and actor.specialty_code in m.occupational_specialties:
        return m.profile(mode, ActorKind.OCCUPATIONAL_PHYSICIAN, access_mode)
    if actor.is_physician:
        treating = patient is not None and patient.treating_physician == actor.id_nat_ps
        if treating:
            found = m.profile(mode, ActorKind.TREATING_PHYSICIAN, access_mode)
            if found is not None:
                return found
        return m.profile(mode, ActorKind.PHYSICIAN, access_mode)
    return m.profile(mode, ActorKind.NON_PHYSICIAN, access_mode)


def consulted_categories(document: DocumentFacts | None) -> tuple[ConsultedCategory, ...]:
    """The TD3.2 rows a consultation of ``document`` falls under (all must allow it)."""
    if document is None:
        return (ConsultedCategory.NOT_MASKED,)
    found = [ConsultedCategory.MASKED if document.masked else ConsultedCategory.NOT_MASKED]
    if document.invisible_to_patient or document.invisible_to_legal_representatives:
        found.append(ConsultedCategory.INVISIBLE_TO_PATIENT)
    by_status = {
        AvailabilityStatus.ARCHIVED: ConsultedCategory.ARCHIVED,
        AvailabilityStatus.DEPRECATED: ConsultedCategory.DEPRECATED,
        AvailabilityStatus.DELETED: ConsultedCategory.DELETED,
    }
    if document.status in by_status:
        found.append(by_status[document.status])
    return tuple(found)


def check_access(
    actor: Actor,
    action: Action,
    access_mode: AccessMode = AccessMode.NORMAL,
    document: DocumentFacts | None = None,
    *,
    patient: PatientFacts | None = None,
    matrix: RightsMatrix | None = None,
) -> Decision:
    """Decide whether ``actor`` may do ``action`` in ``access_mode``.

    Without ``patient`` only the matrix is applied (as for a professional whose
    relationship with the patient is unknown); without ``document`` the conditions of
    the cells are returned unchecked in :attr:`Decision.conditions`. Never raises:
    call :meth:`Decision.raise_if_refused` to turn a refusal into a :class:`DmpRefusal`.
    """
    m = matrix or rights_matrix()
    profile = resolve_profile(actor, access_mode, patient, matrix=m)
    if profile is None:
        return Decision(
            action,
            False,
            None,
            reasons=(f"Le mode d'accès « {access_mode.value} » n'est pas ouvert à votre profil.",),
            code=DmpErrorCode.ACCESS_NOT_ALLOWED,
        )
    rows = _rows(action, document)
    cells = [(row, m.cell(row, profile)) for row in rows]
    refused = next((row for row, cell in cells if not cell.allowed), None)
    if refused is not None:
        return _matrix_refusal(m, actor, action, profile, refused, rows)
    conditions = tuple(dict.fromkeys(c.condition for _, c in cells if c.condition is not None))
    decide = _Decider(m, actor, action, profile, rows, conditions)
    return decide.patient_rules(access_mode, document, patient) or decide.document_rules(
        document, patient, cells
    )


def _rows(action: Action, document: DocumentFacts | None) -> tuple[str, ...]:
    if action is Action.RETRIEVE:
        return tuple(c.value for c in consulted_categories(document))
    return (action.value,)


def _matrix_refusal(
    m: RightsMatrix,
    actor: Actor,
    action: Action,
    profile: Profile,
    row: str,
    rows: tuple[str, ...],
) -> Decision:
    if action is Action.REMOVE_SELF_AS_TREATING_PHYSICIAN and actor.is_physician:
        code = DmpErrorCode.NOT_TREATING_PHYSICIAN
        reason = "Vous n'êtes pas le médecin traitant DMP de ce patient."
    elif row == ConsultedCategory.MASKED.value:
        code = DmpErrorCode.DOCUMENT_MASKED
        reason = "Ce document est masqué aux professionnels de santé."
    else:
        code = DmpErrorCode.ACCESS_NOT_ALLOWED
        reason = (
            f"Action non autorisée sur le DMP : « {m.row_label(row)} » n'est pas permis "
            f"({profile.label})."
        )
    return Decision(action, False, profile, reasons=(reason,), code=code, rows=rows)


@dataclass(frozen=True)
class _Decider:
    matrix: RightsMatrix
    actor: Actor
    action: Action
    profile: Profile
    rows: tuple[str, ...]
    conditions: tuple[Condition, ...]

    def refuse(self, code: DmpErrorCode, reason: str) -> Decision:
        return Decision(
            self.action,
            False,
            self.profile,
            self.conditions,
            reasons=(reason,),
            code=code,
            rows=self.rows,
        )

    def allow(self, reason: str) -> Decision:
        return Decision(
            self.action, True, self.profile, self.conditions, reasons=(reason,), rows=self.rows
        )

    def owns(self, document: DocumentFacts | None) -> bool:
        if document is None:
            return False
        if self.actor.id_nat_ps in document.author_ids:
            return True
        by_structure = self.profile.kind in (ActorKind.NON_PROFESSIONAL, ActorKind.ESTABLISHMENT)
        return by_structure and self.actor.structure_id in document.structure_ids

    def patient_rules(
        self,
        access_mode: AccessMode,
        document: DocumentFacts | None,
        patient: PatientFacts | None,
    ) -> Decision | None:
        """Blocking, oppositions and authorization; ``None`` when they let the action through."""
        if patient is None:
            return None
        if self.profile.access_mode is None:  # "sans objet": the mode grants nothing more
            access_mode = AccessMode.NORMAL
        ownership = {Condition.OWN_DOCUMENTS, Condition.STRUCTURE_DOCUMENTS}
        reads = self.action in CONSULTATION or (
            self.action in DOCUMENT_CHANGES
            and not self.owns(document)
            and not ownership.intersection(self.conditions)
        )
        blocked = patient.authorization is AuthorizationStatus.FORBIDDEN
        if blocked and (reads or self.action is Action.AUTHORIZE_SELF):
            return self.refuse(
                DmpErrorCode.PROFESSIONAL_BLOCKED, "Le patient a bloqué votre accès à son DMP."
            )
        if not reads:
            return None
        if access_mode is AccessMode.BRIS_DE_GLACE and patient.opposes_bris_de_glace:
            return self.refuse(
                DmpErrorCode.OPPOSITION_BRIS_DE_GLACE,
                "Le patient s'est opposé à l'accès à son DMP en mode bris de glace.",
            )
        if access_mode is AccessMode.CENTRE_15 and patient.opposes_centre_15:
            return self.refuse(
                DmpErrorCode.OPPOSITION_CENTRE_15,
                "Le patient s'est opposé à l'accès à son DMP par le centre de régulation.",
            )
        if access_mode is AccessMode.NORMAL:
            if patient.authorization is AuthorizationStatus.EXPIRED:
                return self.refuse(
                    DmpErrorCode.AUTHORIZATION_EXPIRED,
                    "Votre autorisation d'accès au DMP de ce patient a expiré.",
                )
            if patient.authorization is not AuthorizationStatus.VALID:
                return self.refuse(
                    DmpErrorCode.AUTHORIZATION_MISSING,
                    "Vous n'êtes pas autorisé par le patient à accéder à son DMP.",
                )
        return None

    def document_rules(
        self,
        document: DocumentFacts | None,
        patient: PatientFacts | None,
        cells: list[tuple[str, Cell]],
    ) -> Decision:
        """The footnote conditions and the patient-document rule, checked on ``document``."""
        if document is None:
            return self.allow(f"Autorisé par la matrice des droits ({self.profile.label}).")
        if document.patient_document and self.action.value in self.matrix.patient_document_rows:
            if self.profile.kind is not ActorKind.TREATING_PHYSICIAN:
                return self.refuse(
                    DmpErrorCode.PATIENT_DOCUMENT_RESERVED,
                    "Pour un document déposé par le patient, seul son médecin traitant DMP "
                    "peut effectuer cette action.",
                )
            return self.allow("Document du patient : action réservée au médecin traitant DMP.")
        for row, cell in cells:
            refusal = self._condition(cell.condition, row, document, patient)
            if refusal is not None:
                return refusal
        return self.allow(f"Autorisé par la matrice des droits ({self.profile.label}).")

    def _condition(
        self,
        condition: Condition | None,
        row: str,
        document: DocumentFacts,
        patient: PatientFacts | None,
    ) -> Decision | None:
        masked_row = row == ConsultedCategory.MASKED.value
        if condition is Condition.OWN_DOCUMENTS and self.actor.id_nat_ps not in (
            document.author_ids
        ):
            if masked_row:
                return self.refuse(
                    DmpErrorCode.DOCUMENT_MASKED,
                    "Ce document est masqué aux professionnels de santé : seul son auteur "
                    "peut le consulter.",
                )
            return self.refuse(
                DmpErrorCode.NOT_DOCUMENT_AUTHOR,
                "Seul l'auteur du document peut effectuer cette action.",
            )
        if condition is Condition.STRUCTURE_DOCUMENTS and (
            self.actor.structure_id not in document.structure_ids
        ):
            return self.refuse(
                DmpErrorCode.NOT_STRUCTURE_DOCUMENT,
                "Seuls les documents déposés par votre structure peuvent faire l'objet de "
                "cette action.",
            )
        if condition is Condition.PATIENT_AUTHORIZATION and not (
            patient is not None and patient.masked_access_in_emergency
        ):
            return self.refuse(
                DmpErrorCode.DOCUMENT_MASKED,
                "Ce document est masqué aux professionnels de santé et le patient n'a pas "
                "autorisé sa consultation en urgence.",
            )
        return None
