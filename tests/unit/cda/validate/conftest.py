"""Fixtures of the validation engine tests.

``cisis_kit`` is the real ANS kit (tests skip when ``../shared/cisis-kit`` is absent);
``kit_validator`` one validator on it for the whole session, with a private disk cache,
shared with the integration tests (``esante.cda.validate.shared_validator``), so the
profiles are compiled once per test process. ``synthetic_kit`` is the small kit of
:mod:`.kitfiles`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.cda.validate import Validator, shared_validator
from tests.conftest import shared_path
from tests.unit.cda.validate.kitfiles import make_synthetic_kit


@pytest.fixture(scope="session")
def cisis_kit() -> Path:
    return shared_path("cisis-kit")


@pytest.fixture(scope="session")
def kit_validator(cisis_kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Validator:
    cache = tmp_path_factory.getbasetemp() / "schematron-cache"
    return shared_validator(cisis_kit, cache_dir=cache)


@pytest.fixture
def synthetic_kit(cisis_kit: Path, tmp_path: Path) -> Path:
    return make_synthetic_kit(tmp_path / "kit", cisis_kit)


@pytest.fixture
def example(cisis_kit: Path):  # type: ignore[no-untyped-def]
    """Read an official example document of the kit: ``example("VSM_2023.01.xml")``."""

    def read(name: str) -> bytes:
        return (cisis_kit / "ExemplesCDA" / name).read_bytes()

    return read
