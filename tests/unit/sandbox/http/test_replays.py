"""The replay guard: an id is refused while valid, forgotten after, and memory is bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from esante.sandbox.dmp.soap.replays import ReplayGuard

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_an_id_is_refused_until_its_validity_ends_then_forgotten() -> None:
    guard = ReplayGuard()
    assert guard.first_use("_a", until=T0 + HOUR, now=T0)
    assert not guard.first_use("_a", until=T0 + HOUR, now=T0 + timedelta(minutes=59))
    assert guard.first_use("_b", until=T0 + 2 * HOUR, now=T0 + HOUR)  # "_a" expired here
    assert len(guard) == 1
    assert guard.first_use("_a", until=T0 + 2 * HOUR, now=T0 + HOUR)


def test_a_full_guard_forgets_the_id_expiring_first() -> None:
    guard = ReplayGuard(max_remembered=3)
    for minutes, assertion_id in [(30, "_late"), (10, "_soon"), (20, "_mid")]:
        assert guard.first_use(assertion_id, until=T0 + timedelta(minutes=minutes), now=T0)
    assert guard.first_use("_new", until=T0 + HOUR, now=T0)
    assert len(guard) == 3
    assert guard.first_use("_soon", until=T0 + HOUR, now=T0)  # the one forgotten
    assert not guard.first_use("_late", until=T0 + HOUR, now=T0)
    assert not guard.first_use("_new", until=T0 + HOUR, now=T0)
