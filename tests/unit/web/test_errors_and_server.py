"""The error table, the French rewriting of validation errors, binding the listening port."""

from __future__ import annotations

import socket
import typing
from pathlib import Path

import pytest

import esante.web
from esante.config import Settings
from esante.demo import DemoError
from esante.errors import ConfigError, EsanteError
from esante.identity import Downgrade
from esante.identity.errors import InsError, TraitsError
from esante.practice import PracticeError, PracticeValidationError
from esante.store import ConflictError, NotFoundError, StoreError
from esante.web import PortInUseError, bind, bind_first_free, bound_port, create_app
from esante.web.api.errors import field_of, french_message, status_for
from esante.web.api.schemas.patients import DowngradeEvent
from tests.unit.web.conftest import AppClient


def test_exports() -> None:
    assert esante.web.__all__ == [
        "PortInUseError",
        "WebError",
        "bind",
        "bind_first_free",
        "bound_port",
        "create_app",
        "run",
    ]


class _NewBranchError(EsanteError):
    """A branch the table does not know: falls back on its root."""


class _StricterNotFoundError(NotFoundError):
    pass


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("x"), 404),
        (_StricterNotFoundError("x"), 404),
        (DemoError("x"), 404),
        (ConflictError("x"), 409),
        (PracticeValidationError("x"), 422),
        (InsError("x"), 422),
        (TraitsError("x"), 422),
        (PracticeError("x"), 400),
        (StoreError("x"), 503),
        (ConfigError("x"), 500),
        (_NewBranchError("x"), 400),
    ],
)
def test_status_follows_the_class_hierarchy(error: EsanteError, status: int) -> None:
    assert status_for(error) == status


def test_french_messages_for_pydantic_errors() -> None:
    assert field_of(("body", "legal_representatives", 0, "city")) == "legal_representatives.0.city"
    assert field_of(("query", "limit")) == "limit"
    assert field_of(("body",)) is None
    too_long = {"type": "string_too_long", "loc": ("body", "city"), "ctx": {"max_length": 100}}
    assert french_message(too_long) == "Texte trop long pour city (100 caractères au plus)"
    assert french_message({"type": "int_parsing", "loc": ("path", "patient_id")}) == (
        "Nombre attendu pour patient_id"
    )
    assert french_message({"type": "model_attributes_type", "loc": ("body",)}) == (
        "Objet JSON attendu pour corps de la requête"
    )
    assert french_message({"type": "something_new", "loc": ("body", "x")}) == (
        "Valeur invalide pour x"
    )


def test_downgrade_events_of_the_api_are_those_of_the_identity_machine() -> None:
    assert set(typing.get_args(DowngradeEvent)) == {event.name for event in Downgrade}


def test_an_unexpected_exception_is_a_500_that_leaks_nothing(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'db'}"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("patient DUPONT Jean 1 55 08 75")

    client = AppClient(app, raise_app_exceptions=False, actor=None)  # no schema
    response = client.get("/boom")
    client.close()
    assert response.status_code == 500
    assert response.json() == {
        "message": "Erreur interne du service : l'opération n'a pas abouti.",
        "field": None,
        "detail": "RuntimeError",
        "request_id": response.headers["X-Request-ID"],
    }


def test_a_taken_port_is_a_clear_french_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        port = bound_port(taken)
        with pytest.raises(PortInUseError) as caught:
            bind("127.0.0.1", port)
        assert f"127.0.0.1:{port}" in caught.value.message
        assert caught.value.field == "--port"
        other = bind_first_free("127.0.0.1", port)
        try:
            assert bound_port(other) != port
        finally:
            other.close()
    finally:
        taken.close()


def test_bound_socket_listens() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        with socket.create_connection(("127.0.0.1", bound_port(sock)), timeout=2):
            pass
    finally:
        sock.close()


def test_the_listening_socket_names_tcp_so_responses_are_not_delayed() -> None:
    """asyncio sets TCP_NODELAY on accepted connections only when the listening socket's
    protocol is IPPROTO_TCP; with protocol 0 each kept-alive response waited ~40 ms for
    the client's delayed ACK (Nagle)."""
    from esante.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
