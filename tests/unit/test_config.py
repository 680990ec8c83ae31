"""Settings come from ESANTE_* variables, with documented defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.config import ConfigError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ESANTE_HOME", "ESANTE_DATABASE_URL", "ESANTE_CISIS_KIT", "ESANTE_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    s = load_settings()
    assert s.home == tmp_path / "data" / "esante"
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'data' / 'esante' / 'esante.db'}"
    assert s.port == 8000


def test_the_default_home_does_not_depend_on_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ESANTE_HOME", raising=False)
    monkeypatch.delenv("ESANTE_DATABASE_URL", raising=False)
    homes = []
    for folder in ("projet", "ailleurs"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        settings = load_settings()
        homes.append((settings.home, settings.effective_database_url))
    assert homes[0] == homes[1]
    assert homes[0][0].is_absolute()
    assert not (tmp_path / "projet" / "var").exists()


def test_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path))
    monkeypatch.setenv("ESANTE_DATABASE_URL", "postgresql://postgres@127.0.0.1/x")
    monkeypatch.setenv("ESANTE_CISIS_KIT", str(tmp_path / "kit"))
    s = load_settings()
    assert s.home == tmp_path
    assert s.effective_database_url == "postgresql://postgres@127.0.0.1/x"
    assert s.effective_cisis_kit == tmp_path / "kit"


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESANTE_PORT", "quatre-vingts")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.field == "ESANTE_PORT"
    assert "ESANTE_PORT" in err.value.message


def test_an_empty_variable_means_not_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``ESANTE_AUTH_CERTIFICATE=`` is "no certificate", not the current directory: an
    empty value had become ``Path(".")`` and passed as a configured certificate."""
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path))
    for name in ("AUTH_CERTIFICATE", "SANDBOX", "PSC_DISCOVERY_URL", "PSC_CLIENT_ID"):
        monkeypatch.setenv(f"ESANTE_{name}", "")
    s = load_settings()
    assert s.auth_certificate is None
    assert s.sandbox is None
    assert s.psc_discovery_url is None
    assert s.psc_client_id == "esante"  # the default, as if unset
