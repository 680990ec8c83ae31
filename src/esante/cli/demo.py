"""Who can sign in to the demo that ``esante demo`` (``make run``) starts (issue 12).

Two kinds of accounts, announced once everything listens:

* the **demo professionals** of the sandbox's Pro Santé Connect realm
  (:mod:`esante.sandbox.psc`): on its login page one picks a professional, then types the
  one-time code their e-CPS app would show — the sandbox's e-CPS page shows it. The demo
  configures esante as that realm's client (unless ``ESANTE_PSC_DISCOVERY_URL`` names
  another provider);
* a **secretary** with a local account (:mod:`esante.practice.staff`: Argon2id password,
  TOTP second factor, role ``secretaire``), for staff without an RPPS. Its password and
  TOTP secret are drawn at every start and printed once, never written anywhere: the
  account made at the first start is reset by the next ones (a lost password is one
  restart away), so no secret lives in the repository or the data directory.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pyotp
from pydantic import SecretStr
from sqlalchemy import select

from esante.config import Settings
from esante.demo import DemoDataset
from esante.practice.actors import ROLE_SECRETAIRE
from esante.practice.staff import create_staff_account, reset_staff_credentials
from esante.sandbox.psc import PscServer
from esante.sandbox.psc.wallet import ECPS_PATH
from esante.sandbox.runtime.manifest import SandboxManifest
from esante.store import Structure, make_engine, session_factory
from esante.store.models import StaffAccount

SECRETARY_LOGIN = "secretariat"
SECRETARY_STRUCTURE = "cabinet"
"""The demo structure the secretary works for (the dataset's key)."""
SIGN_IN_PATH = "/auth/connexion"


@dataclass(frozen=True)
class DemoSecretary:
    """The demo secretary's credentials, as drawn at this start."""

    login: str
    password: str
    totp_secret: str
    display_name: str

    @property
    def provisioning_uri(self) -> str:
        """The ``otpauth://`` URI an authenticator app reads."""
        return pyotp.TOTP(self.totp_secret).provisioning_uri(
            name=self.login, issuer_name="esante (démo)"
        )


def with_sandbox_psc(settings: Settings, manifest: SandboxManifest, port: int) -> Settings:
    """``settings`` signing in with the sandbox's Pro Santé Connect, for a service bound
    on ``port``, and talking to the sandbox's national services (the bar, the DMP
    consultation, the inbox: ``sandbox``) unless services are configured; unchanged PSC
    settings when another provider is configured."""
    update: dict[str, object] = {"port": port}
    if settings.sandbox is None:
        update["sandbox"] = manifest.directory
    if not settings.psc_configured and manifest.psc is not None:
        update.update(
            psc_discovery_url=manifest.psc.discovery_url,
            psc_client_id=manifest.psc.client_id,
            psc_client_secret=SecretStr(manifest.psc.client_secret),
        )
    return settings.model_copy(update=update)


def demo_secretary(settings: Settings, dataset: DemoDataset) -> DemoSecretary:
    """Create the demo secretary's local account, or give it new credentials (committed)."""
    structure = next(s for s in dataset.structures if s.key == SECRETARY_STRUCTURE)
    password = secrets.token_urlsafe(15)  # 20 characters, 120 bits
    display_name = f"Secrétariat — {structure.name}"
    engine = make_engine(settings.effective_database_url)
    try:
        with session_factory(engine)() as session:
            exists = session.scalar(
                select(StaffAccount.id).where(StaffAccount.login == SECRETARY_LOGIN)
            )
            if exists is not None:
                made = reset_staff_credentials(session, SECRETARY_LOGIN, password)
            else:
                structure_id = session.scalar(
                    select(Structure.id).where(Structure.id_nat_struct == structure.id_nat_struct)
                )
                assert structure_id is not None, "the demo dataset is loaded first"
                made = create_staff_account(
                    session,
                    login=SECRETARY_LOGIN,
                    password=password,
                    display_name=display_name,
                    role=ROLE_SECRETAIRE,
                    structure_id=structure_id,
                )
            session.commit()
            return DemoSecretary(
                SECRETARY_LOGIN, password, made.totp_secret, made.account.display_name
            )
    finally:
        engine.dispose()


def account_lines(
    base: str, psc: PscServer | None, secretary: DemoSecretary, *, psc_ours: bool
) -> list[str]:
    """What the demo prints about signing in (French): the URL, then the accounts."""
    lines = [
        f"Console du cabinet : {base}/ (patients, DMP, envois, messagerie, traces)",
        f"Connexion : {base}{SIGN_IN_PATH}",
    ]
    if psc is not None and psc_ours:
        lines.append(
            "  Professionnels (bouton « Pro Santé Connect », bac à sable) : choisissez l'un"
        )
        lines.append(
            "  d'eux, puis saisissez le code à usage unique que montre l'application e-CPS"
        )
        lines.append(f"  de démonstration : {psc.base_url}{ECPS_PATH}")
        for professional in psc.state.professionals():
            lines.append(
                f"    {professional.display_name} ({professional.label}), "
                f"idNat_PS {professional.id_nat_ps}"
            )
    lines.extend(
        [
            f"  Secrétariat (compte local, sans RPPS) : {secretary.display_name}",
            f"    identifiant    : {secretary.login}",
            f"    mot de passe   : {secretary.password}",
            f"    secret TOTP    : {secretary.totp_secret}",
            f"    code actuel    : {pyotp.TOTP(secretary.totp_secret).now()} (valable 30 s)",
            f"    application    : {secretary.provisioning_uri}",
            '    code à tout moment : .venv/bin/python -c "import pyotp; '
            f"print(pyotp.TOTP('{secretary.totp_secret}').now())\"",
            "    (mot de passe et secret affichés une seule fois : nouveaux à chaque démarrage)",
        ]
    )
    return lines
