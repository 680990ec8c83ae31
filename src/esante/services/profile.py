"""Where the national services are and who esante is to them, from the settings.

A :class:`ServiceProfile` is the resolved configuration: one endpoint per service (the
preset's, or an ``ESANTE_<SERVICE>_URL`` override), the CAs the services are checked
against, the structure's two certificates and the LPS identification. The ``sandbox``
preset reads all of it from the running sandbox's ``sandbox.json`` (its test PKI); the
``test`` and ``production`` presets from ``data/environments.json`` (each URL cited
there) and the ``ESANTE_AUTH_*`` / ``ESANTE_SIGN_*`` / ``ESANTE_LPS_*`` settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from esante import __version__
from esante.config import Settings
from esante.errors import ConfigError
from esante.services.credentials import Credential, load_credential, passphrase

SERVICES = ("dmp", "insi", "mss", "annuaire", "psc")
SANDBOX_LPS_OID = "1.2.250.1.999.42.1"
"""OID of the esante installation talking to the sandbox (HL7 sender, XDS sourceId)."""
SANDBOX_HOMOLOGATION = "ESANTE-BAC-A-SABLE"
"""Homologation number sent to the sandbox (it has none to check)."""


def environments() -> dict[str, Any]:
    """The presets of ``data/environments.json``."""
    text = resources.files("esante.services").joinpath("data/environments.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass(frozen=True)
class Lps:
    """The software as the national services know it."""

    name: str
    version: str
    homologation: str
    oid: str
    lps_id: str | None = None


@dataclass
class ServiceProfile:
    """The resolved configuration of the national services (see the module)."""

    preset: str
    urls: dict[str, str | None]
    processing_code: str
    ca_bundle: Path
    authentication: Credential
    signature: Credential
    structure_id: str
    structure_name: str
    lps: Lps
    sandbox_directory: Path | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        """The endpoint of ``service``; :class:`ConfigError` when none is configured."""
        value = self.urls.get(service)
        if not value:
            variable = f"ESANTE_{service.upper()}_URL"
            raise ConfigError(
                f"Aucune adresse configurée pour le service {service} ({self.preset}) : "
                f"renseignez {variable}.",
                detail=self.notes.get(service, f"{service} has no URL in preset {self.preset}"),
                field=variable,
            )
        return value

    def close(self) -> None:
        """Remove the temporary PEM copies of PKCS#12 files."""
        self.authentication.close()
        self.signature.close()


def resolve(settings: Settings, *, sandbox: Path | None = None) -> ServiceProfile:
    """The :class:`ServiceProfile` of ``settings`` (``sandbox`` overrides ``ESANTE_SANDBOX``).

    Raises :class:`ConfigError` (French, naming the variable) when something is missing.
    """
    if settings.services == "sandbox":
        return _sandbox_profile(settings, sandbox or settings.sandbox)
    return _preset_profile(settings)


def _overrides(settings: Settings) -> dict[str, str | None]:
    return {
        "dmp": settings.dmp_url,
        "insi": settings.insi_url,
        "mss": settings.mss_url,
        "annuaire": settings.annuaire_url,
        "psc": settings.psc_discovery_url,
    }


def _sandbox_profile(settings: Settings, directory: Path | None) -> ServiceProfile:
    from esante.sandbox.runtime import SandboxNotFoundError, read_manifest

    if directory is None:
        raise SandboxNotFoundError(
            "Bac à sable introuvable : indiquez --sandbox DIR ou la variable ESANTE_SANDBOX.",
            detail="neither --sandbox nor ESANTE_SANDBOX given",
            field="--sandbox",
        )
    manifest = read_manifest(directory)
    pki = manifest.pki
    urls: dict[str, str | None] = {
        "dmp": manifest.dmp.base_url,
        "insi": manifest.insi.url if manifest.insi else None,
        "mss": f"imaps://{manifest.mss.imap_host}:{manifest.mss.imap_port}"
        if manifest.mss
        else None,
        "annuaire": manifest.annuaire.url if manifest.annuaire else None,
        "psc": manifest.psc.discovery_url if manifest.psc else None,
    }
    for service, value in _overrides(settings).items():
        urls[service] = value or urls[service]
    return ServiceProfile(
        preset="sandbox",
        urls=urls,
        processing_code="D",  # the sandbox imitates the test platforms, as the kit
        ca_bundle=pki.ca,
        authentication=load_credential(
            pki.authentication_certificate, pki.authentication_key, None, variable="ESANTE_SANDBOX"
        ),
        signature=load_credential(
            pki.signature_certificate, pki.signature_key, None, variable="ESANTE_SANDBOX"
        ),
        structure_id=pki.structure_id,
        structure_name=pki.structure_name,
        lps=Lps(
            settings.lps_name,
            settings.lps_version or __version__,
            settings.lps_homologation or SANDBOX_HOMOLOGATION,
            settings.lps_oid or SANDBOX_LPS_OID,
            settings.lps_id,
        ),
        sandbox_directory=Path(manifest.directory),
    )


def _required(value: object, variable: str, label: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigError(
            f"Configuration incomplète : {label} ({variable}).",
            detail=f"{variable} is required outside the sandbox",
            field=variable,
        )


def _preset_profile(settings: Settings) -> ServiceProfile:
    preset = environments()[settings.services]
    urls: dict[str, str | None] = {s: (preset.get(s) or {}).get("url") for s in SERVICES}
    notes = {s: str((preset.get(s) or {}).get("note", "")) for s in SERVICES}
    for service, value in _overrides(settings).items():
        urls[service] = value or urls[service]
    _required(settings.ca_bundle, "ESANTE_CA_BUNDLE", "les autorités de certification")
    _required(
        settings.auth_certificate, "ESANTE_AUTH_CERTIFICATE", "le certificat d'authentification"
    )
    _required(settings.sign_certificate, "ESANTE_SIGN_CERTIFICATE", "le certificat de signature")
    _required(settings.structure_id, "ESANTE_STRUCTURE_ID", "l'identifiant de la structure")
    _required(settings.structure_name, "ESANTE_STRUCTURE_NAME", "le nom de la structure")
    _required(settings.lps_homologation, "ESANTE_LPS_HOMOLOGATION", "le numéro d'homologation")
    _required(settings.lps_oid, "ESANTE_LPS_OID", "l'OID de l'installation")
    assert settings.ca_bundle is not None
    assert settings.auth_certificate is not None
    assert settings.sign_certificate is not None
    authentication = load_credential(
        settings.auth_certificate,
        settings.auth_key,
        passphrase(settings.auth_password, settings.auth_password_file, "ESANTE_AUTH_PASSWORD"),
        variable="ESANTE_AUTH",
    )
    try:
        signature = load_credential(
            settings.sign_certificate,
            settings.sign_key,
            passphrase(settings.sign_password, settings.sign_password_file, "ESANTE_SIGN_PASSWORD"),
            variable="ESANTE_SIGN",
        )
    except ConfigError:
        authentication.close()
        raise
    dmp = preset.get("dmp") or {}
    return ServiceProfile(
        preset=settings.services,
        urls=urls,
        processing_code=str(dmp.get("processing_code") or "P"),
        ca_bundle=settings.ca_bundle,
        authentication=authentication,
        signature=signature,
        structure_id=str(settings.structure_id),
        structure_name=str(settings.structure_name),
        lps=Lps(
            settings.lps_name,
            settings.lps_version or __version__,
            str(settings.lps_homologation),
            str(settings.lps_oid),
            settings.lps_id,
        ),
        notes=notes,
    )
