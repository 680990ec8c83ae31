"""What ``make run`` (``esante demo``) prints to sign in, and that it works (issue 12).

The demo runs as a real process on a temporary ``ESANTE_HOME``; its announcement must
give the sign-in URL, the sandbox Pro Santé Connect professionals with where their
one-time codes are shown, and a secretary's local account whose printed password and
TOTP secret open a session through the real sign-in form over HTTP. The credentials are
drawn at each start: after a restart the new ones work and the old password no longer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest

from esante.demo import demo_dataset
from tests.integration.test_serve import URL, Running, _start


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for running in processes:
        running.stop()


@dataclass(frozen=True)
class Printed:
    """What a demo start printed about signing in."""

    sign_in_url: str
    ecps_url: str
    login: str
    password: str
    totp_secret: str
    lines: list[str]


def _value(lines: list[str], label: str) -> str:
    found = [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith(label)]
    assert len(found) == 1, (label, lines)
    return found[0]


def start_demo(home: Path, started: list[Running]) -> tuple[str, Printed]:
    demo = _start("demo", "--port", "0", home=home)
    started.append(demo)
    ready = URL.search(demo.wait_for("esante démo prête"))
    assert ready is not None
    demo.wait_for("Arrêt : Ctrl+C")
    lines = demo.seen
    sign_in = _value(lines, "Connexion :")
    ecps = re.search(r"(http://127\.0\.0\.1:\d+/e-cps)\b", "\n".join(lines))
    assert ecps is not None, lines
    printed = Printed(
        sign_in_url=sign_in,
        ecps_url=ecps.group(1),
        login=_value(lines, "identifiant"),
        password=_value(lines, "mot de passe"),
        totp_secret=_value(lines, "secret TOTP"),
        lines=lines,
    )
    return ready.group(1), printed


def _sign_in(base: str, login: str, password: str, code: str) -> tuple[httpx.Client, int]:
    """A client that went through the local sign-in form; the form's answer status."""
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/auth/connexion")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post(
        "/auth/local",
        data={"login": login, "password": password, "code": code, "csrf": csrf.group(1)},
    )
    return client, answer.status_code


def test_the_demo_prints_working_accounts(tmp_path: Path, started: list[Running]) -> None:
    base, printed = start_demo(tmp_path, started)
    assert printed.sign_in_url == f"{base}/auth/connexion"
    text = "\n".join(printed.lines)
    for professional in demo_dataset().practitioners:
        assert professional.id_nat_ps in text
        assert professional.display_name in text
    assert printed.password not in text.replace(f"mot de passe   : {printed.password}", "")
    current = _value(printed.lines, "code actuel").split()[0]
    assert re.fullmatch(r"\d{6}", current)
    assert f"secret={printed.totp_secret}" in _value(printed.lines, "application")

    # the e-CPS page of the sandbox realm answers, and sign-in with PSC goes to that realm
    assert httpx.get(printed.ecps_url, timeout=10).status_code == 200
    psc_base = printed.ecps_url.removesuffix("/e-cps")
    to_psc = httpx.get(f"{base}/auth/psc", timeout=10)
    assert to_psc.status_code == 303
    assert to_psc.headers["location"].startswith(f"{psc_base}/")

    # the secretary signs in with the printed password and the TOTP code of the secret
    code = pyotp.TOTP(printed.totp_secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused, status = _sign_in(base, printed.login, printed.password, wrong)
    refused.close()
    assert status == 401
    client, status = _sign_in(base, printed.login, printed.password, code)
    try:
        assert status == 303
        home = client.get("/", follow_redirects=True)  # the console's patient search
        assert home.status_code == 200
        assert "Secrétariat" in home.text
        assert client.get("/api/patients").status_code == 200
    finally:
        client.close()
    assert started.pop().stop() == 0

    # a restart draws new credentials: the new ones work, the old password no longer
    base, again = start_demo(tmp_path, started)
    assert again.login == printed.login
    assert again.password != printed.password
    assert again.totp_secret != printed.totp_secret
    fresh = pyotp.TOTP(again.totp_secret).now()
    old, status = _sign_in(base, printed.login, printed.password, fresh)
    old.close()
    assert status == 401
    new, status = _sign_in(base, again.login, again.password, fresh)
    new.close()
    assert status == 303
