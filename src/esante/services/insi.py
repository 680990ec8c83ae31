"""The INSi client for one professional, from the settings: what REST and the CLI use.

The REST routes and ``esante ins`` call the INSi teleservice on behalf of a professional
(the signed-in one; the ``--ps`` one on the command line) with the endpoint and the
structure's certificate of the configured preset — the running sandbox's, or the CNAM's
(``ESANTE_SERVICES=test`` / ``production``, ``ESANTE_INSI_URL`` to override) — through
:func:`esante.services.resolve` and :func:`esante.services.build_insi_client`, so that
the same code talks to the sandbox and to the real service. The professional's SAML
assertion is signed with the profile's signing credential (:func:`insi_professional`).

:class:`InsiConnection` resolves the profile and opens the transport only at its first
call: a route that may or may not need INSi (identity evidence with only a document)
loads no certificate for nothing. It is the
:class:`~esante.practice.identity.InsiVerifier` the practice rules take, and is closed
with the profile's temporary PEM copies (``with``).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from esante.config import Settings

if TYPE_CHECKING:
    from esante.identity import IdentityTraits
    from esante.identity.insi import TraitsQuery, Verification, VitaleQuery
    from esante.insi import InsiAnswer, InsiClient, Professional
    from esante.services.credentials import Credential
    from esante.services.profile import ServiceProfile
    from esante.transport import HttpsTransport

__all__ = ["InsiConnection", "insi_configured", "insi_professional"]


def insi_professional(id_nat_ps: str, signature: Credential) -> Professional:
    """The professional ``id_nat_ps`` (``8`` + RPPS) as the INSi client names him: the
    ``ContexteBAM`` emitter and the ``NameID`` of the SAML assertion, which is signed with
    the ``signature`` credential (the profile's signing certificate: the sandbox's, or
    the structure's on the CNAM platforms; its subject DN is the assertion's ``Issuer``).

    The single place where the assertion's signer is chosen: a professional's CPS
    signature (card middleware) would plug in here, the client only calls the source.
    Each call of the source builds and signs a new assertion
    (:func:`esante.insi.signed_assertion`).
    """
    from esante.insi import Professional, signed_assertion

    return Professional(
        id_nat_ps,
        signed_assertion(
            id_nat_ps,
            key=signature.key,
            certificate=signature.certificate,
        ),
    )


def insi_configured(settings: Settings, *, sandbox: Path | None = None) -> bool:
    """Whether the settings give an INSi at all: on the sandbox preset, a sandbox whose
    ``sandbox.json`` lists one (or ``ESANTE_INSI_URL``); on the other presets always (a
    preset without an INSi URL is a configuration error, reported at the first call)."""
    if settings.services != "sandbox":
        return True
    directory = sandbox or settings.sandbox
    if directory is None:
        return False
    if settings.insi_url:
        return True
    from esante.sandbox.runtime import read_manifest

    return read_manifest(directory).insi is not None


class InsiConnection:
    """The INSi client of ``settings`` for the professional ``id_nat_ps``, built at first use.

    Raises, at the first call, :class:`~esante.errors.ConfigError` (or the sandbox's
    error) when the settings do not resolve; then :class:`~esante.insi.InsiError` as the
    client does.
    """

    def __init__(self, settings: Settings, id_nat_ps: str, *, sandbox: Path | None = None):
        self._settings = settings
        self._sandbox = sandbox
        self.id_nat_ps = id_nat_ps
        self._profile: ServiceProfile | None = None
        self._client: InsiClient | None = None
        self._transport: HttpsTransport | None = None

    @property
    def client(self) -> InsiClient:
        """The INSi client (the profile resolved and the transport opened once)."""
        if self._client is None:
            from esante.services.assembly import build_insi_client
            from esante.services.profile import resolve

            profile = resolve(self._settings, sandbox=self._sandbox)
            try:
                client, transport = build_insi_client(
                    profile, insi_professional(self.id_nat_ps, profile.signature)
                )
            except BaseException:
                profile.close()
                raise
            self._profile, self._client, self._transport = profile, client, transport
        return self._client

    @property
    def profile(self) -> ServiceProfile | None:
        """The profile the client was built from (None before the first call, and closed)."""
        return self._profile

    @property
    def preset(self) -> str | None:
        """The preset the client was built for (None before the first call)."""
        return None if self._profile is None else self._profile.preset

    def search(self, traits: IdentityTraits) -> InsiAnswer:
        """:meth:`esante.insi.InsiClient.search`."""
        return self.client.search(traits)

    def verify(self, matricule: str, traits: IdentityTraits) -> tuple[InsiAnswer, Verification]:
        """:meth:`esante.insi.InsiClient.verify`."""
        return self.client.verify(matricule, traits)

    def search_traits(self, query: TraitsQuery) -> InsiAnswer:
        """:meth:`esante.insi.InsiClient.search_traits`."""
        return self.client.search_traits(query)

    def search_vitale(self, query: VitaleQuery) -> InsiAnswer:
        """:meth:`esante.insi.InsiClient.search_vitale`."""
        return self.client.search_vitale(query)

    def close(self) -> None:
        """Close the transport and remove the profile's temporary files."""
        transport, profile = self._transport, self._profile
        self._client = self._transport = self._profile = None
        try:
            if transport is not None:
                transport.close()
        finally:
            if profile is not None:
                profile.close()

    def __enter__(self) -> InsiConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
