"""Dependencies of the API routes, as ``Annotated`` aliases (``SessionDep``, ``SettingsDep``).

The engine and session factory are built by :func:`esante.web.create_app` and kept on
``app.state``; a request gets one session, closed (and rolled back if not committed)
when the request ends. Routes commit explicitly after a successful change, so a failed
commit is reported to the client instead of after the response.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from esante.config import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    """The app's database engine."""
    engine: Engine = request.app.state.engine
    return engine


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
