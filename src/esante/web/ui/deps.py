"""Who is at the console: the signed-in browser session, or a redirect to the sign-in.

Pages are for people: they accept only the session cookie (API keys and bearer tokens are
for programs, at ``/api``). Without a live session a page answers ``303`` to the sign-in
page, which brings the user back where they were after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from esante.practice.actors import Actor
from esante.practice.structures import get_structure
from esante.store.errors import NotFoundError
from esante.web.api.deps import SessionDep
from esante.web.auth.deps import auth_state, cookie_scheme
from esante.web.auth.sessions import actor_of, find_session
from esante.web.errors import WebError

__all__ = ["Console", "ConsoleDep", "SignInRequired", "install_page_handlers"]

SIGN_IN = "/auth/connexion"


class SignInRequired(WebError):  # noqa: N818 - answered by a redirect, not an error page
    """No live session: the page answers with the sign-in (its own handler, more specific
    than the esante error handler)."""

    def __init__(self, target: str) -> None:
        super().__init__(
            "Connexion requise.", detail=f"no live session for {target}", field="session"
        )
        self.target = target


@dataclass(frozen=True, slots=True)
class Console:
    """The signed-in person of a page and their session's CSRF token (for the forms)."""

    actor: Actor
    csrf: str
    structure: str | None = None


def console(
    request: Request, db: SessionDep, cookie: Annotated[str | None, Depends(cookie_scheme)]
) -> Console:
    """The console's person, or :class:`SignInRequired`."""
    row = find_session(db, cookie, auth_state(request).timeouts) if cookie else None
    if row is None:
        raise SignInRequired(request.url.path)
    db.commit()  # the session's last-seen time
    origin = (request.client.host if request.client else None) or "inconnue"
    actor = replace(actor_of(row), origin=origin)
    request.state.actor = actor
    structure = None
    if actor.structure_id is not None:
        try:
            structure = get_structure(db, actor.structure_id).name
        except NotFoundError:
            structure = None
    return Console(actor, row.csrf_token, structure)


ConsoleDep = Annotated[Console, Depends(console)]


def install_page_handlers(app: FastAPI) -> None:
    """Answer :class:`SignInRequired` with a redirect to the sign-in page."""

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        if request.headers.get("hx-request"):
            # an HTMX fragment: the whole page goes to the sign-in
            return Response(status_code=204, headers={"HX-Redirect": SIGN_IN})
        return RedirectResponse(SIGN_IN, status_code=303)

    app.add_exception_handler(SignInRequired, to_sign_in)
