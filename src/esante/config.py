"""esante's settings: one typed object read from ``ESANTE_*`` environment variables.

Nothing reads the environment at import time: call :func:`load_settings` (or build
:class:`Settings` yourself) and pass the object to the factories that need it
(``create_app(settings)``, ``make_engine(settings)``...). This keeps tests free to run
several configurations in one process.

=========================  ==================================================================
variable                   meaning
=========================  ==================================================================
``ESANTE_HOME``            data directory (database, caches, keys, the demo's sandbox);
                           default: the user data directory (``~/.local/share/esante``
                           on Linux, see :func:`default_home`)
``ESANTE_DATABASE_URL``    SQLAlchemy URL; default SQLite ``$ESANTE_HOME/esante.db`` (WAL)
``ESANTE_CISIS_KIT``       the ANS CI-SIS CDA kit; default ``../shared/cisis-kit`` if present
``ESANTE_SANDBOX``         directory of a running sandbox (its ``sandbox.json``)
``ESANTE_MSS_NO_PATIENT_REPLY``  ``1``: messages to a patient's Mon espace santé mailbox
                           say the patient may not reply (``X-MSS-MES: FIN``); default ``0``
``ESANTE_HOST``            address ``esante serve`` listens on; default ``127.0.0.1``
``ESANTE_PORT``            port ``esante serve`` listens on; default ``8000``
``ESANTE_ENV``             ``development`` (default) or ``production``
``ESANTE_SECRET_KEY``      key of the sign-in cookies (required in production; else made
                           at first start in ``$ESANTE_HOME/secret-key``, 0600)
``ESANTE_PUBLIC_URL``      the address browsers reach esante at (the PSC callback hangs
                           off it); default ``http://ESANTE_HOST:ESANTE_PORT``
``ESANTE_PSC_*``           Pro Santé Connect: ``DISCOVERY_URL``, ``CLIENT_ID``,
                           ``CLIENT_SECRET``, ``CA_FILE`` (a private CA, the sandbox's)
``ESANTE_SESSION_IDLE_MINUTES``  idle timeout of a web session (≤ 120, SC.SSI/IE.38)
``ESANTE_SESSION_HOURS``   absolute lifetime of a web session
``ESANTE_ALLOWED_HOSTS``   comma-separated host names the service answers for
``ESANTE_TLS_CERTFILE``    certificate and key ``esante serve`` serves HTTPS with
``ESANTE_TLS_KEYFILE``
``ESANTE_TRUSTED_PROXY``   ``1`` when a reverse proxy terminates TLS in front of esante
``ESANTE_SERVICES``        preset of the national services' endpoints: ``sandbox`` (default:
                           the running sandbox's ``sandbox.json``), ``test`` or ``production``
                           (``esante/services/data/environments.json``, each URL cited)
``ESANTE_DMP_URL`` …       override one endpoint of the preset (``DMP_URL``, ``INSI_URL``,
                           ``MSS_URL``, ``ANNUAIRE_URL``)
``ESANTE_CA_BUNDLE``       CAs the national services' TLS certificates are checked against
``ESANTE_AUTH_*``          the structure's authentication certificate (TLS client):
                           ``CERTIFICATE`` (PKCS#12 ``.p12``/``.pfx`` or PEM), ``KEY`` (PEM),
                           ``PASSWORD`` or ``PASSWORD_FILE``
``ESANTE_SIGN_*``          the structure's signature certificate (VIHF, submissions), same keys
``ESANTE_STRUCTURE_ID``    the structure's identifier the certificates name (idNat_Struct)
``ESANTE_STRUCTURE_NAME``
``ESANTE_LPS_*``           the software as the national services know it: ``ID`` (VIHF
                           ``LPS_ID``), ``HOMOLOGATION`` (CNDA / DMP homologation number),
                           ``NAME``, ``VERSION``, ``OID`` (this installation)
=========================  ==================================================================
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from esante.errors import ConfigError

SETTINGS_HELP = """\
Configuration (environment variables):
  ESANTE_HOME          data directory (database, caches, keys, the demo's sandbox)
                       [default: the user data directory, ~/.local/share/esante on
                       Linux; the same wherever the command is typed]
  ESANTE_DATABASE_URL  SQLAlchemy URL [default: sqlite:///$ESANTE_HOME/esante.db]
                       e.g. postgresql+psycopg://postgres@127.0.0.1:5432/esante
  ESANTE_CISIS_KIT     the ANS CI-SIS CDA kit [default: ../shared/cisis-kit if present]
  ESANTE_SANDBOX       directory of a running sandbox (holds sandbox.json)
  ESANTE_HOST          address `esante serve` listens on [default: 127.0.0.1]
  ESANTE_PORT          port `esante serve` listens on [default: 8000]
  ESANTE_ENV           development | production [default: development]
  ESANTE_DEFERRAL_SECONDS  deferral window of automatic sends, during which the
                       clinician may block or cancel them [default: 600]
  ESANTE_FEED_AUTH     how DMP feeding authenticates: indirecte (the structure's
                       certificate) | directe (the author's CPS) [default: indirecte]
  ESANTE_MSS_PRODUCT_REFERENCE  X-MSS-NIL of the messages sent [default: ESANTE-BAC-A-SABLE]
  ESANTE_MSS_NO_PATIENT_REPLY  1: messages to a patient's Mon espace santé mailbox
                       say the patient may not reply (X-MSS-MES: FIN) [default: 0]
  ESANTE_PMI_ADDRESS   MSSanté address the CS9/CS24 certificates go to
                       [default: certificatsdesante@plateformecse.mssante.fr]
  ESANTE_MAX_REQUEST_BYTES  largest request body the REST service reads (413
                       beyond) [default: 20971520, 20 Mio]
  ESANTE_SECRET_KEY    key of the sign-in cookies [required in production; else
                       made at first start in $ESANTE_HOME/secret-key]
  ESANTE_PUBLIC_URL    address browsers reach esante at [default:
                       http://ESANTE_HOST:ESANTE_PORT]
  ESANTE_PSC_DISCOVERY_URL  Pro Santé Connect discovery document (sign-in)
  ESANTE_PSC_CLIENT_ID / ESANTE_PSC_CLIENT_SECRET  esante's client at PSC
  ESANTE_PSC_CA_FILE   CA bundle to verify PSC with (the sandbox's CA)
  ESANTE_SESSION_IDLE_MINUTES  idle timeout of a web session, at most 120 [120]
  ESANTE_SESSION_HOURS absolute lifetime of a web session [12]
  ESANTE_ALLOWED_HOSTS comma-separated host names served [default: loopback names]
  ESANTE_TLS_CERTFILE / ESANTE_TLS_KEYFILE  serve HTTPS with this certificate
  ESANTE_TRUSTED_PROXY 1 when a reverse proxy terminates TLS in front of esante
  ESANTE_SERVICES      national services' endpoints: sandbox | test | production
                       [default: sandbox, read from the running sandbox]
  ESANTE_DMP_URL / ESANTE_INSI_URL / ESANTE_MSS_URL / ESANTE_ANNUAIRE_URL
                       override one endpoint of the preset
  ESANTE_CA_BUNDLE     CAs of the national services' TLS certificates
  ESANTE_AUTH_CERTIFICATE / _KEY / _PASSWORD / _PASSWORD_FILE  the structure's
                       authentication certificate (PKCS#12 or PEM) and its passphrase
  ESANTE_SIGN_CERTIFICATE / _KEY / _PASSWORD / _PASSWORD_FILE  its signature one
  ESANTE_STRUCTURE_ID / ESANTE_STRUCTURE_NAME  the structure the certificates name
  ESANTE_LPS_ID / _HOMOLOGATION / _NAME / _VERSION / _OID  the software's identity
                       at the national services (LPS_ID, homologation number...)
"""

DEFAULT_KIT = Path("../shared/cisis-kit")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SECRET_KEY_FILE = "secret-key"  # noqa: S105 (a file name)


def default_home() -> Path:
    """The data directory when ``ESANTE_HOME`` is not set: the user data directory of the
    platform (XDG ``$XDG_DATA_HOME/esante``, i.e. ``~/.local/share/esante`` on Linux;
    ``~/Library/Application Support/esante`` on macOS; ``%LOCALAPPDATA%\\esante`` on
    Windows).

    Not ``./var``: a default relative to the current directory gave each folder the
    command was typed in a database of its own, so ``esante outbox list`` typed elsewhere
    than where ``make run`` started silently read (and created) an empty one.
    """
    from platformdirs import user_data_path

    return user_data_path("esante", appauthor=False)


class Settings(BaseSettings):
    """Typed settings; every field maps to ``ESANTE_<NAME>``."""

    # env_ignore_empty: ``ESANTE_AUTH_CERTIFICATE=`` means "not set" (an empty value
    # had become Path("."), which passed as a configured certificate and misled the
    # error to the key instead of naming the missing certificate)
    model_config = SettingsConfigDict(
        env_prefix="ESANTE_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    home: Path = Field(default_factory=default_home, description="data directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy database URL")
    cisis_kit: Path | None = Field(default=None, description="ANS CI-SIS CDA kit directory")
    sandbox: Path | None = Field(default=None, description="directory of a running sandbox")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    env: Literal["development", "production"] = "development"
    deferral_seconds: int = Field(default=600, ge=0, le=7 * 24 * 3600)
    dmp_bar_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="how long the service keeps a patient's DMP answers for the bar",
    )
    feed_auth: Literal["indirecte", "directe"] = "indirecte"
    mss_product_reference: str = Field(default="ESANTE-BAC-A-SABLE", min_length=1)
    mss_no_patient_reply: bool = Field(
        default=False,
        description="messages to a patient's Mon espace santé mailbox say the patient may "
        "not reply (X-MSS-MES: FIN, volet MSSanté des LPS)",
    )
    pmi_address: str | None = Field(default=None, description="PMI platform mailbox")
    max_request_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="largest request body the REST service reads (a CDA of 20 MiB)",
    )

    secret_key: SecretStr | None = Field(default=None, description="sign-in cookie key")
    public_url: str | None = Field(default=None, description="address browsers use")
    psc_discovery_url: str | None = None
    psc_client_id: str = "esante"
    psc_client_secret: SecretStr | None = None
    psc_ca_file: Path | None = None
    session_idle_minutes: int = Field(default=120, ge=1, le=120)
    session_hours: int = Field(default=12, ge=1, le=24)
    allowed_hosts: str = ""
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    trusted_proxy: bool = False

    # the national services (esante.services): endpoints, certificates, the LPS
    services: Literal["sandbox", "test", "production"] = "sandbox"
    dmp_url: str | None = None
    insi_url: str | None = None
    mss_url: str | None = None
    annuaire_url: str | None = None
    ca_bundle: Path | None = None
    auth_certificate: Path | None = None
    auth_key: Path | None = None
    auth_password: SecretStr | None = None
    auth_password_file: Path | None = None
    sign_certificate: Path | None = None
    sign_key: Path | None = None
    sign_password: SecretStr | None = None
    sign_password_file: Path | None = None
    structure_id: str | None = None
    structure_name: str | None = None
    lps_id: str | None = None
    lps_homologation: str | None = None
    lps_name: str = Field(default="esante", min_length=1)
    lps_version: str | None = None
    lps_oid: str | None = None

    @property
    def effective_public_url(self) -> str:
        """Where browsers reach esante (no trailing slash)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls_certfile else "http"
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{shown}:{self.port}"

    @property
    def effective_allowed_hosts(self) -> tuple[str, ...]:
        """Host names (without port) the service answers for; the public URL's host and,
        in development, the loopback names."""
        from urllib.parse import urlsplit

        hosts = [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]
        public = urlsplit(self.effective_public_url).hostname
        if public:
            hosts.append(public.lower())
        if self.env == "development":
            hosts.extend(LOOPBACK_HOSTS)
        return tuple(dict.fromkeys(hosts))

    @property
    def psc_configured(self) -> bool:
        """Whether sign-in with Pro Santé Connect is configured."""
        return bool(self.psc_discovery_url and self.psc_client_secret)

    @property
    def secure_transport(self) -> bool:
        """Whether browsers reach esante over TLS (served here or by a trusted proxy)."""
        return bool(self.tls_certfile and self.tls_keyfile) or self.trusted_proxy

    def session_key(self) -> bytes:
        """The key of the sign-in cookies: ``ESANTE_SECRET_KEY``, else (development) a key
        made at first use in ``$ESANTE_HOME/secret-key`` (0600)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode("utf-8")
        path = self.ensure_home() / SECRET_KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48))
        return path.read_bytes().strip()

    def check_exposure(self) -> None:
        """Refuse a configuration that would expose patient data (issue 12).

        In production, or when listening on a non-loopback address, esante needs sign-in
        configured (Pro Santé Connect), an explicit secret key and TLS (served, or by a
        stated trusted reverse proxy). Raises :class:`ConfigError` in French.
        """
        exposed = not _is_loopback(self.host)
        if self.env != "production" and not exposed:
            return
        why = "en production" if self.env == "production" else f"sur l'adresse {self.host}"
        missing = []
        if not self.psc_configured:
            missing.append(("la connexion Pro Santé Connect", "ESANTE_PSC_DISCOVERY_URL"))
        if self.secret_key is None:
            missing.append(("une clé secrète", "ESANTE_SECRET_KEY"))
        if not self.secure_transport:
            missing.append(
                ("TLS ou un mandataire inverse de confiance déclaré", "ESANTE_TLS_CERTFILE")
            )
        if missing:
            raise ConfigError(
                f"esante refuse de démarrer {why} sans "
                + ", ".join(label for label, _ in missing)
                + " : les données des patients seraient exposées.",
                detail="missing: " + ", ".join(name for _, name in missing),
                field=missing[0][1],
            )

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'esante.db').resolve()}"

    @property
    def effective_cisis_kit(self) -> Path | None:
        """The kit directory if configured, else ``../shared/cisis-kit`` when it exists."""
        if self.cisis_kit is not None:
            return self.cisis_kit
        return DEFAULT_KIT if DEFAULT_KIT.is_dir() else None

    def ensure_home(self) -> Path:
        """Create the data directory if needed (0700: it holds patient data) and return it.

        A directory that exists is left as it is.
        """
        if not self.home.is_dir():
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.home.chmod(0o700)  # the umask may have removed less than group/other
        return self.home


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (``overrides`` win).

    Raises :class:`ConfigError` naming the variable at fault.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ESANTE_" + str(first["loc"][0]).upper() if first["loc"] else "ESANTE_*"
        raise ConfigError(
            f"Paramètre de configuration invalide : {name}",
            detail=first["msg"],
            field=name,
        ) from exc
