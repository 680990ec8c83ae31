"""Failures become DmpErrors that say: retry or not, outcome certain or not, which DMP code."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from esante.dmp import (
    DmpClient,
    DmpCommunicationError,
    DmpError,
    DmpRejectedError,
    DmpUnavailableError,
    DmpUncertainOutcomeError,
    french_message,
)
from esante.transport import (
    NetworkError,
    TlsError,
    TransportError,
    TransportTimeoutError,
    build_fault,
)
from tests.unit.dmp import official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT, PATIENT, cda


class ConnectTimeout(Exception):  # noqa: N818 - named like httpx's, which the client recognises
    """Stands for httpx.ConnectTimeout: raised before the request left."""


class ReadTimeout(Exception):  # noqa: N818
    """Stands for httpx.ReadTimeout: raised while waiting for the answer."""


def _failure(error: TransportError, cause: BaseException) -> TransportError:
    try:
        raise error from cause
    except TransportError as raised:
        return raised


Call = Callable[[DmpClient], object]
WRITE: Call = lambda c: c.submit(PATIENT, cda(), actor=DOCTOR)  # noqa: E731
READ: Call = lambda c: c.find_documents(KIT_PATIENT, actor=DOCTOR)  # noqa: E731


def _timeout(cause: BaseException) -> TransportError:
    return _failure(TransportTimeoutError("Le service distant ne répond pas."), cause)


@pytest.mark.parametrize(
    ("call", "failure", "kind", "uncertain"),
    [
        (WRITE, _timeout(ReadTimeout()), DmpUncertainOutcomeError, True),
        (WRITE, _timeout(ConnectTimeout()), DmpUnavailableError, False),
        (READ, _timeout(ReadTimeout()), DmpUnavailableError, False),
        (
            WRITE,
            _failure(NetworkError("Le service distant est injoignable."), OSError()),
            DmpUncertainOutcomeError,
            True,
        ),
    ],
    ids=["write-read-timeout", "write-connect-timeout", "read-timeout", "write-connection-lost"],
)
def test_timeouts_and_network_failures(
    client: DmpClient,
    dmp: ScriptedDmp,
    call: Call,
    failure: TransportError,
    kind: type[DmpError],
    uncertain: bool,
) -> None:
    dmp.reply_with(failure)
    with pytest.raises(kind) as caught:
        call(client)
    error = caught.value
    assert type(error) is kind
    assert error.is_transient
    assert error.outcome_uncertain is uncertain
    assert error.__cause__ is failure
    if uncertain:
        assert "on ne sait pas si la demande a été prise en compte" in error.message


@pytest.mark.parametrize(
    ("status", "kind", "uncertain"),
    [(503, DmpUnavailableError, False), (500, DmpUncertainOutcomeError, True)],
)
def test_http_server_errors(
    client: DmpClient, dmp: ScriptedDmp, status: int, kind: type[DmpError], uncertain: bool
) -> None:
    dmp.reply(b"", status=status, content_type="text/html")
    with pytest.raises(kind) as caught:
        WRITE(client)
    assert caught.value.is_transient
    assert caught.value.outcome_uncertain is uncertain
    assert str(status) in caught.value.message


def test_permanent_transport_failures(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(b"<html>interdit</html>", status=403, content_type="text/html")
    with pytest.raises(DmpCommunicationError) as caught:
        READ(client)
    assert not caught.value.is_transient
    assert "403" in caught.value.message
    dmp.reply_with(TlsError("Connexion sécurisée (TLS) refusée."))
    with pytest.raises(DmpCommunicationError, match="TLS") as caught:
        READ(client)
    assert not caught.value.is_transient


def test_sender_fault_carries_the_dmp_code(client: DmpClient, dmp: ScriptedDmp) -> None:
    fault = build_fault(
        "Sender", "Accès refusé au DMP de ce patient", subcodes=["{urn:dmp:erreurs}DMPAccesRefuse"]
    )
    dmp.reply(fault.to_bytes(), status=400)
    with pytest.raises(DmpRejectedError) as caught:
        READ(client)
    error = caught.value
    assert error.code == "DMPAccesRefuse"
    assert "Accès refusé au DMP de ce patient" in error.message
    assert not error.is_transient
    assert error.transaction == "TD3.1"


def test_fault_code_from_the_detail(client: DmpClient, dmp: ScriptedDmp) -> None:
    code = etree.Element("{urn:dmp:erreurs}code")
    code.text = "DMP_3310 document inconnu"
    fault = build_fault("Sender", "Document inconnu", detail=[code])
    dmp.reply(fault.to_bytes(), status=400)
    with pytest.raises(DmpRejectedError) as caught:
        READ(client)
    assert caught.value.code == "DMP_3310"


def test_receiver_fault_is_transient(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(build_fault("Receiver", "Service momentanément indisponible").to_bytes(), status=500)
    with pytest.raises(DmpUnavailableError) as caught:
        WRITE(client)
    assert caught.value.is_transient
    assert not caught.value.outcome_uncertain  # the DMP says it did not process it
    assert "Service momentanément indisponible" in caught.value.message


def test_unreadable_answer_to_a_write_is_uncertain(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(b"<soap:Envelope")
    with pytest.raises(DmpCommunicationError) as caught:
        WRITE(client)
    assert not caught.value.is_transient
    assert caught.value.outcome_uncertain


def test_answer_of_another_transaction_is_unexpected(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD02)
    with pytest.raises(DmpCommunicationError) as caught:
        WRITE(client)
    assert caught.value.outcome_uncertain
    assert "PRPA_IN201308UV02" in (caught.value.detail or "")


def test_french_messages() -> None:
    assert (
        french_message("XDSUnknownPatientId") == "Ce patient n'a pas de DMP (INS inconnu du DMP)."
    )
    assert french_message("XDSUnknownPatientId", "INS 123 inconnu") == (
        "Ce patient n'a pas de DMP (INS inconnu du DMP). Détail du DMP : INS 123 inconnu"
    )
    assert french_message("DMP_42", None) == "Le DMP a refusé la demande (code DMP_42)."
    assert french_message(None) == "Le DMP a refusé la demande."
