"""TD0.3: setAuthorization as in the official example and the WSDL schema; answers read."""

from __future__ import annotations

import pytest
from lxml import etree

from esante.dmp import AuthorizationUpdate, DmpClient, DmpRejectedError, td03
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT

N = "{urn:si-dmp-habilitations}"
OFFICIAL_REQUEST = "TD0.3_Mise_a_jour_de_lautorisation_requete.xml"


def test_request_is_the_official_body() -> None:
    ours = td03.build_request(grant=True)
    theirs = kit.body(OFFICIAL_REQUEST)
    assert kit.paths(ours) == kit.paths(theirs)
    assert ours.findtext(f"{N}action") == theirs.findtext(f"{N}action") == "AJOUT"


@pytest.mark.parametrize(
    ("grant", "treating", "action", "role"),
    [
        (True, False, "AJOUT", None),
        (False, False, "SUPPRESSION", None),
        (True, True, "AJOUT", "MEDECIN_TRAITANT"),
    ],
)
def test_request_validates_against_the_wsdl_schema(
    grant: bool, treating: bool, action: str, role: str | None
) -> None:
    request = td03.build_request(grant=grant, treating_physician=treating)
    schema = kit.habilitations_schema()
    assert schema.validate(request), schema.error_log
    assert request.findtext(f"{N}action") == action
    assert request.findtext(f"{N}role") == role


def test_official_answer(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD03)
    update = client.set_authorization(KIT_PATIENT, actor=DOCTOR)
    assert update == AuthorizationUpdate(
        status="DMPOk", context="Autorisation déjà présente aucune action effectuée"
    )
    assert kit.habilitations_schema().validate(kit.body(official.TD03))


def test_refusal_keeps_the_dmp_status_and_context(client: DmpClient, dmp: ScriptedDmp) -> None:
    def edit(root: etree._Element) -> None:
        status = root.find(f".//{N}status")
        context = root.find(f".//{N}context")
        assert status is not None
        assert context is not None
        status.text = "DMPKo"
        context.text = "Le patient a bloqué ce professionnel"

    dmp.reply(kit.variant(official.TD03, edit))
    with pytest.raises(DmpRejectedError) as caught:
        client.set_authorization(KIT_PATIENT, actor=DOCTOR, grant=False)
    assert caught.value.code == "DMPKo"
    assert "Le patient a bloqué ce professionnel" in caught.value.message
    assert dmp.last.envelope.payload is not None
    assert dmp.last.envelope.payload.findtext(f"{N}action") == "SUPPRESSION"
