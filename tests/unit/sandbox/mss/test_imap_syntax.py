"""The IMAP parser of the MSSanté sandbox: tokens, literals, sets, dates, FETCH, SEARCH."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from esante.sandbox.mss.errors import ImapProtocolError
from esante.sandbox.mss.imap_query import (
    FetchItem,
    MessageView,
    fetch_value,
    header_fields,
    parse_fetch,
    parse_search,
    parse_store_mode,
)
from esante.sandbox.mss.imap_syntax import (
    Atom,
    CommandLine,
    astring,
    format_date_time,
    in_sequence_set,
    literal_size,
    parse_date_time,
    parse_search_date,
    parse_sequence_set,
    tokenize,
)
from esante.sandbox.mss.store import StoredMessage

RAW = (
    b"From: Dr A <a@x.mssante.fr>\r\n"
    b"To: b@y.mssante.fr\r\n"
    b"Subject: XDM/1.0/DDM+CR\r\n"
    b"Date: Mon, 02 Feb 2026 10:00:00 +0100\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"Bonjour docteur\r\n"
    b"--b1\r\n"
    b"Content-Type: application/zip\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename=IHE_XDM.ZIP\r\n"
    b"\r\n"
    b"UEsDBA==\r\n"
    b"--b1--\r\n"
)


def _line(*parts: bytes) -> CommandLine:
    segments = [p for p in parts if not p.startswith(b"LIT:")]
    literals = [p[4:] for p in parts if p.startswith(b"LIT:")]
    return CommandLine(segments, literals)


def _view(raw: bytes = RAW, uid: int = 7, sequence: int = 1) -> MessageView:
    stored = StoredMessage(uid, frozenset(), datetime(2026, 2, 2, 9, 0, tzinfo=UTC), len(raw))
    return MessageView(sequence, stored, lambda: raw)


def test_tokens_atoms_strings_lists_and_brackets() -> None:
    tokens = tokenize(
        _line(b'a1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>) "q \\"x\\""')
    )
    assert tokens[:4] == [Atom("a1"), Atom("UID"), Atom("FETCH"), Atom("1:*")]
    assert tokens[4] == [Atom("FLAGS"), Atom("BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>")]
    assert tokens[5] == b'q "x"'
    flags = tokenize(_line(b"t STORE 1 +FLAGS (\\Seen $Processed)"))
    assert flags[-1] == [Atom("\\Seen"), Atom("$Processed")]


def test_literals_are_strings_wherever_they_stand() -> None:
    assert literal_size(b"a LOGIN {5}") == (5, False)
    assert literal_size(b"a APPEND INBOX {12+}") == (12, True)
    assert literal_size(b"a LOGIN user") is None
    tokens = tokenize(_line(b"a LOGIN {4}", b"LIT:us\r\n", b" {3}", b"LIT:p w", b""))
    assert tokens == [Atom("a"), Atom("LOGIN"), b"us\r\n", b"p w"]


@pytest.mark.parametrize(
    "line",
    [b'a LOGIN "unterminated', b"a FETCH (1 2", b"a FETCH 1)", b"a X BODY[HEADER", b'a "\\q"'],
)
def test_malformed_lines_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(ImapProtocolError):
        tokenize(_line(line))


def test_sequence_sets() -> None:
    ranges = parse_sequence_set("1:3,5,9:*")
    assert [n for n in range(1, 12) if in_sequence_set(n, ranges, 10)] == [1, 2, 3, 5, 9, 10]
    assert in_sequence_set(4, parse_sequence_set("*:4"), 3)  # reversed range, * = 3
    for bad in ("", "0", "1:0", "a", "1,,2", "1:2:3"):
        with pytest.raises(ImapProtocolError):
            parse_sequence_set(bad)


def test_dates_both_ways() -> None:
    assert parse_search_date("1-Feb-2026") == date(2026, 2, 1)
    assert parse_search_date('"01-feb-2026"') == date(2026, 2, 1)
    moment = parse_date_time("17-Jul-1996 02:44:25 -0700")
    assert moment == datetime(1996, 7, 17, 9, 44, 25, tzinfo=UTC)
    assert format_date_time(moment) == '"17-Jul-1996 09:44:25 +0000"'
    with pytest.raises(ImapProtocolError):
        parse_search_date("31-Foo-2026")


def test_astring_quotes_or_makes_literals() -> None:
    assert astring("INBOX") == b"INBOX"
    assert astring("Mes dossiers") == b'"Mes dossiers"'
    assert astring("Traités") == b"{8}\r\nTrait\xc3\xa9s"
    assert astring("NIL") == b'"NIL"'


def test_fetch_items_and_macros() -> None:
    assert [i.name for i in parse_fetch([Atom("FAST")])] == ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
    (item,) = parse_fetch([[Atom("BODY.PEEK[1.MIME]<2.5>")]])
    assert (item.path, item.text, item.start, item.count, item.peek) == ((1,), "MIME", 2, 5, True)
    assert not item.sets_seen
    assert FetchItem("BODY", section="").sets_seen
    for bad in ("BODY[0]", "BODY[FOO]", "BINARY[1]", "WHATEVER", "BODY[MIME]"):
        with pytest.raises(ImapProtocolError):
            parse_fetch([Atom(bad)])


def test_fetch_values_cut_the_exact_bytes() -> None:
    view = _view()

    def value(text: str) -> bytes:
        (item,) = parse_fetch([Atom(text)])
        return fetch_value(item, view, frozenset({"\\Seen"}))

    assert value("BODY.PEEK[]") == b"BODY[] {%d}\r\n" % len(RAW) + RAW
    # the CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1)
    assert value("BODY[1]") == b"BODY[1] {15}\r\nBonjour docteur"
    assert value("BODY[2]") == b"BODY[2] {8}\r\nUEsDBA=="
    assert value("BODY[2.MIME]").endswith(b"filename=IHE_XDM.ZIP\r\n\r\n")
    assert value("BODY[HEADER.FIELDS (SUBJECT)]") == (
        b"BODY[HEADER.FIELDS (SUBJECT)] {27}\r\nSubject: XDM/1.0/DDM+CR\r\n\r\n"
    )
    assert value("BODY[]<0.4>") == b"BODY[]<0> {4}\r\nFrom"
    assert value("FLAGS") == b"FLAGS (\\Seen)"
    assert value("RFC822.SIZE") == b"RFC822.SIZE %d" % len(RAW)
    assert value("INTERNALDATE") == b'INTERNALDATE "02-Feb-2026 09:00:00 +0000"'
    envelope = value("ENVELOPE")
    assert b'"XDM/1.0/DDM+CR"' in envelope
    assert b'(("Dr A" NIL "a" "x.mssante.fr"))' in envelope
    structure = value("BODYSTRUCTURE")
    assert structure.startswith(b'BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 15 0')
    assert b'"APPLICATION" "ZIP"' in structure
    assert b'"MIXED"' in structure


def test_header_fields_not() -> None:
    head = RAW.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    kept = header_fields(head, ("FROM", "TO", "DATE", "CONTENT-TYPE"), exclude=True)
    assert kept == b"Subject: XDM/1.0/DDM+CR\r\n\r\n"


def test_search_keys() -> None:
    view = _view()

    def matches(*tokens: object, flags: frozenset[str] = frozenset()) -> bool:
        predicate = parse_search(list(tokens))  # type: ignore[arg-type]
        return predicate(view, flags, 3, 9)

    assert matches(Atom("ALL"))
    assert matches(Atom("UNSEEN"))
    assert not matches(Atom("UNSEEN"), flags=frozenset({"\\Seen"}))
    assert matches(Atom("SINCE"), Atom("1-Feb-2026"))
    assert not matches(Atom("BEFORE"), Atom("1-Feb-2026"))
    assert matches(Atom("SENTON"), Atom("2-Feb-2026"))
    assert matches(Atom("UID"), Atom("5:*"))
    assert not matches(Atom("UID"), Atom("1:6"))
    assert matches(Atom("SUBJECT"), b"ddm+cr")
    assert matches(Atom("FROM"), b"Dr A")
    assert matches(Atom("OR"), Atom("DELETED"), Atom("TEXT"), b"bonjour")
    assert matches(Atom("NOT"), [Atom("KEYWORD"), Atom("$Processed")])
    assert matches(Atom("CHARSET"), Atom("UTF-8"), Atom("1:2"))
    assert matches(Atom("HEADER"), Atom("Content-Type"), b"multipart")
    assert matches(Atom("LARGER"), Atom("10"))
    assert not matches(Atom("SMALLER"), Atom("10"))
    for bad in ([], [Atom("FOO")], [Atom("SINCE")], [Atom("CHARSET"), Atom("KOI8-R"), Atom("ALL")]):
        with pytest.raises(ImapProtocolError):
            parse_search(bad)  # type: ignore[arg-type]


def test_store_modes() -> None:
    assert parse_store_mode("+FLAGS.SILENT") == ("add", True)
    assert parse_store_mode("flags") == ("set", False)
    assert parse_store_mode("-FLAGS") == ("remove", False)
    with pytest.raises(ImapProtocolError):
        parse_store_mode("*FLAGS")
