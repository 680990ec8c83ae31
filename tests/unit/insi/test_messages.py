"""INSi messages: the official pair read and written back, forged answers refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from esante.identity import check_ins
from esante.identity.errors import InsiMessageError
from esante.identity.insi import (
    InsiIndividual,
    InsiTraits,
    InsRecord,
    LunarDate,
    Resultat,
    ResultCode,
    TraitsQuery,
    VitaleQuery,
    build_request_body,
    build_resultat,
    parse_contexte_bam,
    parse_contexte_lps,
    parse_request_body,
    parse_resultat,
)
from esante.insi import (
    InsiAnswerError,
    InsiClient,
    LpsIdentity,
    Professional,
    professional_assertion,
)
from esante.safexml import parse_xml
from esante.transport import (
    SOAP12_NS,
    InProcessTransport,
    SoapResponse,
    WireRequest,
    WireResponse,
    build_envelope,
    encode_response,
)
from tests.conftest import shared_path

S = f"{{{SOAP12_NS}}}"


def _official(kind: str) -> etree._Element:
    path = shared_path("dmp-kit", "messages", f"WS_INS2_rechercherInsAvecTraitsIdentite_{kind}.xml")
    return parse_xml(path.read_bytes(), what=kind)


def _local(element: etree._Element) -> list[tuple[str, str]]:
    return [
        (etree.QName(e).localname, (e.text or "").strip())
        for e in element.iter()
        if isinstance(e.tag, str)
    ]


def test_the_official_request_body_is_read_and_written_back_field_by_field() -> None:
    body = _official("requete").find(f"{S}Body")[0]  # type: ignore[index]
    query = parse_request_body(body)
    assert isinstance(query, TraitsQuery)
    rebuilt = build_request_body(query)
    print(list(zip(_local(body), _local(rebuilt), strict=True)))
    assert _local(rebuilt) == _local(body)
    assert rebuilt.tag == body.tag


def test_the_official_contexts_are_read() -> None:
    header = _official("requete").find(f"{S}Header")
    assert header is not None
    bam = parse_contexte_bam(header.find("{urn:siram:bam:ctxbam}ContexteBAM"))  # type: ignore[arg-type]
    lps = parse_contexte_lps(header.find("{urn:siram:lps:ctxlps}ContexteLPS"))  # type: ignore[arg-type]
    assert bam.emitter == lps.emitter
    assert bam.time.tzinfo is not None
    assert lps.authorisation


def test_the_official_answer_is_read_and_its_structure_written_back() -> None:
    resultat_element = _official("reponse").find(f"{S}Body")[0]  # type: ignore[index]
    resultat = parse_resultat(resultat_element)
    assert resultat.code is ResultCode.FOUND
    assert resultat.individual is not None
    number = resultat_element.findtext(".//{*}NumIdentifiant")
    key = resultat_element.findtext(".//{*}Cle")
    assert resultat.individual.ins.matricule == f"{number}{key}"
    rebuilt = {name for name, _ in _local(build_resultat(resultat))}
    assert {name for name, _ in _local(resultat_element)} <= rebuilt


def test_a_carte_vitale_query_round_trips() -> None:
    query = VitaleQuery.from_card(
        insured_nir="2920621231999 87", birth_date="2025-00-00", beneficiary_nir=None
    )
    assert parse_request_body(build_request_body(query)) == query


def _answer_with(resultat: etree._Element) -> InProcessTransport:
    def handle(_: WireRequest) -> WireResponse:
        return encode_response(SoapResponse(envelope=build_envelope(resultat), status_code=200))

    return InProcessTransport(handle)


def _client(transport: InProcessTransport) -> InsiClient:
    professional = Professional("899700000001", lambda: professional_assertion("1", issuer="x"))
    return InsiClient(
        transport,
        "https://insi.invalid/ICIR",
        lps=LpsIdentity("A", "1", "esante", "t"),
        professional=professional,
        clock=lambda: datetime(2026, 12, 6, tzinfo=UTC),
    )


def _found() -> Resultat:
    traits = InsiTraits("PATB-QUATRE", "LAURENCE", "LAURENCE", "F", LunarDate("1907-05-25"))
    ins = check_ins("207058575627097", "1.2.250.1.213.1.4.8")
    return Resultat(ResultCode.FOUND, "OK", InsiIndividual(InsRecord(ins), traits))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<ns2:Cle>97<", b"<ns2:Cle>98<"),  # key altered
        (b"<ns2:CodeCR>00<", b"<ns2:CodeCR>03<"),  # unknown code
        (b"<ns2:CodeCR>00<", b"<ns2:CodeCR>01<"),  # an identity with "none found"
        (b"<ns2:OID>1.2.250.1.213.1.4.8<", b"<ns2:OID>1.2.3<"),  # not an INS OID
        (b"<ns2:Sexe>F<", b"<ns2:Sexe>I<"),
    ],
)
def test_a_forged_answer_is_refused(old: bytes, new: bytes) -> None:
    text = etree.tostring(build_resultat(_found()))
    assert old in text
    forged = etree.fromstring(text.replace(old, new))
    with pytest.raises(InsiAnswerError):
        _client(_answer_with(forged)).search_traits(
            TraitsQuery("PATB-QUATRE", ("LAURENCE",), "F", date(1907, 5, 25))
        )


def test_a_genuine_answer_is_accepted() -> None:
    answer = _client(_answer_with(build_resultat(_found()))).search_traits(
        TraitsQuery("Patb-Quatre", ("Laurence",), "f", date(1907, 5, 25))
    )
    assert answer.found
    assert answer.resultat == _found()


@pytest.mark.parametrize(
    "body",
    [
        b"<x:RECSANSVITALE xmlns:x='http://www.cnamts.fr/INSiRecSans'><x:Prenom>A</x:Prenom>"
        b"</x:RECSANSVITALE>",
        b"<x:RECSANSVITALE xmlns:x='http://www.cnamts.fr/INSiRecSans'><x:Sexe>F</x:Sexe>"
        b"<x:NomNaissance>A</x:NomNaissance><x:Prenom>B</x:Prenom>"
        b"<x:DateNaissance>2000-01-01</x:DateNaissance></x:RECSANSVITALE>",
        b"<x:RECVITALE xmlns:x='http://www.cnamts.fr/INSiRecVit'>"
        b"<x:DateNaissance>2000-01-01</x:DateNaissance><x:RangNaissance>1</x:RangNaissance>"
        b"</x:RECVITALE>",
    ],
)
def test_malformed_request_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(InsiMessageError):
        parse_request_body(etree.fromstring(body))


def _shape(envelope: etree._Element) -> list[tuple[str, ...]]:
    """Each header block and body element: its local name, its children's local names."""
    shape = []
    for part in ("Header", "Body"):
        container = envelope.find(f"{S}{part}")
        assert container is not None
        for block in container:
            if isinstance(block.tag, str):
                children = [etree.QName(c).localname for c in block if isinstance(c.tag, str)]
                shape.append((part, etree.QName(block).localname, *children))
    return shape


def test_the_request_sent_has_the_official_request_structure() -> None:
    official = _official("requete")
    sent: list[WireRequest] = []

    def handle(wire: WireRequest) -> WireResponse:
        sent.append(wire)
        return encode_response(
            SoapResponse(envelope=build_envelope(build_resultat(_found())), status_code=200)
        )

    body = official.find(f"{S}Body")[0]  # type: ignore[index]
    query = parse_request_body(body)
    assert isinstance(query, TraitsQuery)
    _client(InProcessTransport(handle)).search_traits(query)
    ours = _shape(parse_xml(sent[0].body, what="requête"))
    theirs = _shape(official)
    for mine, official_part in zip(ours, theirs, strict=True):
        print(f"{' / '.join(official_part):<70} | {' / '.join(mine)}")
    assert ours == theirs
