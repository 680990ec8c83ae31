"""The realm's live state: pending sign-ins, authorization codes, sessions and tokens.

Everything here lives in memory (as a Keycloak node keeps its user sessions): a sandbox
restart signs everybody out, which is what a tester expects. One lock serialises the
changes; every collection is bounded and purged of what has expired.

* a **transaction** is an authorization request waiting for the professional to be
  chosen and the e-CPS code typed (10 minutes, 3 wrong codes at most);
* an **authorization code** is single use: taking it removes it, and presenting it
  again ends the session it opened, revoking the tokens issued from it (RFC 6749
  §4.1.2, "SHOULD revoke");
* a **session** (``sid``, ``session_state``) is one sign-in of one professional for one
  client; ending it (end-session endpoint, code replay) revokes its tokens;
* **tokens**: access tokens are recorded by ``jti`` (the JWT itself is the bearer value),
  refresh tokens by their opaque value; both answer Authlib's token questions
  (``check_client``, ``is_expired``, ``is_revoked``…).

The clock is injected (epoch seconds); tests pin it.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Clock = Callable[[], float]

MAX_TRANSACTIONS = 10_000
MAX_CODES = 10_000
MAX_SESSIONS = 50_000
MAX_TOKENS = 200_000
MAX_OTP_FAILURES = 3


@dataclass(frozen=True)
class Lifetimes:
    """How long things live, in seconds (PSC-like defaults)."""

    transaction: int = 600
    code: int = 60
    access_token: int = 120
    refresh_token: int = 1800
    session: int = 36_000


@dataclass(frozen=True)
class PscUser:
    """The professional signed in by one session (what Authlib calls the user)."""

    id_nat_ps: str
    subject: str
    session_id: str
    auth_time: int

    def get_user_id(self) -> str:
        return self.subject


@dataclass
class Transaction:
    """An authorization request waiting for the professional and the e-CPS code."""

    id: str
    params: tuple[tuple[str, str], ...]
    client_id: str
    redirect_uri: str
    expires_at: float
    id_nat_ps: str | None = None
    failures: int = 0


@dataclass
class Session:
    """One sign-in of a professional for a client."""

    id: str
    user: PscUser
    client_id: str
    expires_at: float
    nonce: str | None = None
    ended: bool = False


@dataclass(frozen=True)
class AuthorizationCode:
    """An issued authorization code and what it was issued for."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    acr: str
    user: PscUser
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.user.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> None:
        return None


@dataclass
class IssuedToken:
    """An access token (keyed by ``jti``) or a refresh token (keyed by its value)."""

    kind: Literal["access_token", "refresh_token"]
    key: str
    client_id: str
    session: Session
    scope: str
    issued_at: int
    expires_at: int
    clock: Clock = field(repr=False, compare=False)
    claims: dict[str, Any] = field(default_factory=dict, repr=False)
    revoked: bool = False

    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_at - self.issued_at

    def is_expired(self) -> bool:
        return self.clock() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked or self.session.ended

    def is_active(self) -> bool:
        return not (self.is_expired() or self.is_revoked())

    def get_user(self) -> PscUser:
        return self.session.user


def new_secret(nbytes: int = 32) -> str:
    """An unguessable URL-safe value (codes, transaction and session ids, refresh tokens)."""
    return secrets.token_urlsafe(nbytes)


class PscStore:
    """The in-memory state of the realm (thread-safe)."""

    def __init__(self, clock: Clock, lifetimes: Lifetimes | None = None) -> None:
        self.clock = clock
        self.lifetimes = lifetimes or Lifetimes()
        self._lock = threading.Lock()
        self._transactions: dict[str, Transaction] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._spent_codes: dict[str, tuple[str, float]] = {}
        self._sessions: dict[str, Session] = {}
        self._access: dict[str, IssuedToken] = {}
        self._refresh: dict[str, IssuedToken] = {}
        self._next_purge = 0.0

    # --- transactions ---------------------------------------------------------------

    def begin(
        self, params: tuple[tuple[str, str], ...], client_id: str, redirect_uri: str
    ) -> Transaction:
        """Record a validated authorization request waiting for the professional."""
        with self._lock:
            self._purge()
            transaction = Transaction(
                id=new_secret(),
                params=params,
                client_id=client_id,
                redirect_uri=redirect_uri,
                expires_at=self.clock() + self.lifetimes.transaction,
            )
            _bounded_put(self._transactions, transaction.id, transaction, MAX_TRANSACTIONS)
            return transaction

    def transaction(self, transaction_id: str) -> Transaction | None:
        """The pending transaction ``transaction_id`` (None when unknown or expired)."""
        with self._lock:
            found = self._transactions.get(transaction_id)
            if found is None or found.expires_at <= self.clock():
                return None
            return found

    def choose(self, transaction_id: str, id_nat_ps: str) -> Transaction | None:
        """Record the professional chosen for the transaction (a new choice resets
        the wrong-code count)."""
        with self._lock:
            found = self._transactions.get(transaction_id)
            if found is None or found.expires_at <= self.clock():
                return None
            found.id_nat_ps, found.failures = id_nat_ps, 0
            return found

    def fail(self, transaction_id: str) -> int:
        """Count a wrong e-CPS code; the transaction ends at the third. Returns the
        number of tries left (0: the transaction is gone)."""
        with self._lock:
            found = self._transactions.get(transaction_id)
            if found is None:
                return 0
            found.failures += 1
            left = MAX_OTP_FAILURES - found.failures
            if left <= 0:
                del self._transactions[transaction_id]
            return max(left, 0)

    def finish(self, transaction_id: str) -> Transaction | None:
        """Remove and return the transaction (it is answered, one way or another)."""
        with self._lock:
            return self._transactions.pop(transaction_id, None)

    # --- sessions and codes ---------------------------------------------------------

    def open_session(self, id_nat_ps: str, subject: str, client_id: str) -> PscUser:
        """A new session for the professional, authenticated now."""
        with self._lock:
            self._purge()
            now = self.clock()
            user = PscUser(id_nat_ps, subject, new_secret(16), int(now))
            session = Session(user.session_id, user, client_id, now + self.lifetimes.session)
            _bounded_put(self._sessions, session.id, session, MAX_SESSIONS)
            return user

    def session(self, session_id: str) -> Session | None:
        """The live session ``session_id``, or None (unknown, ended or expired)."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None or found.ended or found.expires_at <= self.clock():
                return None
            return found

    def end_session(self, session_id: str) -> bool:
        """End the session and revoke its tokens; False when there was none."""
        with self._lock:
            return self._end(session_id)

    def save_code(self, code: AuthorizationCode) -> None:
        """Record an issued code (and the nonce of its session)."""
        with self._lock:
            session = self._sessions.get(code.user.session_id)
            if session is not None:
                session.nonce = code.nonce
            _bounded_put(self._codes, code.code, code, MAX_CODES)

    def take_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """The code, removed (single use); None when unknown, expired, for another
        client, or spent — a spent code ends the session it had opened."""
        with self._lock:
            now = self.clock()
            spent = self._spent_codes.get(code)
            if spent is not None:
                self._end(spent[0])
                return None
            found = self._codes.get(code)
            if found is None or found.client_id != client_id:
                return None
            del self._codes[code]
            _bounded_put(
                self._spent_codes, code, (found.user.session_id, found.expires_at), MAX_CODES
            )
            if found.expires_at <= now:
                return None
            return found

    # --- tokens ---------------------------------------------------------------------

    def record(self, token: IssuedToken) -> None:
        """Record an issued access or refresh token."""
        with self._lock:
            target = self._access if token.kind == "access_token" else self._refresh
            _bounded_put(target, token.key, token, MAX_TOKENS)

    def access_token(self, jti: str) -> IssuedToken | None:
        """The access token of ``jti`` (even expired or revoked), or None."""
        with self._lock:
            return self._access.get(jti)

    def refresh_token(self, value: str) -> IssuedToken | None:
        """The refresh token ``value`` (even expired or revoked), or None."""
        with self._lock:
            return self._refresh.get(value)

    def revoke(self, token: IssuedToken) -> None:
        """Revoke one token (a refresh token once used)."""
        with self._lock:
            token.revoked = True

    # --- internals (lock held) ------------------------------------------------------

    def _end(self, session_id: str) -> bool:
        session = self._sessions.get(session_id)
        if session is None or session.ended:
            return False
        session.ended = True
        return True

    def _purge(self) -> None:
        now = self.clock()
        if now < self._next_purge:
            return
        self._next_purge = now + 10
        for table in (self._transactions, self._codes):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
        for key in [k for k, v in self._spent_codes.items() if v[1] + 3600 <= now]:
            del self._spent_codes[key]
        for key in [k for k, v in self._sessions.items() if v.expires_at <= now]:
            del self._sessions[key]
        for tokens in (self._access, self._refresh):
            for key in [k for k, v in tokens.items() if v.expires_at <= now - 3600]:
                del tokens[key]


def _bounded_put(table: dict[str, Any], key: str, value: Any, limit: int) -> None:
    while len(table) >= limit:
        del table[next(iter(table))]
    table[key] = value
