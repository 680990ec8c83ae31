"""An administrator's reset of a local account (what ``esante demo`` does at each start):
new password and TOTP secret, the old ones refused, a locked account unlocked."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy.orm import Session

from esante.practice.actors import AuthenticationError
from esante.practice.errors import PracticeValidationError
from esante.practice.staff import (
    MAX_FAILED_ATTEMPTS,
    create_staff_account,
    reset_staff_credentials,
    verify_staff_sign_in,
)
from esante.store import NotFoundError, Structure

OLD = "l'ancien mot de passe"
NEW = "le nouveau mot de passe"


def _account(session: Session) -> str:
    structure = Structure(name="Cabinet du Parc", finess="750000001", id_nat_struct="1750000001")
    session.add(structure)
    session.flush()
    made = create_staff_account(
        session,
        login="accueil",
        password=OLD,
        display_name="Sophie ACCUEIL",
        role="secretaire",
        structure_id=structure.id,
    )
    session.commit()
    return made.totp_secret


def test_a_reset_replaces_password_and_secret_and_unlocks(session: Session) -> None:
    old_secret = _account(session)
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            verify_staff_sign_in(session, "accueil", "faux", "000000")
    with pytest.raises(AuthenticationError):  # locked, even with the right password
        verify_staff_sign_in(session, "accueil", OLD, pyotp.TOTP(old_secret).now())

    made = reset_staff_credentials(session, "accueil", NEW)
    session.commit()
    assert made.totp_secret != old_secret
    assert f"secret={made.totp_secret}" in made.provisioning_uri
    with pytest.raises(AuthenticationError):
        verify_staff_sign_in(session, "accueil", OLD, pyotp.TOTP(made.totp_secret).now())
    with pytest.raises(AuthenticationError):
        verify_staff_sign_in(session, "accueil", NEW, pyotp.TOTP(old_secret).now())
    account = verify_staff_sign_in(session, "accueil", NEW, pyotp.TOTP(made.totp_secret).now())
    assert account.login == "accueil"
    assert account.failed_attempts == 0


def test_a_reset_refuses_an_unknown_login_and_a_short_password(session: Session) -> None:
    _account(session)
    with pytest.raises(NotFoundError):
        reset_staff_credentials(session, "inconnu", NEW)
    with pytest.raises(PracticeValidationError) as refused:
        reset_staff_credentials(session, "accueil", "court")
    assert refused.value.field == "password"
