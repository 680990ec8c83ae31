"""Fixtures of the DMP client tests: a test PKI, a scripted DMP double, a client.

:class:`ScriptedDmp` is a transport double for unit tests (not a model of the DMP): it
records every request the client sends, decoded exactly as a server would decode it,
and answers with the responses queued by the test (usually the official DMP responses).
End-to-end behaviour is proven against the sandbox, over real sockets, elsewhere.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import pytest

from esante.dmp import DmpClient, DmpEndpoints, Signer
from esante.transport import (
    InProcessTransport,
    SoapRequest,
    WireRequest,
    WireResponse,
    decode_request,
)
from esante.trust import Pki, generate_test_pki
from tests.unit.dmp import kit
from tests.unit.dmp.samples import ACTIVITY, LPS

BASE_URL = "https://dmp.test/si-dmp-server/v2/services"
SOAP_TYPE = "application/soap+xml; charset=UTF-8"

Answer = WireResponse | Callable[[WireRequest], WireResponse] | BaseException


class ScriptedDmp:
    """Records requests; answers each with the next queued response (or raises it)."""

    def __init__(self) -> None:
        self.wires: list[WireRequest] = []
        self.requests: list[SoapRequest] = []
        self._answers: deque[Answer] = deque()

    def reply(self, body: bytes, *, content_type: str = SOAP_TYPE, status: int = 200) -> None:
        self._answers.append(WireResponse(status, content_type, body))

    def reply_official(self, name: str) -> None:
        """Answer with the envelope of the official DMP message ``name``."""
        self.reply(kit.envelope_bytes(name))

    def reply_with(self, answer: Answer) -> None:
        self._answers.append(answer)

    def __call__(self, wire: WireRequest) -> WireResponse:
        self.wires.append(wire)
        self.requests.append(decode_request(wire))
        if not self._answers:
            raise AssertionError("the client sent a request the test did not expect")
        answer = self._answers.popleft()
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(wire)
        return answer

    @property
    def last(self) -> SoapRequest:
        return self.requests[-1]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("dmp-pki") / "pki")


@pytest.fixture(scope="session")
def signer(pki: Pki) -> Signer:
    return Signer.from_pki(pki)


@pytest.fixture
def dmp() -> ScriptedDmp:
    return ScriptedDmp()


@pytest.fixture
def client(dmp: ScriptedDmp, signer: Signer) -> DmpClient:
    return DmpClient.with_signer(
        InProcessTransport(dmp),
        DmpEndpoints.from_base_url(BASE_URL),
        signer=signer,
        lps=LPS,
        content_type_code=ACTIVITY,
    )
