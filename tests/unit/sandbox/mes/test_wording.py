"""The words and formats the patient reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from esante.cda import Quantity
from esante.sandbox.dmp import AccessLogEntry, Action, Outcome
from esante.sandbox.mes import views, wording
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from esante.xds.vocabulary import INS_OIDS


def test_every_dmp_action_is_told_in_french() -> None:
    assert set(wording.ACTION_LABELS) == set(Action)
    assert wording.action_label("TD3.2", "TD3.2") == "Consultation d'un document"
    assert wording.action_label("TD9.9:inconnu", "TD9.9") == "Opération TD9.9"


def test_dates_are_in_paris_time_in_the_french_format() -> None:
    assert (
        wording.french_datetime(datetime(2025, 1, 15, 23, 30, tzinfo=UTC)) == "16/01/2025 à 00:30"
    )
    assert wording.french_datetime(datetime(2025, 7, 1, 12, 0, tzinfo=UTC)) == "01/07/2025 à 14:00"
    assert wording.french_date(date(2024, 2, 29)) == "29/02/2024"
    assert wording.french_date(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2025"
    assert wording.french_date(None) == "—"


def test_identifiers_names_and_quantities() -> None:
    assert wording.mask_ins("292062123199987") == "2 92 06 •• ••• ••• 87"
    assert wording.mask_ins("ABCDEFG") == "AB•••FG"
    assert wording.actor_identifier("810003986931") == "RPPS 10003986931"
    assert wording.actor_identifier("310B0001001/SEC01") == "idNat_PS 310B0001001/SEC01"
    assert wording.full_name("Claire", "N'Diaye") == "Claire N'DIAYE"
    assert wording.full_name(None, None) is None
    assert wording.professional_label("10", "SM54") == "Médecin - Médecine Générale (SM)"
    assert wording.professional_label("60", None) == "Infirmier"
    assert wording.professional_label(None, None) is None
    assert wording.quantity(Quantity(Decimal("9180"), "g"), grams_as_kg=True) == "9,18 kg"
    assert wording.quantity(Quantity(Decimal("75.50"), "cm")) == "75,5 cm"
    assert wording.dose_label(1) == "1re dose"
    assert wording.dose_label(2) == "2e dose"


def test_the_pages_ask_the_dmp_with_an_ins_oid() -> None:
    assert views.LOOKUP_OID in INS_OIDS


def _entry(mode: AccessMode, outcome: Outcome = Outcome.ACCEPTED, **kw: object) -> AccessLogEntry:
    values: dict[str, object] = {
        "at": datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        "transaction": "TD3.2",
        "action": "TD3.2",
        "actor_id": "810003986931",
        "authentication_mode": AuthenticationMode.DIRECTE,
        "access_mode": mode,
        "patient_ins": "292062123199987",
        "outcome": outcome,
    }
    values.update(kw)
    return AccessLogEntry(**values)  # type: ignore[arg-type]


def test_the_bris_de_glace_reason_is_shown_in_that_mode_only() -> None:
    urgent = views.access_line(_entry(AccessMode.BRIS_DE_GLACE), reason="Patient inconscient")
    assert urgent.reason == "Patient inconscient"
    assert urgent.mode_label == "Accès en bris de glace"
    normal = views.access_line(_entry(AccessMode.NORMAL), reason="ignoré")
    assert normal.reason is None
    assert normal.who == "Professionnel non nommé"


def test_a_refusal_carries_the_dmp_reason() -> None:
    line = views.access_line(
        _entry(
            AccessMode.NORMAL, Outcome.REFUSED, error_code="DMPClosed", actor_name="Alice MEDECIN"
        )
    )
    assert not line.accepted
    assert line.outcome.startswith("Refusé : ")
    assert line.who == "Alice MEDECIN"
    unknown = views.access_line(_entry(AccessMode.NORMAL, Outcome.REFUSED, error_code="Xyz"))
    assert unknown.outcome == "Refusé (Xyz)"
