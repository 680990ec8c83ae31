"""The kit's check of a command (``esante feed``) goes through the local validation server
when one can start, and falls back to the command's own process: same verdict either way
(esante.practice.conformance.kit_check, issue 17). A real server process on a real Unix
socket, on the synthetic kit."""

from __future__ import annotations

import os
import signal
import socket
import struct
from pathlib import Path

import pytest

from esante.cda.validate import Validator
from esante.cda.validate._server import run_dir
from esante.config import load_settings
from esante.practice.conformance import (
    ServerFirstCheck,
    check_conformance,
    kit_check,
    kit_validator,
)
from esante.practice.errors import PracticeValidationError
from tests.unit.cda.validate.kitfiles import synthetic_document
from tests.waiting import wait_until

GOOD = synthetic_document()
BAD = synthetic_document(with_id=False, code="AUTRE")


@pytest.fixture
def home(tmp_path: Path, synthetic_kit: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ESANTE_CISIS_KIT", str(synthetic_kit))
    monkeypatch.delenv("ESANTE_NO_VALIDATION_SERVER", raising=False)
    return tmp_path / "home"


def _server_pids(home: Path) -> list[int]:
    pids = []
    for sock in (home / "run").glob("vs-*.sock"):
        with socket.socket(socket.AF_UNIX) as conn:
            try:
                conn.connect(str(sock))
            except OSError:
                continue
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        pids.append(struct.unpack("3i", creds)[0])
    return pids


def _refusal(check: object, cda: bytes) -> str:
    with pytest.raises(PracticeValidationError) as caught:
        check_conformance(check, cda, dmp=False)  # type: ignore[arg-type]
    return f"{caught.value.message} | {caught.value.detail} | {caught.value.field}"


def test_feed_checks_through_the_server_with_the_in_process_verdict(
    home: Path, synthetic_kit: Path
) -> None:
    settings = load_settings()
    local = Validator(synthetic_kit, cache_dir=None)
    try:
        with kit_check(settings) as check:
            assert isinstance(check, ServerFirstCheck)
            assert check.through_server
            assert run_dir() == home / "run"
            assert len(_server_pids(home)) == 1  # started on demand
            check_conformance(check, GOOD, dmp=False)  # accepted: no exception
            assert _refusal(check, BAD) == _refusal(local, BAD)
            assert (
                check.validate(BAD).to_dict()["findings"]
                == local.validate(BAD).to_dict()["findings"]
            )
            assert check.through_server  # every document went to the server
        # a later command reuses the same server
        with kit_check(settings) as again:
            assert isinstance(again, ServerFirstCheck)
            assert again.through_server
            assert _refusal(again, BAD) == _refusal(local, BAD)
        assert len(_server_pids(home)) == 1
    finally:
        for pid in _server_pids(home):
            os.kill(pid, signal.SIGTERM)  # the server this test started


def test_a_server_that_stops_answering_is_replaced_by_the_command_itself(
    home: Path, synthetic_kit: Path
) -> None:
    settings = load_settings()
    local = Validator(synthetic_kit, cache_dir=None)
    with kit_check(settings) as check:
        assert isinstance(check, ServerFirstCheck)
        (pid,) = _server_pids(home)
        os.kill(pid, signal.SIGTERM)
        wait_until(
            lambda: not list((home / "run").glob("vs-*.sock")) or None,
            what="the server to remove its socket",
        )
        assert _refusal(check, BAD) == _refusal(local, BAD)
        assert not check.through_server  # the rest is validated in this process
        check_conformance(check, GOOD, dmp=False)


def test_no_server_when_forbidden(
    home: Path, synthetic_kit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESANTE_NO_VALIDATION_SERVER", "1")
    with kit_check(load_settings()) as check:
        assert isinstance(check, Validator)
        assert _refusal(check, BAD) == _refusal(Validator(synthetic_kit, cache_dir=None), BAD)
    assert _server_pids(home) == []
    with kit_check(load_settings(), server=False) as check:
        assert isinstance(check, Validator)


def test_no_check_without_a_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ESANTE_CISIS_KIT", raising=False)
    monkeypatch.setattr("esante.config.DEFAULT_KIT", tmp_path / "no-kit")
    with kit_check(load_settings()) as check:
        assert check is None
    assert not (tmp_path / "home" / "run").exists()  # no server was started for nothing


def test_a_process_that_compiled_the_kit_keeps_using_it(home: Path) -> None:
    settings = load_settings()
    compiled = kit_validator(settings)
    with kit_check(settings) as check:
        assert check is compiled
    assert _server_pids(home) == []  # no server started for nothing
