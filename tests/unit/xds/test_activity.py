"""contentTypeCode comes from the care episode, for the DMP and for MSSanté's XDM archive."""

from __future__ import annotations

import re

import pytest

from esante.mss import compose_message, read_message
from esante.xds.activity import (
    ACTIVITY_SYSTEM,
    PATIENT_CLASS_ACTIVITY,
    content_type_for_episode,
)
from tests.conftest import shared_path
from tests.unit.mss.samples import CARDIOLOGIST, CREATOR, GP, NIL, NOW, SOURCE_ID, cda, ids


def _mapping_proposal() -> dict[str, str]:
    """The CI-SIS mapping's PV1-2 → contentTypeCode proposal (volet transmission CDA)."""
    text = shared_path("specs", "cda-transmission", "mapping.md").read_text(encoding="utf-8")
    start = text.index('<td style="text-align: left">contentTypeCode</td>')
    cell = text[start : text.index("</tr>", start)]
    found: dict[str, str] = {}
    for a, b, c, d in re.findall(r"\b([A-Z]) =&gt; (\d\d)|\b([A-Z]) => (\d\d)", cell):
        found[a or c] = b or d
    return found


def test_patient_classes_follow_the_ci_sis_mapping() -> None:
    proposal = _mapping_proposal()
    assert proposal, "the mapping page no longer proposes PV1-2 values"
    assert {k: v.code for k, v in PATIENT_CLASS_ACTIVITY.items()} == proposal
    assert {v.coding_scheme for v in PATIENT_CLASS_ACTIVITY.values()} == {ACTIVITY_SYSTEM}


def test_the_official_examples_code_system() -> None:
    """The DMP kit's TD2.1 example codes its (day-hospital) activity in the same system."""
    data = shared_path("dmp-kit", "messages", "TD2.1_Alimentation_requete.xml").read_bytes()
    scheme = re.search(
        rb'nodeRepresentation="04">\s*<Slot name="codingScheme">\s*<ValueList>\s*<Value>([^<]+)<',
        data,
    )
    assert scheme is not None
    assert scheme.group(1).decode() == ACTIVITY_SYSTEM


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (None, "07"),
        ("consultation", "07"),
        ("Visite", "07"),
        ("téléconsultation", "07"),
        ("hospitalisation", "03"),
        ("hospitalisation-de-jour", "04"),
        ("traitement_ambulatoire", "19"),
        ("autre chose", "97"),
    ],
)
def test_episode_kinds(kind: str | None, code: str) -> None:
    assert content_type_for_episode(kind).code == code


@pytest.mark.parametrize(("kind", "code"), [("consultation", "07"), ("hospitalisation", "03")])
def test_mssante_xdm_metadata_carries_the_episode_activity(kind: str, code: str) -> None:
    message = compose_message(
        [cda("vsm")],
        sender=GP,
        to=[CARDIOLOGIST],
        product_reference=NIL,
        source_id=SOURCE_ID,
        content_type_code=content_type_for_episode(kind),
        creator=CREATOR,
        now=NOW,
        new_id=ids(),
        pdf_copy=False,
    )
    received = read_message(message.to_bytes())
    assert received.xdm is not None
    sent = received.xdm.submission_set.content_type_code
    assert sent is not None
    assert (sent.code, sent.coding_scheme) == (code, ACTIVITY_SYSTEM)
    assert sent.display == content_type_for_episode(kind).display
