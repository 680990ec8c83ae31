"""An ended session is refused (issue 12; SC.SSI/IE.38): once past its absolute expiry,
or idle for the longest time allowed, the browser is shown the sign-in page and the API
answers 401 — never the data.

The server runs in another process, so its clock cannot be pinned: the session's row is
aged in the database instead (its expiry, or its last activity, moved into the past by
exactly the lifetime that ends it), as the passing of time would have left it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from esante.sandbox.psc import PscServer
from esante.store import make_engine, session_factory
from esante.store.models import WebSession
from esante.web.auth.sessions import COOKIE_NAME, MAX_IDLE
from tests.browser.conftest import Esante, sign_in_with_psc


def _past_absolute_expiry(row: WebSession) -> None:
    row.expires_at = row.last_seen_at  # the absolute lifetime is over as of its last use


def _idle_too_long(row: WebSession) -> None:
    row.last_seen_at -= MAX_IDLE  # two hours without a request (never more: IE.38)
    row.created_at = min(row.created_at, row.last_seen_at)


@pytest.mark.parametrize("age", [_past_absolute_expiry, _idle_too_long], ids=["absolute", "idle"])
def test_an_ended_session_gets_the_sign_in_page_and_no_data(
    psc: PscServer, esante: Esante, browser: Browser, age: Callable[[WebSession], None]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in_with_psc(page, esante.base, psc, "generaliste")
    (cookie,) = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    live = page.request.get(f"{esante.base}/api/patients")
    assert live.status == 200  # the session opens the data while it lives
    assert live.json()

    engine = make_engine(esante.database_url)
    try:
        with session_factory(engine)() as db:
            digest = hashlib.sha256(cookie["value"].encode("ascii")).hexdigest()
            row = db.scalar(select(WebSession).where(WebSession.token_hash == digest))
            assert row is not None
            age(row)
            db.commit()
    finally:
        engine.dispose()

    page.goto(f"{esante.base}/")
    page.locator("#psc").wait_for()  # the sign-in page
    assert page.url.endswith("/auth/connexion")
    assert page.locator("#acteur").count() == 0
    refused = page.request.get(f"{esante.base}/api/patients")
    assert refused.status == 401
    assert set(refused.json()) >= {"message", "detail"}  # an error, not the list
    context.close()
