"""esante's settings: one typed object read from ``ESANTE_*`` environment variables.

Nothing reads the environment at import time: call :func:`load_settings` (or build
:class:`Settings` yourself) and pass the object to the factories that need it
(``create_app(settings)``, ``make_engine(settings)``...). This keeps tests free to run
several configurations in one process.

=========================  ==================================================================
variable                   meaning
=========================  ==================================================================
``ESANTE_HOME``            data directory (database, caches, keys); default ``./var``
``ESANTE_DATABASE_URL``    SQLAlchemy URL; default SQLite ``$ESANTE_HOME/esante.db`` (WAL)
``ESANTE_CISIS_KIT``       the ANS CI-SIS CDA kit; default ``../shared/cisis-kit`` if present
``ESANTE_SANDBOX``         directory of a running sandbox (its ``sandbox.json``)
``ESANTE_HOST``            address ``esante serve`` listens on; default ``127.0.0.1``
``ESANTE_PORT``            port ``esante serve`` listens on; default ``8000``
``ESANTE_ENV``             ``development`` (default) or ``production``
=========================  ==================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from esante.errors import ConfigError

SETTINGS_HELP = """\
Configuration (environment variables):
  ESANTE_HOME          data directory (database, caches, keys) [default: ./var]
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
  ESANTE_PMI_ADDRESS   MSSanté address the CS9/CS24 certificates go to
                       [default: certificatsdesante@plateformecse.mssante.fr]
"""

DEFAULT_KIT = Path("../shared/cisis-kit")


class Settings(BaseSettings):
    """Typed settings; every field maps to ``ESANTE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ESANTE_", extra="ignore", frozen=True)

    home: Path = Field(default=Path("./var"), description="data directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy database URL")
    cisis_kit: Path | None = Field(default=None, description="ANS CI-SIS CDA kit directory")
    sandbox: Path | None = Field(default=None, description="directory of a running sandbox")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    env: Literal["development", "production"] = "development"
    deferral_seconds: int = Field(default=600, ge=0, le=7 * 24 * 3600)
    feed_auth: Literal["indirecte", "directe"] = "indirecte"
    mss_product_reference: str = Field(default="ESANTE-BAC-A-SABLE", min_length=1)
    pmi_address: str | None = Field(default=None, description="PMI platform mailbox")

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
        """Create the data directory if needed and return it."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


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
