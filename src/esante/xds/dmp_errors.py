"""The DMP's error codes, once: kind, provenance, French label, the DMP's text, retry class.

The client (:mod:`esante.dmp.failures`: the clinician's message, whether retrying may
help) and the sandbox (:mod:`esante.sandbox.dmp.codes`: the codes it answers with and the
text it writes in ``codeContext``) read this one table, so both sides of the wire agree on
what a code means and whether it is worth retrying.

``kind`` ``xds``: an IHE XDS.b error code (ITI TF-3 Table 4.2.4.1-2) the DMP registry uses;
``dmp``: a refusal of the DMP's business rules. ``provenance`` ``kit``: seen in the
official DMP kit; ``ihe``: the IHE code list; ``esante``: a code esante gives a refusal the
kit documents without its code — the official list (annex A7-1 of SEL-MP-037) is not in
the kit, align these when it is (docs/wire-deviations.md). ``label`` is what the
clinician reads; ``dmp_text`` the DMP's own wording (``codeContext``), when it differs.
``retry`` ``transient``: the request was not processed and may be sent again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class ErrorKind(StrEnum):
    """Where a code comes from on the wire."""

    XDS = "xds"
    DMP = "dmp"


class Retry(StrEnum):
    """Whether sending the same request again may succeed."""

    TRANSIENT = "transient"
    """Not processed ("not now"): retry later."""
    PERMANENT = "permanent"
    """Refused: the same request will be refused again."""


@dataclass(frozen=True, slots=True)
class DmpErrorInfo:
    """One DMP error code (see the module docstring)."""

    code: str
    kind: ErrorKind
    provenance: str
    label: str
    dmp_text: str
    retry: Retry


def _e(
    code: str,
    kind: ErrorKind,
    provenance: str,
    label: str,
    *,
    dmp_text: str | None = None,
    retry: Retry = Retry.PERMANENT,
) -> DmpErrorInfo:
    return DmpErrorInfo(code, kind, provenance, label, dmp_text or label, retry)


ERRORS: Final[dict[str, DmpErrorInfo]] = {
    e.code: e
    for e in (
        _e(
            "XDSUnknownPatientId",
            ErrorKind.XDS,
            "kit",
            "Ce patient n'a pas de DMP (INS inconnu du DMP).",
            dmp_text="Patient inconnu du DMP : aucun DMP n'existe pour cet INS.",
        ),
        _e(
            "XDSPatientIdDoesNotMatch",
            ErrorKind.XDS,
            "kit",
            "L'identifiant du patient diffère entre le lot et le document.",
            dmp_text=(
                "L'identifiant du patient n'est pas le même dans le document, le lot de "
                "soumission ou le document remplacé."
            ),
        ),
        _e(
            "XDSDocumentUniqueIdError",
            ErrorKind.XDS,
            "kit",
            "Document introuvable dans le DMP.",
            dmp_text="Document inconnu du DMP pour cet identifiant.",
        ),
        _e(
            "XDSDuplicateUniqueIdInRegistry",
            ErrorKind.XDS,
            "ihe",
            "Un document portant le même identifiant existe déjà dans le DMP.",
            dmp_text="Un document portant le même identifiant unique existe déjà dans le DMP.",
        ),
        _e(
            "XDSNonIdenticalHash",
            ErrorKind.XDS,
            "ihe",
            "L'empreinte du document ne correspond pas à son contenu.",
            dmp_text=(
                "L'empreinte (hash) déclarée ne correspond pas au contenu du document transmis."
            ),
        ),
        _e(
            "XDSNonIdenticalSize",
            ErrorKind.XDS,
            "ihe",
            "La taille déclarée du document ne correspond pas à son contenu.",
            dmp_text="La taille déclarée ne correspond pas au contenu du document transmis.",
        ),
        _e(
            "XDSMissingDocument",
            ErrorKind.XDS,
            "ihe",
            "Un document annoncé dans l'envoi est absent.",
            dmp_text="Le contenu d'un document décrit dans le lot de soumission est absent.",
        ),
        _e(
            "XDSRegistryMetadataError",
            ErrorKind.XDS,
            "ihe",
            "Le DMP a refusé les métadonnées du document.",
            dmp_text="Métadonnées refusées par le DMP.",
        ),
        _e(
            "XDSMetadataUpdateError",
            ErrorKind.XDS,
            "ihe",
            "Le DMP a refusé la modification du document.",
            dmp_text=(
                "Modification des attributs du document refusée : le statut du document ne le "
                "permet pas."
            ),
        ),
        _e("XDSUnknownRepositoryId", ErrorKind.XDS, "ihe", "Entrepôt de documents inconnu du DMP."),
        _e(
            "XDSRegistryError",
            ErrorKind.XDS,
            "ihe",
            "Le DMP a rencontré une erreur en traitant la demande.",
            dmp_text="Erreur interne du DMP.",
        ),
        _e(
            "XDSRegistryBusy",
            ErrorKind.XDS,
            "ihe",
            "Le DMP est momentanément surchargé.",
            dmp_text="Le DMP est momentanément surchargé : réessayez plus tard.",
            retry=Retry.TRANSIENT,
        ),
        _e(
            "DMPAccessNotAllowed",
            ErrorKind.DMP,
            "esante",
            "Action non autorisée sur le DMP pour votre profil et ce mode d'accès.",
        ),
        _e(
            "DMPAuthorizationMissing",
            ErrorKind.DMP,
            "esante",
            (
                "Vous n'êtes pas autorisé à accéder au DMP de ce patient : son autorisation est "
                "nécessaire."
            ),
        ),
        _e(
            "DMPAuthorizationExpired",
            ErrorKind.DMP,
            "esante",
            (
                "Votre autorisation d'accès au DMP de ce patient a expiré : une nouvelle "
                "autorisation du patient est nécessaire."
            ),
        ),
        _e(
            "DMPProfessionalBlocked",
            ErrorKind.DMP,
            "esante",
            "Le patient a bloqué votre accès à son DMP.",
        ),
        _e(
            "DMPOppositionBrisDeGlace",
            ErrorKind.DMP,
            "esante",
            "Le patient s'est opposé à l'accès à son DMP en mode bris de glace.",
        ),
        _e(
            "DMPOppositionCentre15",
            ErrorKind.DMP,
            "esante",
            "Le patient s'est opposé à l'accès à son DMP par le centre de régulation (centre 15).",
        ),
        _e(
            "DMPOppositionFeeding",
            ErrorKind.DMP,
            "esante",
            "Le patient s'est opposé à l'alimentation de son DMP.",
        ),
        _e("DMPClosed", ErrorKind.DMP, "esante", "Le DMP de ce patient est fermé."),
        _e(
            "DMPAlreadyExists",
            ErrorKind.DMP,
            "esante",
            "Un DMP ouvert existe déjà pour ce patient.",
        ),
        _e(
            "DMPNotDocumentAuthor",
            ErrorKind.DMP,
            "esante",
            "Seul l'auteur du document peut effectuer cette action.",
        ),
        _e(
            "DMPNotStructureDocument",
            ErrorKind.DMP,
            "esante",
            (
                "Seuls les documents déposés par votre structure peuvent faire l'objet de cette "
                "action."
            ),
        ),
        _e(
            "DMPPatientDocumentReserved",
            ErrorKind.DMP,
            "esante",
            (
                "Pour un document déposé par le patient, seul son médecin traitant DMP peut "
                "effectuer cette action."
            ),
        ),
        _e(
            "DMPDocumentMasked",
            ErrorKind.DMP,
            "esante",
            "Ce document est masqué aux professionnels de santé.",
        ),
        _e(
            "DMPNotTreatingPhysician",
            ErrorKind.DMP,
            "esante",
            "Vous n'êtes pas le médecin traitant DMP de ce patient.",
        ),
        _e(
            "DMPInvalidRequest",
            ErrorKind.DMP,
            "esante",
            "Requête refusée par le DMP : données invalides.",
        ),
        _e(
            "DMPServiceUnavailable",
            ErrorKind.DMP,
            "esante",
            "Le service DMP est momentanément indisponible : réessayez plus tard.",
            retry=Retry.TRANSIENT,
        ),
        _e(
            "XDSRegistryOutOfResources",
            ErrorKind.XDS,
            "ihe",
            "Le DMP est momentanément surchargé.",
            retry=Retry.TRANSIENT,
        ),
        _e(
            "XDSRepositoryError",
            ErrorKind.XDS,
            "ihe",
            "L'entrepôt de documents du DMP a rencontré une erreur.",
        ),
        _e(
            "XDSRepositoryMetadataError",
            ErrorKind.XDS,
            "ihe",
            "L'entrepôt de documents du DMP a refusé les métadonnées.",
        ),
        _e(
            "XDSRepositoryBusy",
            ErrorKind.XDS,
            "ihe",
            "L'entrepôt de documents du DMP est momentanément surchargé.",
            retry=Retry.TRANSIENT,
        ),
        _e(
            "XDSRepositoryOutOfResources",
            ErrorKind.XDS,
            "ihe",
            "L'entrepôt de documents du DMP est momentanément surchargé.",
            retry=Retry.TRANSIENT,
        ),
        _e(
            "XDSMissingDocumentMetadata",
            ErrorKind.XDS,
            "ihe",
            "Les métadonnées d'un document envoyé sont absentes.",
        ),
        _e(
            "XDSResultNotSinglePatient",
            ErrorKind.XDS,
            "ihe",
            "La recherche concerne plusieurs patients.",
        ),
        _e(
            "XDSUnknownStoredQuery",
            ErrorKind.XDS,
            "ihe",
            "La recherche envoyée au DMP n'est pas reconnue.",
        ),
        _e(
            "XDSStoredQueryMissingParam",
            ErrorKind.XDS,
            "ihe",
            "Il manque un critère obligatoire à la recherche.",
        ),
        _e(
            "XDSStoredQueryParamNumber",
            ErrorKind.XDS,
            "ihe",
            "Un critère de recherche est répété à tort.",
        ),
        _e(
            "XDSTooManyResults",
            ErrorKind.XDS,
            "ihe",
            "Trop de documents correspondent : précisez les critères de recherche.",
        ),
        _e(
            "XDSMetadataVersionError",
            ErrorKind.XDS,
            "ihe",
            "Le document a été modifié entre-temps : relancez la recherche avant de le modifier.",
        ),
    )
}
"""Every DMP error code esante knows, by code."""

TRANSIENT_CODES: Final = frozenset(c for c, e in ERRORS.items() if e.retry is Retry.TRANSIENT)
"""Codes meaning "not now": the request was not processed and may be sent again."""
