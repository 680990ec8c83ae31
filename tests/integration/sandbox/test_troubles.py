"""Trouble on demand: slowness, random failures and outage, as the client meets them.

The settings live in the sandbox database (``esante sandbox dmp trouble|down|up`` writes
them; a running server reads them again within a second — here it is told to forget
its copy at once). Every test puts the DMP back in service.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from esante.dmp import Actor, DmpClient, DmpUnavailableError
from esante.sandbox.runtime import RunningSandbox
from tests.integration.sandbox import world
from tests.waiting import wait_until


@pytest.fixture
def troubles(sandbox: RunningSandbox) -> Iterator[world.DmpAdmin]:
    admin = world.admin(sandbox)
    yield admin
    admin.set_troubles(latency_ms=0, fail_rate=0.0, down=False)
    admin.session.close()
    sandbox.app.forget_troubles()


def _apply(sandbox: RunningSandbox) -> None:
    sandbox.app.forget_troubles()


def test_down_answers_503_then_up_serves_again(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, troubles: world.DmpAdmin
) -> None:
    ins = world.new_patient(sandbox, doctor)
    troubles.set_troubles(down=True)
    _apply(sandbox)
    with pytest.raises(DmpUnavailableError) as unavailable:
        client.test_existence(ins, actor=doctor)
    assert "503" in unavailable.value.message
    troubles.set_troubles(down=False)
    _apply(sandbox)
    assert client.test_existence(ins, actor=doctor).exists


def test_a_failure_rate_of_one_fails_every_request_as_transient(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, troubles: world.DmpAdmin
) -> None:
    ins = world.new_patient(sandbox, doctor)
    troubles.set_troubles(fail_rate=1.0)
    _apply(sandbox)
    for _ in range(3):
        with pytest.raises(DmpUnavailableError) as failed:
            client.find_documents(ins, actor=doctor)
        assert failed.value.code == "XDSRegistryBusy"
    troubles.set_troubles(fail_rate=0.0)
    _apply(sandbox)
    assert len(client.find_documents(ins, actor=doctor)) == 0


def test_latency_delays_every_answer(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, troubles: world.DmpAdmin
) -> None:
    ins = world.new_patient(sandbox, doctor)
    troubles.set_troubles(latency_ms=300)
    _apply(sandbox)
    started = time.perf_counter()
    client.test_existence(ins, actor=doctor)
    assert time.perf_counter() - started >= 0.3


def test_the_running_server_reads_new_settings_without_a_restart(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor, troubles: world.DmpAdmin
) -> None:
    ins = world.new_patient(sandbox, doctor)
    client.test_existence(ins, actor=doctor)  # the server holds the current settings
    troubles.set_troubles(down=True)  # as the admin CLI does, from another connection

    def refused() -> bool:  # the settings are read again within a second of a request
        try:
            client.test_existence(ins, actor=doctor)
        except DmpUnavailableError:
            return True
        return False

    wait_until(refused, what="the running server applying 'down'", interval=0.1)
