"""An in-process HTTP client on the app, for each backend (``db_url`` of tests/conftest.py).

httpx talks to the ASGI app directly (``httpx.ASGITransport``), inside the app's lifespan.
Starlette's TestClient is not used: with plain httpx installed it emits a deprecation
warning (it wants ``httpx2``), which the suite's ``-W error`` turns into a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from esante.config import Settings
from esante.web import create_app


class AppClient:
    """A synchronous facade over ``httpx.AsyncClient`` + ``ASGITransport`` for one app."""

    def __init__(self, app: FastAPI, *, raise_app_exceptions: bool = True) -> None:
        self._loop = asyncio.new_event_loop()
        self._lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
        self._loop.run_until_complete(self._lifespan.__aenter__())
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions),
            base_url="http://esante.test",
        )

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


def open_client(settings: Settings) -> AppClient:
    return AppClient(create_app(settings))


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    app_client = open_client(Settings(home=tmp_path, database_url=db_url))
    yield app_client
    app_client.close()
