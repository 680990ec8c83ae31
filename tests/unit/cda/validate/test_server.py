"""The local validation server (esante.cda.validate._server), a real process on a real
Unix socket, on the synthetic kit: same verdicts as in-process, errors naming the file,
kit edits noticed, one server per key, idle shutdown, bad frames refused."""

from __future__ import annotations

import os
import signal
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from esante.cda.validate import (
    InvalidDocumentError,
    ValidationClient,
    ValidationReport,
    Validator,
    connect_validation_server,
)
from esante.cda.validate._kit import Kit
from esante.cda.validate._server import MAX_FRAME, run_dir, server_key
from tests.unit.cda.validate.kitfiles import synthetic_document
from tests.waiting import wait_until


def _server_pid(client: ValidationClient) -> int:
    creds = client._conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[0])


def _comparable(report: ValidationReport) -> dict[str, Any]:
    data = report.to_dict()
    del data["duration_ms"], data["timings_ms"]
    return data


@pytest.fixture
def home(tmp_path: Path, synthetic_kit: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ESANTE_CISIS_KIT", str(synthetic_kit))
    return tmp_path / "home"


@pytest.fixture
def documents(tmp_path: Path) -> dict[str, Path]:
    made = {
        "bon.xml": synthetic_document(),
        "mauvais.xml": synthetic_document(with_id=False, code="AUTRE"),
        "hostile.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in made}


@pytest.fixture
def client(home: Path, synthetic_kit: Path, tmp_path: Path) -> Iterator[ValidationClient]:
    started = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache")
    assert started is not None
    pid = _server_pid(started)
    yield started
    started.close()
    os.kill(pid, signal.SIGTERM)  # the server this test started


def test_report_round_trips_through_json(documents: dict[str, Path], synthetic_kit: Path) -> None:
    report = Validator(synthetic_kit, cache_dir=None).validate(documents["mauvais.xml"])
    assert report.errors  # the round trip carries findings
    assert ValidationReport.from_dict(report.to_dict()) == report


def test_server_gives_the_in_process_verdict(
    client: ValidationClient, documents: dict[str, Path], synthetic_kit: Path, tmp_path: Path
) -> None:
    local = Validator(synthetic_kit, cache_dir=tmp_path / "cache")
    for name in ("bon.xml", "mauvais.xml", "bon.xml"):
        served = client.validate(documents[name])
        assert _comparable(served) == _comparable(local.validate(documents[name]))
    assert client.validate(documents["mauvais.xml"], dmp=True).findings_of("esante:DMP")


def test_unreadable_document_names_the_file(
    client: ValidationClient, documents: dict[str, Path]
) -> None:
    with pytest.raises(InvalidDocumentError) as caught:
        client.validate(documents["hostile.xml"])
    assert "DOCTYPE/ENTITY sont refusées" in caught.value.message
    assert caught.value.field == str(documents["hostile.xml"])
    assert client.validate(documents["bon.xml"]).ok  # the connection goes on


def test_later_commands_reuse_the_running_server(
    client: ValidationClient, synthetic_kit: Path, tmp_path: Path, home: Path
) -> None:
    again = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache", start=False)
    assert again is not None
    with again:
        assert _server_pid(again) == _server_pid(client)
    key = server_key(Kit.locate(synthetic_kit), tmp_path / "cache")
    assert (run_dir() / f"vs-{key}.sock").stat().st_mode & 0o777 == 0o600
    assert run_dir().stat().st_mode & 0o777 == 0o700
    other_cache = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "c2", start=False)
    assert other_cache is None  # another cache directory is another server


def test_kit_edit_is_noticed(
    client: ValidationClient, documents: dict[str, Path], synthetic_kit: Path, tmp_path: Path
) -> None:
    assert client.validate(documents["bon.xml"]).ok
    volet = synthetic_kit / "schematrons" / "CI-SIS_VSM_2023.01.sch"
    volet.write_text(volet.read_text(encoding="utf-8").replace("'SYNTH'", "'AUTRE'"), "utf-8")
    client.close()
    again = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache", start=False)
    assert again is not None
    with again:
        report = again.validate(documents["bon.xml"])
    assert [f.message for f in report.errors] == ["[VSM] Le code du document doit être SYNTH."]


def test_idle_server_stops(
    home: Path, synthetic_kit: Path, documents: dict[str, Path], tmp_path: Path
) -> None:
    started = connect_validation_server(
        synthetic_kit, cache_dir=tmp_path / "cache", idle_seconds=0.5
    )
    assert started is not None
    with started:
        assert started.validate(documents["bon.xml"]).ok
    key = server_key(Kit.locate(synthetic_kit), tmp_path / "cache")
    wait_until(lambda: not (run_dir() / f"vs-{key}.sock").exists(), what="idle server to stop")
    assert (
        connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache", start=False) is None
    )


def test_oversized_frame_is_refused(
    client: ValidationClient, synthetic_kit: Path, tmp_path: Path, documents: dict[str, Path]
) -> None:
    client.close()  # connections are served one at a time
    key = server_key(Kit.locate(synthetic_kit), tmp_path / "cache")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        raw.connect(str(run_dir() / f"vs-{key}.sock"))
        raw.sendall(struct.pack(">I", MAX_FRAME + 1))
        raw.settimeout(30)
        assert raw.recv(4) == b""  # closed without an answer
    again = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache", start=False)
    assert again is not None
    with again:
        assert again.validate(documents["bon.xml"]).ok


def test_no_server_where_no_socket_can_be_made(
    tmp_path: Path, synthetic_kit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path / ("h" * 120)))
    assert connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache") is None


def test_two_commands_are_served_side_by_side(
    client: ValidationClient, synthetic_kit: Path, tmp_path: Path, documents: dict[str, Path]
) -> None:
    assert client.validate(documents["bon.xml"]).ok  # the first command keeps its connection
    second = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache", start=False)
    assert second is not None
    with second:
        second._conn.settimeout(60)  # answered while the first is still connected
        assert [f.message for f in second.validate(documents["mauvais.xml"]).errors]
        assert _server_pid(second) == _server_pid(client)
    assert client.validate(documents["bon.xml"]).ok  # and the first goes on


def test_a_socket_left_by_a_dead_server_is_replaced(
    home: Path, synthetic_kit: Path, tmp_path: Path, documents: dict[str, Path]
) -> None:
    key = server_key(Kit.locate(synthetic_kit), tmp_path / "cache")
    run_dir().mkdir(mode=0o700, parents=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(run_dir() / f"vs-{key}.sock"))  # closed without removing the file
    kit_files = sorted((p, p.stat().st_mtime_ns) for p in synthetic_kit.rglob("*"))
    started = connect_validation_server(synthetic_kit, cache_dir=tmp_path / "cache")
    assert started is not None
    pid = _server_pid(started)
    try:
        with started:
            assert started.validate(documents["bon.xml"]).ok
    finally:
        os.kill(pid, signal.SIGTERM)
    # nothing written into the kit directory
    assert sorted((p, p.stat().st_mtime_ns) for p in synthetic_kit.rglob("*")) == kit_files


def test_an_edit_that_keeps_size_and_time_is_noticed(
    client: ValidationClient, documents: dict[str, Path], synthetic_kit: Path, tmp_path: Path
) -> None:
    assert client.validate(documents["bon.xml"]).ok
    volet = synthetic_kit / "schematrons" / "CI-SIS_VSM_2023.01.sch"
    before = volet.stat()
    volet.write_text(volet.read_text(encoding="utf-8").replace("'SYNTH'", "'AUTRS'"), "utf-8")
    os.utime(volet, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` would
    assert volet.stat().st_size == before.st_size
    report = client.validate(documents["bon.xml"])
    assert [f.message for f in report.errors] == ["[VSM] Le code du document doit être SYNTH."]


def test_a_document_held_in_memory_gets_the_in_process_verdict(
    client: ValidationClient, documents: dict[str, Path], synthetic_kit: Path, tmp_path: Path
) -> None:
    local = Validator(synthetic_kit, cache_dir=tmp_path / "cache")
    data = documents["mauvais.xml"].read_bytes()
    served = client.validate(data, source="en-mémoire.xml", dmp=True)
    assert _comparable(served) == _comparable(
        local.validate(data, source="en-mémoire.xml", dmp=True)
    )
    assert served.source == "en-mémoire.xml"
    assert served.errors
    with pytest.raises(InvalidDocumentError) as caught:
        client.validate(documents["hostile.xml"].read_bytes(), source="hostile")
    assert caught.value.field == "hostile"
