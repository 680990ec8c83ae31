"""IMAP4rev1 syntax (RFC 3501 §9): command tokens, sequence sets, dates, strings.

Pure functions over bytes, no I/O: the server reads a command line and its literals
(:class:`CommandLine`), :func:`tokenize` turns them into :data:`Token` values (atoms,
strings from quoted strings or literals, parenthesised lists), and the helpers read
sequence sets, dates and flag lists, or write astrings and literals back. Anything that
breaks the grammar raises :class:`ImapProtocolError`, which the server answers ``BAD``.

An atom keeps a bracketed part whole, spaces included, so that fetch attributes such as
``BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.512>`` arrive as one token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeAlias

from esante.sandbox.mss.errors import ImapProtocolError

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LITERAL_MARKER = re.compile(rb"\{(\d{1,10})(\+?)\}$")
# atom-specials less the list wildcards, "]" and "\\" (allowed in sequence sets, LIST
# patterns, astrings and system flags)
_ATOM_SPECIALS = set(b'(){ "') | set(range(0, 32)) | {127}
_SAFE_ATOM = re.compile(r"^[A-Za-z0-9!#$&'+,\-./:;<=>?@^_`|~]+$")
_DATE_TIME = re.compile(
    r"^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$"
)
MAX_TOKENS = 10_000
MAX_NESTING = 20


@dataclass(frozen=True)
class Atom:
    """An atom (also ``NIL``, numbers, flags, fetch attributes with their brackets)."""

    value: str

    @property
    def upper(self) -> str:
        return self.value.upper()


Token: TypeAlias = "Atom | bytes | list[Token]"  # noqa: S105 - a type, not a password


@dataclass
class CommandLine:
    """A command as read: text segments, each but the last ending with a literal marker
    ``{n}`` whose ``n`` octets are ``literals[i]``."""

    segments: list[bytes] = field(default_factory=list)
    literals: list[bytes] = field(default_factory=list)


def literal_size(segment: bytes) -> tuple[int, bool] | None:
    """(size, non-synchronizing) when ``segment`` ends with a literal marker."""
    found = LITERAL_MARKER.search(segment)
    if found is None:
        return None
    return int(found.group(1)), bool(found.group(2))


def tokenize(line: CommandLine) -> list[Token]:
    """The tokens of a whole command line (tag and command included)."""
    stack: list[list[Token]] = [[]]
    count = 0
    for index, segment in enumerate(line.segments):
        has_literal = index < len(line.literals)
        text = segment
        if has_literal:
            marker = LITERAL_MARKER.search(text)
            if marker is None:
                raise ImapProtocolError("Littéral mal formé.", detail="missing {n} marker")
            text = text[: marker.start()]
        position = 0
        length = len(text)
        while position < length:
            char = text[position]
            if char == 0x20:
                position += 1
                continue
            count += 1
            if count > MAX_TOKENS:
                raise ImapProtocolError("Commande trop longue.", detail="too many tokens")
            if char == 0x28:  # (
                if len(stack) > MAX_NESTING:
                    raise ImapProtocolError("Commande trop imbriquée.", detail="nesting")
                new: list[Token] = []
                stack[-1].append(new)
                stack.append(new)
                position += 1
            elif char == 0x29:  # )
                if len(stack) == 1:
                    raise ImapProtocolError("Parenthèse fermante inattendue.", detail=")")
                stack.pop()
                position += 1
            elif char == 0x22:  # "
                value, position = _quoted(text, position)
                stack[-1].append(value)
            else:
                value_text, position = _atom(text, position)
                stack[-1].append(Atom(value_text))
        if has_literal:
            stack[-1].append(line.literals[index])
    if len(stack) != 1:
        raise ImapProtocolError("Parenthèse non fermée.", detail="unbalanced (")
    return stack[0]


def _quoted(text: bytes, position: int) -> tuple[bytes, int]:
    out = bytearray()
    position += 1
    while position < len(text):
        char = text[position]
        if char == 0x5C:  # backslash
            if position + 1 >= len(text) or text[position + 1] not in (0x5C, 0x22):
                raise ImapProtocolError("Chaîne mal formée.", detail="bad escape")
            out.append(text[position + 1])
            position += 2
        elif char == 0x22:
            return bytes(out), position + 1
        else:
            out.append(char)
            position += 1
    raise ImapProtocolError("Chaîne non terminée.", detail='missing closing "')


def _atom(text: bytes, position: int) -> tuple[str, int]:
    start = position
    depth = 0
    while position < len(text):
        char = text[position]
        if char == 0x5B:  # [
            depth += 1
        elif char == 0x5D:  # ]
            depth = max(0, depth - 1)
        elif (depth == 0 and char in _ATOM_SPECIALS) or char in (0x0D, 0x0A):
            break
        position += 1
    if depth:
        raise ImapProtocolError("Crochet non fermé.", detail="[")
    if position == start:
        raise ImapProtocolError("Caractère inattendu.", detail=f"byte {text[position]:#x}")
    # a partial specifier <a.b> right after the bracket belongs to the atom
    if position < len(text) and text[position : position + 1] == b"<":
        end = text.find(b">", position)
        if end == -1:
            raise ImapProtocolError("Spécificateur partiel mal formé.", detail="<")
        position = end + 1
    return text[start:position].decode("utf-8", "replace"), position


# --- reading argument values ------------------------------------------------------------


def as_string(token: Token, what: str) -> str:
    """An astring argument (atom, quoted string or literal) as text."""
    if isinstance(token, Atom):
        return token.value
    if isinstance(token, bytes):
        return token.decode("utf-8", "replace")
    raise ImapProtocolError(f"Argument {what} attendu.", detail=f"{what}: list given")


def as_atom(token: Token, what: str) -> str:
    if not isinstance(token, Atom):
        raise ImapProtocolError(f"Argument {what} attendu.", detail=f"{what}: not an atom")
    return token.value


def as_list(token: Token, what: str) -> list[Token]:
    if not isinstance(token, list):
        raise ImapProtocolError(f"Liste {what} attendue.", detail=f"{what}: not a list")
    return token


SequenceSet: TypeAlias = "list[tuple[int | None, int | None]]"
"""Ranges; ``None`` stands for ``*`` (the largest number in use)."""

_SEQ = re.compile(r"^(\d+|\*)(?::(\d+|\*))?$")


def parse_sequence_set(text: str) -> SequenceSet:
    """``1:3,5,7:*`` → ranges (``None`` = ``*``)."""
    ranges: SequenceSet = []
    if not text or len(text) > 10_000:
        raise ImapProtocolError("Ensemble de messages invalide.", detail="empty or too long")
    for item in text.split(","):
        found = _SEQ.match(item)
        if found is None:
            raise ImapProtocolError("Ensemble de messages invalide.", detail=item[:40])
        low = None if found.group(1) == "*" else int(found.group(1))
        high_text = found.group(2)
        high = low if high_text is None else (None if high_text == "*" else int(high_text))
        if low == 0 or high == 0:
            raise ImapProtocolError("Ensemble de messages invalide.", detail="0 is not a number")
        ranges.append((low, high))
    return ranges


def in_sequence_set(value: int, ranges: SequenceSet, largest: int) -> bool:
    """Whether ``value`` is in ``ranges`` when ``*`` is ``largest``."""
    for low, high in ranges:
        a = largest if low is None else low
        b = largest if high is None else high
        if min(a, b) <= value <= max(a, b):
            return True
    return False


def parse_search_date(text: str) -> date:
    """An IMAP date (``1-Feb-2024``, ``01-Feb-2024``)."""
    parts = text.strip('"').split("-")
    try:
        day, month, year = int(parts[0]), MONTHS.index(parts[1].capitalize()) + 1, int(parts[2])
        return date(year, month, day)
    except (IndexError, ValueError) as exc:
        raise ImapProtocolError("Date invalide.", detail=text[:30]) from exc


def parse_date_time(text: str) -> datetime:
    """An IMAP date-time (``17-Jul-1996 02:44:25 -0700``)."""
    found = _DATE_TIME.match(text)
    if found is None:
        raise ImapProtocolError("Date et heure invalides.", detail=text[:40])
    try:
        offset = timedelta(hours=int(found.group(8)), minutes=int(found.group(9)))
        zone = timezone(offset if found.group(7) == "+" else -offset)
        return datetime(
            int(found.group(3)),
            MONTHS.index(found.group(2).capitalize()) + 1,
            int(found.group(1)),
            int(found.group(4)),
            int(found.group(5)),
            int(found.group(6)),
            tzinfo=zone,
        ).astimezone(UTC)
    except ValueError as exc:
        raise ImapProtocolError("Date et heure invalides.", detail=text[:40]) from exc


def format_date_time(value: datetime) -> str:
    """INTERNALDATE form: ``"17-Jul-1996 02:44:25 +0000"`` (quoted)."""
    moment = value.astimezone(UTC)
    month = MONTHS[moment.month - 1]
    return f'"{moment.day:02d}-{month}-{moment.year:04d} {moment:%H:%M:%S} +0000"'


def parse_flags(token: Token) -> list[str]:
    """A flag list ``(\\Seen $Label)`` or a single flag."""
    items = token if isinstance(token, list) else [token]
    flags = []
    for item in items:
        flags.append(as_atom(item, "drapeau"))
    return flags


def astring(value: str) -> bytes:
    """``value`` as an atom, a quoted string, or a literal when it must be."""
    if _SAFE_ATOM.match(value) and value.upper() != "NIL":
        return value.encode("ascii")
    raw = value.encode("utf-8")
    if any(b > 127 or b in (0x0D, 0x0A, 0x00) for b in raw):
        return literal(raw)
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data
