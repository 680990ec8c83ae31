"""The INSi teleservice's wire facts: namespaces, operations, contexts, result codes.

One home for what the client (:mod:`esante.insi`) and the sandbox
(:mod:`esante.sandbox.insi`) both write and read. Sources, each checked by a test
against the official material where it is at hand:

* the DMP kit's official pair ``messages/WS_INS2_rechercherInsAvecTraitsIdentite_
  requete.xml`` / ``_reponse.xml`` (namespaces, header blocks, context versions, result
  structure, ``CodeCR`` ``00`` / ``LibelleCR`` ``OK``);
* the CNAM WSDL ``DESIR_ICIR_EXP_1.5.0.wsdl`` ("service de recherche et de vérification
  de l'Identifiant National de Santé") and its schemas ``INSi_RECSANS_INS.xsd``,
  ``INSi_RECVITALE_INS.xsd``, ``INSi_RESULTAT_INS.xsd``, ``ROOT_ctxbam_CTXBAM_V01_02.xsd``,
  ``ROOT_ctxlps_CTXLPS_V01_00.xsd`` and ``schema_faultSOAP_V01_01.xsd``, published with
  the CNDA-approved open-source client ``padoa/tlsi-ins`` (``src/wsdl``) — read, not
  vendored: the operations and their ``wsaw:Action`` / ``soapAction`` values, the
  element names and their order, the ``siram:Erreur`` fault detail;
* the labels of result codes ``01`` and ``02`` as the CNAM test platform sends them
  (``Aucune identite trouvee``, ``Plusieurs identites trouvees``: fixtures recorded by
  the same client) and their meaning for the user (regional e-health agencies' guidance,
  e.g. esante-bretagne.fr "La gestion de l'INS").

The WSDL defines two operations only. What the ANS calls the *vérification* of an INS
has no operation of its own in it: it is a search by traits whose answer is compared
with the INS and traits held (see :mod:`esante.identity.insi.matching`).
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Final

RECSANS_NS: Final = "http://www.cnamts.fr/INSiRecSans"
"""Search by identity traits: ``RECSANSVITALE`` (``INSi_RECSANS_INS.xsd``)."""
RECVIT_NS: Final = "http://www.cnamts.fr/INSiRecVit"
"""Search with the Carte Vitale's data: ``RECVITALE`` (``INSi_RECVITALE_INS.xsd``)."""
RESULTAT_NS: Final = "http://www.cnamts.fr/INSiResultat"
"""The answer of both operations: ``RESULTAT`` (``INSi_RESULTAT_INS.xsd``)."""
CTXBAM_NS: Final = "urn:siram:bam:ctxbam"
"""``ContexteBAM`` header block (``ROOT_ctxbam_CTXBAM_V01_02.xsd``)."""
CTXLPS_NS: Final = "urn:siram:lps:ctxlps"
"""``ContexteLPS`` header block (``ROOT_ctxlps_CTXLPS_V01_00.xsd``)."""
SIRAM_NS: Final = "urn:siram"
"""``siram:Erreur``, the detail of the service's SOAP faults (``schema_faultSOAP_V01_01``)."""

CONTEXTE_BAM_VERSION: Final = "01_02"
CONTEXTE_LPS_VERSION: Final = "01_00"
IDAM_REFERENCE: Final = "4"
"""``ContexteLPS/LPS/IDAM/@R``: ``4`` in the official sample and every public client (the
attribute names the kind of identifier: the CNDA authorisation number of the software)."""

ACTION_PREFIX: Final = "urn:ServiceIdentiteCertifiee:1.0.0:"

FAULT_SEVERITIES: Final = ("information", "avertissement", "erreur", "fatale")
"""Values of ``siram:Erreur/@severite`` (``schema_faultSOAP_V01_01.xsd``)."""


class Operation(Enum):
    """The two operations of the INSi web service (WSDL ``ICIRService``)."""

    TRAITS = "rechercherInsAvecTraitsIdentite"
    VITALE = "rechercherInsAvecCarteVitale"

    @property
    def action(self) -> str:
        """The WS-Addressing Action (and SOAP 1.2 action) of the request."""
        return ACTION_PREFIX + self.value

    @property
    def response_action(self) -> str:
        """The ``wsaw:Action`` the WSDL gives the answer."""
        return ACTION_PREFIX + self.value + "Response"

    @property
    def request_root(self) -> str:
        """Clark name of the request body's root element."""
        if self is Operation.TRAITS:
            return f"{{{RECSANS_NS}}}RECSANSVITALE"
        return f"{{{RECVIT_NS}}}RECVITALE"

    @property
    def label(self) -> str:
        """French label, for the user and the trace."""
        if self is Operation.TRAITS:
            return "recherche de l'INS par les traits d'identité"
        return "recherche de l'INS avec la carte Vitale"

    @classmethod
    def from_action(cls, action: str) -> Operation | None:
        """The operation whose request action is ``action`` (None when unknown)."""
        return next((op for op in cls if op.action == action.strip()), None)


RESULTAT: Final = f"{{{RESULTAT_NS}}}RESULTAT"


class ResultCode(StrEnum):
    """``RESULTAT/CR/CodeCR``: what the search found."""

    FOUND = "00"
    NOT_FOUND = "01"
    SEVERAL = "02"

    @property
    def official_label(self) -> str:
        """``LibelleCR`` as the service writes it (upper case ASCII free text)."""
        return _OFFICIAL_LABELS[self]

    @property
    def label(self) -> str:
        """French meaning, for the clinician."""
        return _LABELS[self]

    @property
    def advice(self) -> str:
        """What the user may do next (French)."""
        return _ADVICE[self]


_OFFICIAL_LABELS = {
    ResultCode.FOUND: "OK",
    ResultCode.NOT_FOUND: "Aucune identite trouvee",
    ResultCode.SEVERAL: "Plusieurs identites trouvees",
}
_LABELS = {
    ResultCode.FOUND: "Une identité trouvée : le téléservice INSi renvoie l'INS et ses traits.",
    ResultCode.NOT_FOUND: "Aucune identité trouvée par le téléservice INSi.",
    ResultCode.SEVERAL: "Plusieurs identités correspondent aux traits saisis.",
}
_ADVICE = {
    ResultCode.FOUND: (
        "Comparez les traits renvoyés avec la pièce d'identité avant de les enregistrer."
    ),
    ResultCode.NOT_FOUND: (
        "Vérifiez les traits saisis sur la pièce d'identité (nom de naissance, prénoms, "
        "date de naissance, sexe) ; la personne peut aussi ne pas avoir d'INS."
    ),
    ResultCode.SEVERAL: (
        "Interrogez de nouveau en ajoutant les autres prénoms de la pièce d'identité, "
        "puis le lieu de naissance."
    ),
}
