"""The sandbox preset through esante.services: the INSi client built from the settings
answers over mutual TLS with the sandbox's INSi (issue 16 part 2)."""

from __future__ import annotations

from pathlib import Path

from esante.config import Settings
from esante.demo import demo_dataset
from esante.identity.insi import ResultCode, TraitsQuery
from esante.services import build_insi_client, resolve
from esante.services.insi import insi_professional

DOCTOR = "899700000001"


def test_insi_client_from_settings_finds_a_demo_person(sandbox_dir: Path, tmp_path: Path) -> None:
    profile = resolve(Settings(home=tmp_path, services="sandbox"), sandbox=sandbox_dir)
    patient = demo_dataset().patient("claire")
    # signed with the profile's signing certificate: the sandbox INSi refuses an unsigned
    # assertion, as the INSi does
    professional = insi_professional(DOCTOR, profile.signature)
    client, transport = build_insi_client(profile, professional)
    with transport:
        answer = client.search_traits(
            TraitsQuery(
                patient.birth_family_name,
                tuple(patient.birth_given_names.split()),
                patient.sex,
                patient.birth_date,
                patient.birthplace_cog,
            )
        )
    profile.close()
    assert answer.code is ResultCode.FOUND
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == patient.nir
