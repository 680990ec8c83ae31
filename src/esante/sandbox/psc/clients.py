"""The realm's clients: who may ask Pro Santé Connect to sign a professional in.

A PSC client is registered by ANS (on the "Portail industriels") with a ``client_id``,
a ``client_secret`` and the exact redirect and post-logout redirect URIs; it
authenticates at the token and introspection endpoints with its secret
(``client_secret_basic`` or ``client_secret_post``). The sandbox keeps its clients in
``DIR/psc/clients.json`` (mode 0600, secrets in clear: the admin CLI and
``sandbox.json`` hand them out), makes one for esante at first start, and re-reads the
file when it changes, so a client registered while the sandbox runs is known at once.

Redirect URIs are compared as strings, except that a registered ``http`` URI on a
loopback address matches any port of that address (RFC 8252 §7.3): esante and the tests
listen on ports chosen at run time. Off loopback only ``https`` URIs are accepted.
:class:`PscClient` has the methods Authlib's authorization server asks of a client.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from esante.sandbox.psc._files import read_json, write_json
from esante.sandbox.psc.errors import PscClientError, PscError
from esante.sandbox.psc.realm import CLIENT_AUTH_METHODS, SCOPES_SUPPORTED

FORMAT = "esante-psc-clients/1"
MAX_URIS = 20
MAX_URI_CHARS = 2_000
_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def redirect_uri_matches(registered: str, given: str) -> bool:
    """Whether ``given`` is the registered URI (any port when it is http on loopback)."""
    if hmac.compare_digest(registered.encode(), given.encode()):
        return True
    wanted, asked = urlsplit(registered), urlsplit(given)
    return (
        wanted.scheme == asked.scheme == "http"
        and _is_loopback(wanted.hostname)
        and wanted.hostname == asked.hostname
        and _port(asked) is not None
        and wanted.path == asked.path
        and wanted.query == asked.query
        and not asked.fragment
        and asked.username is None
    )


def check_uri(uri: str, field: str) -> str:
    """``uri`` if it can be registered: absolute, no fragment, https unless on loopback."""
    parts = urlsplit(uri)
    secure = parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))
    if (
        len(uri) > MAX_URI_CHARS
        or not parts.hostname
        or parts.fragment
        or parts.username is not None
        or not secure
    ):
        raise PscClientError(
            "Adresse de redirection refusée : une adresse absolue en https "
            "(ou en http sur la boucle locale), sans fragment, est attendue.",
            detail=f"unacceptable redirect URI {uri!r}",
            field=field,
        )
    return uri


@dataclass(frozen=True)
class PscClient:
    """A registered client (confidential: it authenticates with its secret)."""

    client_id: str
    client_secret: str
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()

    # --- what Authlib's authorization server asks of a client -----------------------

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect: the request must name its redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return None
        kept = [s for s in dict.fromkeys(scope.split()) if s in SCOPES_SUPPORTED]
        return " ".join(kept) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(redirect_uri_matches(r, redirect_uri) for r in self.redirect_uris)

    def check_post_logout_redirect_uri(self, uri: str) -> bool:
        return any(redirect_uri_matches(r, uri) for r in self.post_logout_redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
        }


class ClientRegistry:
    """The clients of ``path`` (JSON, 0600), re-read whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._clients: dict[str, PscClient] = {}
        self._stamp: int | None = None

    def get(self, client_id: str) -> PscClient | None:
        """The client ``client_id``, or None."""
        with self._lock:
            self._refresh()
            return self._clients.get(client_id)

    def all(self) -> tuple[PscClient, ...]:
        """Every client, in registration order."""
        with self._lock:
            self._refresh()
            return tuple(self._clients.values())

    def register(
        self,
        client_id: str,
        redirect_uris: Sequence[str],
        *,
        post_logout_redirect_uris: Sequence[str] = (),
        name: str | None = None,
        client_secret: str | None = None,
    ) -> PscClient:
        """Register a new client (its secret made unless given); raises
        :class:`PscClientError` if the identifier is taken or invalid, or a URI refused."""
        if not _CLIENT_ID.fullmatch(client_id):
            raise PscClientError(
                "Identifiant de client refusé : lettres, chiffres, « . », « _ » ou « - », "
                "64 caractères au plus.",
                detail=f"invalid client_id {client_id!r}",
                field="client_id",
            )
        client = PscClient(
            client_id=client_id,
            client_secret=client_secret or secrets.token_urlsafe(32),
            name=(name or client_id).strip()[:200] or client_id,
            redirect_uris=_uris(redirect_uris, "redirect_uris", required=True),
            post_logout_redirect_uris=_uris(
                post_logout_redirect_uris, "post_logout_redirect_uris", required=False
            ),
        )
        with self._lock:
            self._refresh()
            if client_id in self._clients:
                raise PscClientError(
                    f"Le client « {client_id} » est déjà enregistré.",
                    detail=f"client_id {client_id!r} taken",
                    field="client_id",
                )
            self._clients[client_id] = client
            self._save()
        return client

    def set_redirect_uris(
        self,
        client_id: str,
        redirect_uris: Sequence[str],
        post_logout_redirect_uris: Sequence[str] = (),
    ) -> PscClient:
        """Replace the redirect URIs of ``client_id`` (its secret is kept)."""
        with self._lock:
            self._refresh()
            current = self._clients.get(client_id)
            if current is None:
                raise PscClientError(
                    f"Client inconnu : « {client_id} ».",
                    detail=f"no client {client_id!r}",
                    field="client_id",
                )
            updated = replace(
                current,
                redirect_uris=_uris(redirect_uris, "redirect_uris", required=True),
                post_logout_redirect_uris=_uris(
                    post_logout_redirect_uris, "post_logout_redirect_uris", required=False
                ),
            )
            self._clients[client_id] = updated
            self._save()
        return updated

    def _refresh(self) -> None:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self._clients, self._stamp = {}, None
            return
        if stamp == self._stamp:
            return
        self._clients = _parse(read_json(self.path), self.path)
        self._stamp = stamp

    def _save(self) -> None:
        write_json(
            self.path,
            {"format": FORMAT, "clients": [c.as_json() for c in self._clients.values()]},
        )
        self._stamp = self.path.stat().st_mtime_ns


def _uris(values: Iterable[str], field: str, *, required: bool) -> tuple[str, ...]:
    uris = tuple(dict.fromkeys(check_uri(v.strip(), field) for v in values))
    if (required and not uris) or len(uris) > MAX_URIS:
        raise PscClientError(
            f"Entre 1 et {MAX_URIS} adresses de redirection sont attendues."
            if required
            else f"{MAX_URIS} adresses de retour après déconnexion au plus.",
            detail=f"{len(uris)} URIs in {field}",
            field=field,
        )
    return uris


def _parse(document: Any, path: Path) -> dict[str, PscClient]:
    try:
        if document["format"] != FORMAT:
            raise KeyError("format")
        clients = {}
        for item in document["clients"]:
            client = PscClient(
                client_id=str(item["client_id"]),
                client_secret=str(item["client_secret"]),
                name=str(item.get("name") or item["client_id"]),
                redirect_uris=tuple(str(u) for u in item["redirect_uris"]),
                post_logout_redirect_uris=tuple(
                    str(u) for u in item.get("post_logout_redirect_uris", [])
                ),
            )
            clients[client.client_id] = client
        return clients
    except (KeyError, TypeError, AttributeError) as exc:
        raise PscError(
            "Liste des clients Pro Santé Connect du bac à sable illisible.",
            detail=f"{path}: missing or invalid entry {exc}",
            field=str(path),
        ) from exc
