"""An in-process HTTP client on the app, for each backend (``db_url`` of tests/conftest.py).

httpx talks to the ASGI app directly (``httpx.ASGITransport``), inside the app's lifespan.
Starlette's TestClient is not used: with plain httpx installed it emits a deprecation
warning (it wants ``httpx2``), which the suite's ``-W error`` turns into a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from esante.config import Settings
from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.store import Structure
from esante.web import create_app
from esante.web.auth import COOKIE_NAME
from esante.web.auth.sessions import open_session

TEST_ACTOR = Actor(kind="psc", actor_id="810000000042", name="Paul TESTEUR", role=ROLE_MEDECIN)
"""Who the test client is signed in as, unless told otherwise (a médecin of the test
structure, :func:`test_structure`, without a practitioner row)."""

TEST_STRUCTURE = "1TESTSTRUCT"
"""idNat_Struct of the structure the test actor acts for."""


def ensure_test_structure(app: FastAPI) -> int:
    """The id of the test structure (created once per database): an actor acts for a
    structure (practice.access)."""
    with app.state.session_factory() as db:
        found = db.scalar(select(Structure).where(Structure.id_nat_struct == TEST_STRUCTURE))
        if found is None:
            found = Structure(name="Cabinet des tests", id_nat_struct=TEST_STRUCTURE)
            db.add(found)
            db.commit()
        return int(found.id)


class AppClient:
    """A synchronous facade over ``httpx.AsyncClient`` + ``ASGITransport`` for one app,
    signed in as ``actor`` (a server-side session opened in the app's database and its
    cookie) unless ``actor`` is None."""

    def __init__(
        self,
        app: FastAPI,
        *,
        raise_app_exceptions: bool = True,
        actor: Actor | None = TEST_ACTOR,
    ) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
        self._loop.run_until_complete(self._lifespan.__aenter__())
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions),
            base_url="http://localhost",
        )
        self.session_token: str | None = None
        if actor is not None:
            self.sign_in(app, actor)

    def sign_in(self, app: FastAPI, actor: Actor) -> str:
        """Open a session for ``actor`` and send its cookie from now on; the token.

        An actor without a structure is placed in the test structure."""
        if actor.structure_id is None:
            actor = replace(actor, structure_id=ensure_test_structure(app))
        with app.state.session_factory() as db:
            token, row = open_session(db, actor, app.state.auth.timeouts)
            self._client.headers["X-CSRF-Token"] = row.csrf_token
        self._client.cookies.set(COOKIE_NAME, token)
        self.session_token = token
        return token

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self._loop.close()


def open_client(settings: Settings, *, actor: Actor | None = TEST_ACTOR) -> AppClient:
    return AppClient(create_app(settings), actor=actor)


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    app_client = open_client(Settings(home=tmp_path, database_url=db_url))
    yield app_client
    app_client.close()
