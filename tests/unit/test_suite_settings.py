"""The suite's own rules: CI fails on missing prerequisites; Hypothesis is load-proof.

A kit-based conformance test that skips in CI would let a broken checkout pass green;
a Hypothesis deadline would turn a loaded machine into a failure.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.conftest import shared_path


def test_missing_reference_material_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="reference material absent"):
        shared_path("cisis-kit", "no-such-file.xml")


def test_missing_reference_material_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    def look_up() -> None:
        try:
            shared_path("cisis-kit", "no-such-file.xml")
        except pytest.skip.Exception as skipped:  # what a CI run must never do
            raise AssertionError(f"skipped in CI: {skipped}") from None

    with pytest.raises(pytest.fail.Exception, match="reference material absent"):
        look_up()


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "esante") != "esante",
    reason="another Hypothesis profile was asked for",
)
def test_hypothesis_profile_has_no_deadline_and_replays_the_same_examples() -> None:
    current = settings.default
    assert current is not None
    assert current.deadline is None
    assert current.derandomize
    assert current.print_blob
    assert HealthCheck.too_slow in current.suppress_health_check
