"""TD0.3 — add or remove the acting professional's access authorisation (setAuthorization).

The ``habilitations`` service (DMP kit ``Habilitations.wsdl``, messages
``TD0.3_Mise_a_jour_de_lautorisation_*``): ``setAuthorization`` with ``action``
``AJOUT`` (the patient consents to this professional accessing the DMP) or
``SUPPRESSION``, and optionally ``role`` ``MEDECIN_TRAITANT`` (declaring the
professional the patient's "médecin traitant DMP"). The professional and the patient
are those of the VIHF. The answer's ``output/status`` is ``DMPOk`` on success; any other
status is a refusal whose ``context`` says why.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from esante.dmp.errors import DmpRejectedError
from esante.dmp.failures import french_message
from esante.dmp.results import AuthorizationUpdate
from esante.dmp.transactions import HABILITATIONS_NS, TD03

TRANSACTION: Final = TD03
STATUS_OK: Final = "DMPOk"
_N = f"{{{HABILITATIONS_NS}}}"


def build_request(*, grant: bool, treating_physician: bool = False) -> etree._Element:
    """The ``setAuthorization`` body: AJOUT / SUPPRESSION, role MEDECIN_TRAITANT if asked."""
    root = etree.Element(f"{_N}setAuthorization", nsmap={None: HABILITATIONS_NS})
    etree.SubElement(root, f"{_N}action").text = "AJOUT" if grant else "SUPPRESSION"
    if treating_physician:
        etree.SubElement(root, f"{_N}role").text = "MEDECIN_TRAITANT"
    return root


def parse_response(payload: etree._Element) -> AuthorizationUpdate:
    """Read ``setAuthorizationResponse``; raise :class:`DmpRejectedError` unless ``DMPOk``."""
    status = (payload.findtext(f"{_N}output/{_N}status") or "").strip()
    context = (payload.findtext(f"{_N}output/{_N}context") or "").strip() or None
    if status != STATUS_OK:
        raise DmpRejectedError(
            french_message(status or None, context or "mise à jour de l'autorisation refusée"),
            code=status or None,
            detail=f"TD0.3: status {status!r}, context {context!r}",
            transaction=TRANSACTION.td,
        )
    return AuthorizationUpdate(status=status, context=context)
