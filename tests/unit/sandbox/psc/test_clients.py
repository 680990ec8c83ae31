"""Client registration and redirect URI checks."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from esante.sandbox.psc import ClientRegistry, PscClientError
from esante.sandbox.psc.clients import redirect_uri_matches

CALLBACK = "http://127.0.0.1:8000/auth/psc/callback"


@pytest.mark.parametrize(
    ("given", "matches"),
    [
        (CALLBACK, True),
        ("http://127.0.0.1:54321/auth/psc/callback", True),  # RFC 8252: any loopback port
        ("http://127.0.0.1:54321/auth/psc/callback/", False),
        ("http://127.0.0.1:54321/auth/psc/callback?next=/", False),
        ("http://127.0.0.1:54321/auth/psc/callback#x", False),
        ("http://localhost:8000/auth/psc/callback", False),
        ("https://127.0.0.1:8000/auth/psc/callback", False),
        ("http://evil@127.0.0.1:8000/auth/psc/callback", False),
        ("http://127.0.0.2:8000/auth/psc/callback", False),
    ],
)
def test_loopback_redirect_uris_match_on_any_port_only(given: str, matches: bool) -> None:
    assert redirect_uri_matches(CALLBACK, given) is matches


def test_https_redirect_uris_match_exactly() -> None:
    registered = "https://lgc.example.fr/oidc/callback"
    assert redirect_uri_matches(registered, registered)
    assert not redirect_uri_matches(registered, "https://lgc.example.fr:8443/oidc/callback")


def test_registry_is_private_and_reread_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    running = ClientRegistry(path)
    assert running.get("lgc") is None
    admin = ClientRegistry(path)  # e.g. the admin CLI, while the sandbox runs
    made = admin.register("lgc", ["https://lgc.example.fr/cb"], name="Mon LGC")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert running.get("lgc") == made
    assert made.check_client_secret(made.client_secret)
    assert not made.check_client_secret(made.client_secret + "x")
    assert len(made.client_secret) >= 40


def test_refused_registrations(tmp_path: Path) -> None:
    registry = ClientRegistry(tmp_path / "clients.json")
    registry.register("lgc", ["https://lgc.example.fr/cb"])
    with pytest.raises(PscClientError, match="déjà enregistré"):
        registry.register("lgc", ["https://lgc.example.fr/cb"])
    for bad in ("http://lgc.example.fr/cb", "/cb", "https://lgc.example.fr/cb#f"):
        with pytest.raises(PscClientError, match="redirection refusée"):
            registry.register("other", [bad])
    with pytest.raises(PscClientError, match="Identifiant de client"):
        registry.register("a b", ["https://lgc.example.fr/cb"])
    with pytest.raises(PscClientError):
        registry.register("none", [])


def test_redirect_uris_can_be_replaced_keeping_the_secret(tmp_path: Path) -> None:
    registry = ClientRegistry(tmp_path / "clients.json")
    made = registry.register("lgc", ["https://lgc.example.fr/cb"])
    updated = registry.set_redirect_uris(
        "lgc", ["https://lgc.example.fr/new"], ["https://lgc.example.fr/"]
    )
    assert updated.client_secret == made.client_secret
    assert updated.check_redirect_uri("https://lgc.example.fr/new")
    assert not updated.check_redirect_uri("https://lgc.example.fr/cb")
    assert updated.check_post_logout_redirect_uri("https://lgc.example.fr/")
