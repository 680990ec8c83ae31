"""The realm's files: signing key and e-CPS seeds, made once, kept 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pyotp
import pytest

from esante.demo import demo_dataset
from esante.sandbox.psc import EcpsApp, PscError, PscState
from esante.sandbox.psc.keys import SigningKey

T0 = 1_800_000_000.0


def test_signing_key_is_made_once_private_and_published_without_its_secret(
    tmp_path: Path,
) -> None:
    path = tmp_path / "signing-key.pem"
    first = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SigningKey.load_or_create(path)
    assert again.kid == first.kid
    (published,) = first.jwks()["keys"]
    assert published["kid"] == first.kid
    assert published["alg"] == "RS256"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published)
    token = first.sign({"sub": "x"})
    assert again.verified_claims(token) == {"sub": "x"}
    other = SigningKey.load_or_create(tmp_path / "other.pem")
    assert other.verified_claims(token) is None
    head, body, signature = token.split(".")
    assert first.verified_claims(f"{head}.{body}.{signature[::-1]}") is None


def test_a_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    path.write_text("not a key")
    with pytest.raises(PscError, match="illisible"):
        SigningKey.load_or_create(path)


def test_ecps_seeds_are_kept_and_codes_follow_totp(tmp_path: Path) -> None:
    path = tmp_path / "e-cps.json"
    app = EcpsApp.load_or_create(path, ["810000000001"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed = app.seed("810000000001")
    assert seed is not None
    reloaded = EcpsApp.load_or_create(path, ["810000000001", "810000000002"])
    assert reloaded.seed("810000000001") == seed
    assert reloaded.seed("810000000002") is not None
    code = pyotp.TOTP(seed).at(int(T0))
    assert app.code("810000000001", T0) == code
    assert app.verify("810000000001", code, T0)
    assert app.verify("810000000001", code, T0 + 30)  # one step of drift
    assert not app.verify("810000000001", code, T0 + 90)
    assert not app.verify("810000000002", code, T0)
    assert not app.verify("810000000001", "12345", T0)


def test_state_makes_the_esante_client_once(tmp_path: Path) -> None:
    state = PscState.prepare(tmp_path, dataset=demo_dataset())
    client = state.esante_client()
    assert client is not None
    assert client.check_redirect_uri("http://127.0.0.1:49152/auth/psc/callback")
    again = PscState.prepare(tmp_path)
    assert again.esante_client() == client
    assert again.key.kid == state.key.kid
    for name in ("clients.json", "signing-key.pem", "e-cps.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
