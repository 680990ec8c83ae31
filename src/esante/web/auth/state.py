"""What the app keeps for authentication (``app.state.auth``), built from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from joserfc.jwk import OctKey

from esante.config import Settings
from esante.web.auth.psc import PscRelyingParty, PscSettings
from esante.web.auth.sessions import Timeouts


@dataclass
class AuthState:
    """The PSC relying party (None when sign-in with PSC is not configured), the session
    timeouts, the key of the sign-in cookies and whether cookies are ``Secure``."""

    psc: PscRelyingParty | None
    timeouts: Timeouts
    cookie_key: OctKey
    secure_cookies: bool
    public_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthState:
        public = settings.effective_public_url
        psc = None
        if settings.psc_configured:
            assert settings.psc_discovery_url is not None
            assert settings.psc_client_secret is not None
            psc = PscRelyingParty(
                PscSettings(
                    discovery_url=settings.psc_discovery_url,
                    client_id=settings.psc_client_id,
                    client_secret=settings.psc_client_secret.get_secret_value(),
                    redirect_uri=f"{public}/auth/psc/callback",
                    post_logout_redirect_uri=f"{public}/",
                    ca_file=str(settings.psc_ca_file) if settings.psc_ca_file else None,
                )
            )
        return cls(
            psc=psc,
            timeouts=Timeouts(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_hours),
            ),
            cookie_key=OctKey.import_key(settings.session_key()),
            secure_cookies=settings.secure_transport or public.startswith("https:"),
            public_url=public,
        )
