"""The realm's memory: single-use codes, sessions, transactions, with a pinned clock."""

from __future__ import annotations

import pytest

from esante.sandbox.psc.store import (
    AuthorizationCode,
    IssuedToken,
    Lifetimes,
    PscStore,
    PscUser,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> PscStore:
    return PscStore(clock, Lifetimes())


def code_for(store: PscStore, user: PscUser, value: str = "code-1") -> AuthorizationCode:
    code = AuthorizationCode(
        code=value,
        client_id="esante",
        redirect_uri="http://127.0.0.1/cb",
        scope="openid scope_all",
        nonce="n",
        code_challenge="c" * 43,
        code_challenge_method="S256",
        acr="eidas1",
        user=user,
        expires_at=store.clock() + store.lifetimes.code,
    )
    store.save_code(code)
    return code


def test_a_code_is_taken_once_and_a_replay_ends_its_session(store: PscStore) -> None:
    user = store.open_session("810000000001", "sub-1", "esante")
    code = code_for(store, user)
    session = store.session(user.session_id)
    assert session is not None
    token = IssuedToken(
        "access_token", "jti-1", "esante", session, "openid", 0, 2**40, clock=store.clock
    )
    store.record(token)
    assert store.take_code(code.code, "autre-client") is None  # not consumed
    assert store.take_code(code.code, "esante") == code
    assert token.is_active()
    assert store.take_code(code.code, "esante") is None
    assert store.session(user.session_id) is None
    assert not token.is_active()


def test_an_expired_code_is_refused(store: PscStore, clock: Clock) -> None:
    user = store.open_session("810000000001", "sub-1", "esante")
    code = code_for(store, user)
    clock.now += store.lifetimes.code
    assert store.take_code(code.code, "esante") is None


def test_transactions_expire_and_end_after_three_wrong_codes(store: PscStore, clock: Clock) -> None:
    first = store.begin((("client_id", "esante"),), "esante", "http://127.0.0.1/cb")
    assert store.choose(first.id, "810000000001") is first
    assert [store.fail(first.id) for _ in range(3)] == [2, 1, 0]
    assert store.transaction(first.id) is None
    second = store.begin((), "esante", "http://127.0.0.1/cb")
    clock.now += store.lifetimes.transaction
    assert store.transaction(second.id) is None
    assert store.choose(second.id, "810000000001") is None


def test_sessions_end_at_their_maximum_life(store: PscStore, clock: Clock) -> None:
    user = store.open_session("810000000001", "sub-1", "esante")
    clock.now += store.lifetimes.session - 1
    assert store.session(user.session_id) is not None
    clock.now += 1
    assert store.session(user.session_id) is None
    assert not store.end_session("unknown")
