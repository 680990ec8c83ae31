"""services.insi: the INSi client of the settings for one professional, built at first use."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.config import Settings
from esante.demo import demo_dataset
from esante.errors import ConfigError
from esante.identity.insi import ResultCode, TraitsQuery
from esante.services import InsiConnection, insi_configured
from tests.unit.services.conftest import StructureFiles

DOCTOR = "8" + demo_dataset().practitioner("generaliste").rpps
CLAIRE_BORN = demo_dataset().patient("claire").birth_date


def _settings(env: dict[str, str], **more: object) -> Settings:
    values: dict[str, object] = {k.removeprefix("ESANTE_").lower(): v for k, v in env.items()}
    return Settings(**(values | more))  # type: ignore[arg-type]


def test_insi_is_configured_by_a_sandbox_or_a_preset(
    sandbox_dir: Path, structure_files: StructureFiles, tmp_path: Path
) -> None:
    assert not insi_configured(Settings(home=tmp_path, services="sandbox"))
    assert insi_configured(Settings(home=tmp_path, services="sandbox", sandbox=sandbox_dir))
    assert insi_configured(_settings(structure_files.env))


def test_nothing_is_loaded_before_the_first_call(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, services="test")  # no certificate configured
    with InsiConnection(settings, DOCTOR) as insi:
        assert insi.preset is None
        with pytest.raises(ConfigError) as missing:
            insi.search_traits(TraitsQuery("NOEL", ("CLAIRE",), "F", CLAIRE_BORN))
    assert missing.value.field == "ESANTE_CA_BUNDLE"


def test_the_sandbox_answers_for_the_professional(sandbox_dir: Path, tmp_path: Path) -> None:
    claire = demo_dataset().patient("claire")
    settings = Settings(home=tmp_path, services="sandbox", sandbox=sandbox_dir)
    with InsiConnection(settings, DOCTOR) as insi:
        answer = insi.search_traits(
            TraitsQuery(
                claire.birth_family_name, (claire.first_given_name,), "F", claire.birth_date
            )
        )
        assert insi.preset == "sandbox"
    assert insi.preset is None  # closed: the next call would resolve again
    assert answer.code is ResultCode.FOUND
    assert answer.resultat.individual is not None
    assert answer.resultat.individual.ins.matricule == claire.nir


def test_closing_removes_the_pem_copy_of_the_pkcs12(
    structure_files: StructureFiles, tmp_path: Path
) -> None:
    settings = _settings(structure_files.env)
    insi = InsiConnection(settings, DOCTOR)
    insi.client  # noqa: B018 - resolve the profile, open the transport
    assert insi.profile is not None
    scratch = insi.profile.authentication.key_file
    assert scratch.exists()
    insi.close()
    assert not scratch.exists()
