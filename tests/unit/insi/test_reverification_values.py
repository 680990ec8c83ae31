"""The CLI's and the API's copies of the re-verification values stay those of the practice."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from esante.cli.ins import _SUMMARY, DEFAULT_PERIOD_DAYS
from esante.practice.reverification import DEFAULT_PERIOD, Outcome
from esante.web.api.schemas.identity import ReverificationOutcome


def test_the_cli_default_period_is_the_practice_one() -> None:
    assert timedelta(days=DEFAULT_PERIOD_DAYS) == DEFAULT_PERIOD


def test_every_outcome_is_summarised_and_published() -> None:
    values = {o.value for o in Outcome}
    assert {value for value, _ in _SUMMARY} == values
    assert set(get_args(ReverificationOutcome)) == values
