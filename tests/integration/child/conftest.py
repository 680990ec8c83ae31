"""Fixtures of the child record integration tests: the unit tests' small practice and the
feeding tests' sandbox + demo practice (module-scoped sandbox, mutual TLS, real worker)."""

from __future__ import annotations

from tests.integration.feeding.conftest import practice, sandbox
from tests.unit.practice.child.conftest import schedule_vaccinations

__all__ = ["practice", "sandbox", "schedule_vaccinations"]
