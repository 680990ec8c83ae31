"""Test PKIs generated once per session: ours, another CA's, and one whose certificates expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from esante.trust import Pki, generate_test_pki


def _yesterday() -> datetime:
    """Certificates valid from yesterday: the tests' ``NOW`` is taken when their module is
    imported, possibly minutes before a session fixture makes the PKI on a loaded machine."""
    return datetime.now(UTC) - timedelta(days=1)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("pki") / "ours", now=_yesterday())


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A PKI with another CA (same structure): its certificates must not be trusted by ours."""
    return generate_test_pki(tmp_path_factory.mktemp("pki") / "other", now=_yesterday())


@pytest.fixture(scope="session")
def expired_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Generated four years ago: the CA (10 years) is valid, the leaves (3 years) expired."""
    past = datetime.now(UTC) - timedelta(days=4 * 365)
    return generate_test_pki(tmp_path_factory.mktemp("pki") / "expired", now=past)
