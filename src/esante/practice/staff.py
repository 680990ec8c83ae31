"""Local accounts for staff without an RPPS (secretaries…): password + TOTP second factor.

Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher`` defaults, RFC 9106's
memory-hard function); the second factor is an RFC 6238 TOTP (pyotp, 30 s steps, one step
of drift accepted) whose last accepted step is kept, so a code is not accepted twice.
An account is disabled, never deleted, and its ``user_id`` — the internal user identifier
of EX_0.1-1025, unique, permanent, never reused — is a random UUID.

A wrong password or code answers the same :class:`AuthenticationError` (no hint of which
was wrong); after :data:`MAX_FAILED_ATTEMPTS` failures in a row the account is locked
until an administrator resets it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.actors import STAFF_ROLES, Actor, AuthenticationError
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, NotFoundError, Structure, utcnow
from esante.store.models import StaffAccount

MAX_FAILED_ATTEMPTS = 5
MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()
_REFUSED = "Identifiant, mot de passe ou code à usage unique incorrect."


@dataclass(frozen=True)
class NewStaffAccount:
    """A created account and its TOTP secret, shown once to be enrolled in an app."""

    account: StaffAccount
    totp_secret: str

    @property
    def provisioning_uri(self) -> str:
        """The ``otpauth://`` URI an authenticator app reads (as a QR code)."""
        return pyotp.TOTP(self.totp_secret).provisioning_uri(
            name=self.account.login, issuer_name="esante"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PracticeValidationError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.",
            detail="password too short",
            field="password",
        )


def create_staff_account(
    session: Session,
    *,
    login: str,
    password: str,
    display_name: str,
    role: str,
    structure_id: int,
    practitioner_id: int | None = None,
) -> NewStaffAccount:
    """Create a local account (not committed); raises on a taken login or a weak password."""
    if role not in STAFF_ROLES:
        raise PracticeValidationError(
            f"Rôle inconnu pour un compte local : {role}.",
            detail=f"role must be one of {', '.join(STAFF_ROLES)}",
            field="role",
        )
    _check_password(password)
    if session.get(Structure, structure_id) is None:
        raise NotFoundError("Structure introuvable.", detail=f"structure {structure_id}")
    if session.scalar(select(StaffAccount.id).where(StaffAccount.login == login)) is not None:
        raise ConflictError(
            "Cet identifiant de connexion est déjà pris.", detail=login, field="login"
        )
    secret = pyotp.random_base32()
    account = StaffAccount(
        user_id=str(uuid.uuid4()),
        login=login,
        display_name=display_name,
        password_hash=_HASHER.hash(password),
        totp_secret=secret,
        role=role,
        structure_id=structure_id,
        practitioner_id=practitioner_id,
        failed_attempts=0,
    )
    session.add(account)
    session.flush()
    return NewStaffAccount(account, secret)


def actor_of(account: StaffAccount) -> Actor:
    """The actor a local account signs in as."""
    return Actor(
        kind="local",
        actor_id=account.user_id,
        name=account.display_name,
        role=account.role,
        structure_id=account.structure_id,
        practitioner_id=account.practitioner_id,
    )


def _refuse(session: Session, account: StaffAccount | None) -> AuthenticationError:
    if account is not None:
        account.failed_attempts += 1
        session.commit()
    return AuthenticationError(_REFUSED, detail="local sign-in refused", field="login")


def verify_staff_sign_in(
    session: Session, login: str, password: str, code: str, *, now: datetime | None = None
) -> StaffAccount:
    """The account whose password and current TOTP code these are (failures counted and
    committed); raises :class:`AuthenticationError`."""
    at = now or utcnow()
    account = session.scalar(select(StaffAccount).where(StaffAccount.login == login))
    if account is None:
        # hash anyway, so that an unknown login takes as long as a wrong password
        _HASHER.hash(password)
        raise _refuse(session, None)
    if account.disabled_at is not None or account.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise _refuse(session, account)
    try:
        _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise _refuse(session, account) from None
    totp = pyotp.TOTP(account.totp_secret)
    counter = totp.timecode(at)
    accepted = next(
        (
            step
            for step in (counter, counter - 1)
            if (account.totp_last_counter is None or step > account.totp_last_counter)
            and pyotp.utils.strings_equal(totp.generate_otp(step), code.strip())
        ),
        None,
    )
    if accepted is None:
        raise _refuse(session, account)
    account.totp_last_counter = accepted
    account.failed_attempts = 0
    account.last_sign_in_at = at
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    session.commit()
    return account


def reset_staff_credentials(session: Session, login: str, password: str) -> NewStaffAccount:
    """Give the account ``login`` a new password and a new TOTP secret (not committed).

    The administrator's reset: the account is unlocked (failure count cleared) and the
    codes of the old secret stop working. A disabled account stays disabled. Raises
    :class:`NotFoundError` for an unknown login, and on a weak password.
    """
    _check_password(password)
    account = session.scalar(select(StaffAccount).where(StaffAccount.login == login))
    if account is None:
        raise NotFoundError("Compte local introuvable.", detail=login, field="login")
    account.password_hash = _HASHER.hash(password)
    account.totp_secret = pyotp.random_base32()
    account.totp_last_counter = None
    account.failed_attempts = 0
    session.flush()
    return NewStaffAccount(account, account.totp_secret)
