"""The Mon espace santé pages, requested over ASGI on a sandbox with a life behind it."""

from __future__ import annotations

from datetime import date

from esante.cda.build.ages import completed_months
from esante.cda.examples.clinical_data import child_measurements, measure_row
from esante.cda.examples.vaccination import schedule
from esante.demo import demo_dataset
from esante.sandbox.mes import SECURITY_HEADERS
from tests.unit.sandbox.mes.conftest import (
    BDG_ACTOR_NAME,
    DELETED_TITLE,
    HIDDEN_LOT,
    HIDDEN_TITLE,
    HIDDEN_VACCINE,
    SCRIPT_TITLE,
    PageClient,
    Sandbox,
)
from tests.unit.sandbox.mes.pages import rows, section, text


def test_the_index_lists_the_patients_with_their_dmp_state(
    client: PageClient, sandbox: Sandbox
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    lines = rows(response.text)
    claire = next(r for r in lines if "Claire N'DIAYE" in r)
    ins = sandbox.claire.value  # sex, birth year and month, then masked, then the key
    assert f"{ins[0]} {ins[1:3]} {ins[3:5]} •• ••• ••• {ins[13:15]}" in claire
    assert ins not in claire  # the INS is shown masked
    assert "Ouvert" in claire
    assert "Rattaché" in claire
    robert = next(r for r in lines if "Robert LEROY" in r)
    assert "Fermé le 01/03/2025" in robert
    assert "Non rattaché" in robert
    assert f'href="/patients/{sandbox.claire.value}"' in response.text


def test_the_patient_page_lists_the_documents_with_their_states(
    client: PageClient, sandbox: Sandbox
) -> None:
    response = client.get(f"/patients/{sandbox.claire.value}")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Mon espace santé — Claire N&#39;DIAYE</h1>" in page
    documents = rows(section(page, "documents"))[1:]
    by_status = {
        status: [r for r in documents if status in r]
        for status in ("Disponible", "Remplacé (obsolète)", "Archivé", "Masqué aux professionnels")
    }
    assert len(documents) == 6  # 2 notes, 2 VSM versions, the N1, the patient's own document
    (archived,) = by_status["Archivé"]
    assert archived.startswith("Compte rendu de consultation")
    assert "CR ou fiche de consultation ou de visite" in archived  # JDV_J07 label
    assert "31/12/2024" in archived
    assert "François PERRIN (Médecin - Médecine Générale (SM))" in archived
    (replaced,) = by_status["Remplacé (obsolète)"]
    assert replaced.startswith("Volet de synthèse médicale")
    (masked,) = by_status["Masqué aux professionnels"]
    assert masked.startswith("Volet de synthèse médicale")
    assert "Disponible" in masked
    assert sum("Note de vaccination" in r for r in documents) == 2
    own = next(r for r in documents if "Ajouté par vous" in r)
    assert "Vous-même" in own


def test_a_document_hidden_from_the_patient_is_only_counted(
    client: PageClient, sandbox: Sandbox
) -> None:
    page = client.get(f"/patients/{sandbox.claire.value}").text
    visible = text(page)
    assert "1 document déposé par un professionnel n'est pas encore visible par vous" in visible
    for secret in (HIDDEN_TITLE, HIDDEN_LOT, HIDDEN_VACCINE, sandbox.ids["hidden"]):
        assert secret not in page
    history = rows(section(page, "historique"))
    assert any("un document qui n'est pas encore visible pour vous" in r for r in history)


def test_a_deleted_document_is_not_listed(client: PageClient, sandbox: Sandbox) -> None:
    page = client.get(f"/patients/{sandbox.claire.value}").text
    assert DELETED_TITLE not in text(section(page, "documents"))
    assert sandbox.ids["deleted"] not in page
    history = text(section(page, "historique"))
    assert f"Suppression d'un document {DELETED_TITLE} (supprimé)" in history


def test_the_access_history_says_who_when_what_and_how(
    client: PageClient, sandbox: Sandbox
) -> None:
    history = rows(section(client.get(f"/patients/{sandbox.claire.value}").text, "historique"))
    assert history[0].startswith("Date et heure Qui Action")
    lines = history[1:]
    assert len(lines) == 15  # 10 feeding and attribute changes, 5 consultations
    # newest first; times in Europe/Paris: 12:00 UTC in July is 14:00
    assert lines[3].startswith(f"01/07/2025 à 14:00 {BDG_ACTOR_NAME}, Médecin - Cardiologie")
    assert "RPPS 10643639700" in lines[3]
    assert "Recherche dans vos documents" in lines[3]
    assert "Accès en bris de glace" in lines[3]
    assert "Motif : non communiqué" in lines[3]
    assert lines[2].startswith(f"01/07/2025 à 14:05 {BDG_ACTOR_NAME}")
    assert "Consultation d'un document Note de vaccination" in lines[2]
    refused = lines[1]
    assert "Chloé GIRARD, Infirmier RPPS 10510642266" in refused
    assert "Refusé : Vous n'êtes pas autorisé à accéder au DMP de ce patient" in refused
    assert "Accès par un centre de régulation médicale" in lines[0]
    # 09:00 UTC in March is 10:00 in Paris
    assert lines[-1].startswith("01/03/2025 à 10:00 François PERRIN, Médecin - Médecine Générale")
    assert "RPPS 10003986931" in lines[-1]
    assert (
        "Alimentation : ajout d'un document Note de vaccination Accès normal Accepté" in lines[-1]
    )
    actions = " ".join(lines)
    for action in (
        "Masquage d'un document aux professionnels",
        "Archivage d'un document",
        "Suppression d'un document",
        "Consultation d'un document",
    ):
        assert action in actions


def test_the_vaccinations_are_compiled_from_the_notes_by_vaccine_and_date(
    client: PageClient, sandbox: Sandbox
) -> None:
    vaccinations = section(client.get(f"/patients/{sandbox.claire.value}").text, "vaccinations")
    headings = [text(h) for h in vaccinations.split("<h3>")[1:]]
    # Claire, 26 to 39: the catch-up of the adult's pertussis booster (dTcaP)
    dtcap = schedule().products["boostrixtetra"]
    assert headings[0].startswith(f"{dtcap.atc.display} ({dtcap.atc.code})")
    assert headings[1].startswith("rougeole, oreillons, rubéole (J07BD52)")
    lines = rows(vaccinations)
    mmr = [r for r in lines if "M-M-RVAXPRO" in r]
    assert [r.split(" ")[0] for r in mmr] == ["20/06/1993", "02/03/1994"]  # by date
    assert "1re dose MMR-A" in mmr[0]
    assert "2e dose MMR-B" in mmr[1]
    assert "CIS 60478346" in mmr[0]
    assert not any("01/02/2025" in r for r in lines)  # recorded as not given
    (booster,) = [r for r in lines if f"CIS {dtcap.cis}" in r]
    assert dtcap.lot in booster
    assert "dose" not in booster  # an adult's booster: rank unknown, not written
    assert "Voie intramusculaire deltoïde gauche Dr François PERRIN" in booster
    assert HIDDEN_VACCINE not in vaccinations


def test_the_child_page_shows_the_measurements(client: PageClient, sandbox: Sandbox) -> None:
    page = client.get(f"/patients/{sandbox.lola.value}").text
    assert "Mon espace santé — Lola N&#39;DIAYE" in page
    table = rows(section(page, "mesures"))
    assert table[0] == "Date Poids Taille Périmètre crânien IMC"
    assert len(table) == 2
    lola = demo_dataset().patient("lola")
    day = date.today()
    shown = [
        measure_row(m)[1] for m in child_measurements(day, completed_months(lola.birth_date, day))
    ]
    assert table[1].endswith(" ".join(shown))
    claire = client.get(f"/patients/{sandbox.claire.value}").text
    assert section(claire, "mesures") == ""


def test_everything_is_escaped(client: PageClient, sandbox: Sandbox) -> None:
    page = client.get(f"/patients/{sandbox.claire.value}").text
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; mon ordonnance" in page
    assert SCRIPT_TITLE in text(page)


def test_a_visible_cda_opens_rendered(client: PageClient, sandbox: Sandbox) -> None:
    response = client.get(f"/patients/{sandbox.claire.value}/documents/{sandbox.ids['tetanus']}")
    assert response.status_code == 200
    visible = text(response.text)
    assert "Note de vaccination" in visible
    assert schedule().products["boostrixtetra"].lot in visible
    assert "Pas de réaction immédiate." in visible
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    n1 = client.get(f"/patients/{sandbox.claire.value}/documents/{sandbox.ids['n1']}")
    assert n1.status_code == 200  # archived: still the patient's to read
    assert "data:application/pdf;base64," in n1.text
    masked = client.get(f"/patients/{sandbox.claire.value}/documents/{sandbox.ids['vsm']}")
    assert masked.status_code == 200  # masked to professionals, not to the patient


def test_documents_the_patient_may_not_see_are_a_french_404(
    client: PageClient, sandbox: Sandbox
) -> None:
    base = f"/patients/{sandbox.claire.value}/documents"
    for unique_id in (sandbox.ids["hidden"], sandbox.ids["deleted"], "1.2.3.4", sandbox.ids["mde"]):
        response = client.get(f"{base}/{unique_id}")
        assert response.status_code == 404, unique_id
        assert "Ce document n'existe pas ou n'est pas disponible dans votre espace." in text(
            response.text
        )
        assert HIDDEN_LOT not in response.text
        assert response.headers["Cache-Control"] == "no-store"


def test_unknown_patients_and_pages_are_a_french_404(client: PageClient) -> None:
    for url in ("/patients/199999999999999", "/patients/not%20an%20INS", "/patients/1/documents/2"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Aucun dossier ne correspond à cet identifiant." in text(response.text)
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert "Page introuvable Cette page n'existe pas." in text(missing.text)


def test_a_closed_dmp_not_attached_to_mes_says_so(client: PageClient, sandbox: Sandbox) -> None:
    visible = text(client.get(f"/patients/{sandbox.robert.value}").text)
    assert "Mon espace santé — Robert LEROY" in visible
    assert "Fermé le 01/03/2025" in visible
    assert "Ce dossier n'est pas rattaché à Mon espace santé" in visible
    assert "Ce dossier médical partagé est fermé" in visible
    assert "Aucun document dans votre espace." in visible
    assert "Aucun accès à votre dossier pour le moment." in visible
