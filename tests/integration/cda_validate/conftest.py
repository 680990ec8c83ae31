"""Fixtures of the kit-verdict comparison: the real kit, esante's validator, the reference.

``kit_validator`` is the same session validator as in ``tests/unit/cda/validate`` (same
cache directory, :func:`esante.cda.validate.shared_validator`), so a full test run compiles
the kit's profiles once for esante. ``kit_reference`` compiles them again, separately,
the plain way (:mod:`.kit_reference`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.cda.validate import Validator, shared_validator
from tests.conftest import shared_path
from tests.integration.cda_validate.kit_reference import KitReference


@pytest.fixture(scope="session")
def cisis_kit() -> Path:
    return shared_path("cisis-kit")


@pytest.fixture(scope="session")
def kit_validator(cisis_kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Validator:
    cache = tmp_path_factory.getbasetemp() / "schematron-cache"
    return shared_validator(cisis_kit, cache_dir=cache)


@pytest.fixture(scope="session")
def kit_reference(cisis_kit: Path) -> KitReference:
    return KitReference(cisis_kit)
