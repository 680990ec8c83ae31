"""FETCH attributes and SEARCH keys (RFC 3501 §6.4.4, §6.4.5, §9): parse, then apply.

:func:`parse_fetch` turns the attribute tokens into :class:`FetchItem` values (macros
``ALL``/``FAST``/``FULL`` expanded) and :func:`fetch_value` renders one attribute of one
message. :func:`parse_search` compiles the search keys into a predicate over
:class:`MessageView` (a message with lazily read bytes). Pure: the server supplies the
messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from esante.sandbox.mss.errors import ImapProtocolError
from esante.sandbox.mss.imap_syntax import (
    Atom,
    SequenceSet,
    Token,
    as_list,
    as_string,
    format_date_time,
    in_sequence_set,
    literal,
    parse_search_date,
    parse_sequence_set,
)
from esante.sandbox.mss.mime import Entity, body_structure, envelope, find_part, parse_entity
from esante.sandbox.mss.store import StoredMessage

_SECTION = re.compile(
    r"^(?P<name>BODY(?:\.PEEK)?|BINARY(?:\.PEEK)?)\[(?P<section>[^\]]*)\](?:<(?P<start>\d+)(?:\.(?P<count>\d+))?>)?$",
    re.IGNORECASE,
)
_SIMPLE = {
    "UID",
    "FLAGS",
    "INTERNALDATE",
    "RFC822.SIZE",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.TEXT",
    "ENVELOPE",
    "BODYSTRUCTURE",
    "BODY",
}
_MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}


@dataclass(frozen=True)
class FetchItem:
    """One FETCH attribute; ``section`` is set for ``BODY[...]``."""

    name: str
    section: str | None = None
    path: tuple[int, ...] = ()
    text: str | None = None
    """``HEADER``, ``HEADER.FIELDS``, ``HEADER.FIELDS.NOT``, ``TEXT``, ``MIME`` or None."""
    fields: tuple[str, ...] = ()
    start: int | None = None
    count: int | None = None
    peek: bool = False

    @property
    def sets_seen(self) -> bool:
        return (self.section is not None and not self.peek) or self.name in (
            "RFC822",
            "RFC822.TEXT",
        )

    @property
    def needs_content(self) -> bool:
        return self.name not in ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE")


def parse_fetch(tokens: list[Token]) -> list[FetchItem]:
    """The attributes of ``FETCH <set> <attributes>`` (one atom, or a list)."""
    if len(tokens) != 1:
        raise ImapProtocolError("Attributs FETCH invalides.", detail="expected one item or list")
    raw = tokens[0]
    atoms = raw if isinstance(raw, list) else [raw]
    if isinstance(raw, Atom) and raw.upper in _MACROS:
        return [FetchItem(name) for name in _MACROS[raw.upper]]
    items = []
    for atom in atoms:
        if not isinstance(atom, Atom):
            raise ImapProtocolError("Attribut FETCH invalide.", detail="not an atom")
        items.append(_fetch_item(atom.value))
    if not items:
        raise ImapProtocolError("Attributs FETCH manquants.", detail="empty list")
    return items


def _fetch_item(text: str) -> FetchItem:
    upper = text.upper()
    if upper in _SIMPLE:
        return FetchItem(upper)
    found = _SECTION.match(text)
    if found is None:
        raise ImapProtocolError("Attribut FETCH inconnu.", detail=text[:60])
    name = found.group("name").upper()
    if name.startswith("BINARY"):
        raise ImapProtocolError("BINARY n'est pas pris en charge.", detail=name)
    section = found.group("section")
    path: list[int] = []
    rest = section
    while rest:
        head, _, tail = rest.partition(".")
        if not head.isdigit():
            break
        if int(head) == 0:
            raise ImapProtocolError("Section invalide.", detail=section[:60])
        path.append(int(head))
        rest = tail
    text_part: str | None = None
    fields: tuple[str, ...] = ()
    if rest:
        spec, _, field_list = rest.partition(" ")
        text_part = spec.upper()
        if text_part in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
            names = field_list.strip()
            if not (names.startswith("(") and names.endswith(")")):
                raise ImapProtocolError("Liste de champs invalide.", detail=section[:60])
            fields = tuple(n.strip('"').upper() for n in names[1:-1].split() if n)
            if not fields:
                raise ImapProtocolError("Liste de champs vide.", detail=section[:60])
        elif text_part not in ("HEADER", "TEXT", "MIME") or field_list:
            raise ImapProtocolError("Section invalide.", detail=section[:60])
        if text_part == "MIME" and not path:
            raise ImapProtocolError("MIME demande un numéro de partie.", detail=section[:60])
    start = found.group("start")
    count = found.group("count")
    return FetchItem(
        name="BODY",
        section=" ".join(section.upper().split()),
        path=tuple(path),
        text=text_part,
        fields=fields,
        start=int(start) if start is not None else None,
        count=int(count) if count is not None else None,
        peek=name.endswith(".PEEK"),
    )


def header_fields(header: bytes, names: tuple[str, ...], *, exclude: bool) -> bytes:
    """The header lines (with continuations) whose name is (not) in ``names``."""
    wanted = {n.upper() for n in names}
    out: list[bytes] = []
    keep = False
    for line in header.splitlines(keepends=True):
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().decode("ascii", "replace").upper()
        keep = (name in wanted) != exclude
        if keep:
            out.append(line)
    return b"".join(out) + b"\r\n"


@dataclass
class MessageView:
    """A stored message with its bytes and structure read only when needed."""

    sequence: int
    stored: StoredMessage
    reader: Callable[[], bytes]
    _raw: bytes | None = field(default=None, repr=False)
    _entity: Entity | None = field(default=None, repr=False)
    _headers: Message | None = field(default=None, repr=False)

    @property
    def uid(self) -> int:
        return self.stored.uid

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = self.reader()
        return self._raw

    @property
    def entity(self) -> Entity:
        if self._entity is None:
            self._entity = parse_entity(self.raw)
        return self._entity

    @property
    def headers(self) -> Message:
        if self._headers is None:
            self._headers = self.entity.fields
        return self._headers


def _section_bytes(item: FetchItem, view: MessageView) -> bytes | None:
    if item.section == "":
        return view.raw
    part = find_part(view.entity, item.path) if item.path else view.entity
    if part is None:
        return None
    text = item.text
    if text is None:
        return part.body if item.path else view.raw
    if text == "MIME":
        return part.header
    target = part
    if item.path:
        if not part.is_message or part.message is None:
            return None
        target = part.message
    if text == "HEADER":
        return target.header
    if text == "TEXT":
        return target.body
    return header_fields(target.header, item.fields, exclude=text == "HEADER.FIELDS.NOT")


def fetch_value(item: FetchItem, view: MessageView, flags: frozenset[str]) -> bytes:
    """``NAME value`` for one attribute of one message (IMAP syntax, bytes)."""
    stored = view.stored
    if item.name == "UID":
        return b"UID %d" % stored.uid
    if item.name == "FLAGS":
        return b"FLAGS (" + " ".join(sorted(flags)).encode("ascii") + b")"
    if item.name == "INTERNALDATE":
        return b"INTERNALDATE " + format_date_time(stored.internal_date).encode("ascii")
    if item.name == "RFC822.SIZE":
        return b"RFC822.SIZE %d" % len(view.raw)
    if item.name == "RFC822":
        return b"RFC822 " + literal(view.raw)
    if item.name == "RFC822.HEADER":
        return b"RFC822.HEADER " + literal(view.entity.header)
    if item.name == "RFC822.TEXT":
        return b"RFC822.TEXT " + literal(view.entity.body)
    if item.name == "ENVELOPE":
        return b"ENVELOPE " + envelope(view.entity).encode("ascii")
    if item.name == "BODYSTRUCTURE":
        return b"BODYSTRUCTURE " + body_structure(view.entity).encode("ascii")
    if item.section is None:  # BODY without section: the non-extensible structure
        return b"BODY " + body_structure(view.entity, extended=False).encode("ascii")
    data = _section_bytes(item, view) or b""
    label = f"BODY[{item.section}]"
    if item.start is not None:
        label += f"<{item.start}>"
        end = None if item.count is None else item.start + item.count
        data = data[item.start : end]
    return label.encode("ascii") + b" " + literal(data)


# --- SEARCH ------------------------------------------------------------------------------

Predicate = Callable[[MessageView, frozenset[str], int, int], bool]
"""(message, flags, largest sequence number, largest UID) → matches."""

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "FLAGGED": ("\\Flagged", True),
    "SEEN": ("\\Seen", True),
    "DRAFT": ("\\Draft", True),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
    "UNDRAFT": ("\\Draft", False),
}
_HEADER_KEYS = {"FROM", "TO", "CC", "BCC", "SUBJECT"}


def parse_search(tokens: list[Token]) -> Predicate:
    """A predicate for the SEARCH keys (all must match); ``CHARSET x`` first is accepted."""
    items = list(tokens)
    if items and isinstance(items[0], Atom) and items[0].upper == "CHARSET":
        if len(items) < 2:
            raise ImapProtocolError("CHARSET sans valeur.", detail="CHARSET")
        charset = as_string(items[1], "charset").upper()
        if charset not in ("UTF-8", "US-ASCII"):
            raise ImapProtocolError("Jeu de caractères non pris en charge.", detail=charset)
        items = items[2:]
    if not items:
        raise ImapProtocolError("Critère de recherche manquant.", detail="empty SEARCH")
    keys: list[Predicate] = []
    position = 0
    while position < len(items):
        key, position = _search_key(items, position)
        keys.append(key)
    return lambda view, flags, n, u: all(k(view, flags, n, u) for k in keys)


def _search_key(items: list[Token], position: int) -> tuple[Predicate, int]:
    token = items[position]
    position += 1
    if isinstance(token, list):
        inner = parse_search(token) if token else None
        if inner is None:
            raise ImapProtocolError("Groupe de recherche vide.", detail="()")
        return inner, position
    if not isinstance(token, Atom):
        raise ImapProtocolError("Critère de recherche invalide.", detail="string")

    def argument() -> Token:
        nonlocal position
        if position >= len(items):
            raise ImapProtocolError("Argument de recherche manquant.", detail=token.value[:30])
        value = items[position]
        position += 1
        return value

    name = token.upper
    if name == "ALL":
        return (lambda v, f, n, u: True), position
    if name in _FLAG_KEYS:
        flag, present = _FLAG_KEYS[name]
        return (lambda v, f, n, u: (flag in f) == present), position
    if name in ("NEW", "RECENT"):
        return (lambda v, f, n, u: False), position
    if name == "OLD":
        return (lambda v, f, n, u: True), position
    if name in ("KEYWORD", "UNKEYWORD"):
        keyword = as_string(argument(), "mot-clé").lower()
        present = name == "KEYWORD"
        return (lambda v, f, n, u: (keyword in {x.lower() for x in f}) == present), position
    if name in ("BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"):
        when = parse_search_date(as_string(argument(), "date"))
        sent = name.startswith("SENT")
        compare = name.removeprefix("SENT")
        return (lambda v, f, n, u: _compare_date(_date_of(v, sent), when, compare)), position
    if name in ("LARGER", "SMALLER"):
        size = _number(as_string(argument(), "taille"))
        if name == "LARGER":
            return (lambda v, f, n, u: v.stored.size > size), position
        return (lambda v, f, n, u: v.stored.size < size), position
    if name == "UID":
        uids = parse_sequence_set(as_string(argument(), "UID"))
        return (lambda v, f, n, u: in_sequence_set(v.uid, uids, u)), position
    if name == "NOT":
        inner, position = _search_key(items, position)
        return (lambda v, f, n, u: not inner(v, f, n, u)), position
    if name == "OR":
        left, position = _search_key(items, position)
        right, position = _search_key(items, position)
        return (lambda v, f, n, u: left(v, f, n, u) or right(v, f, n, u)), position
    if name in _HEADER_KEYS:
        needle = as_string(argument(), name).lower()
        return (lambda v, f, n, u: _header_contains(v, name, needle)), position
    if name == "HEADER":
        field_name = as_string(argument(), "champ")
        needle = as_string(argument(), "valeur").lower()
        return (lambda v, f, n, u: _header_contains(v, field_name, needle)), position
    if name in ("BODY", "TEXT"):
        needle_bytes = as_string(argument(), name).lower().encode("utf-8")
        if name == "BODY":
            return (lambda v, f, n, u: needle_bytes in v.entity.body.lower()), position
        return (lambda v, f, n, u: needle_bytes in v.raw.lower()), position
    if re.match(r"^[\d*:,]+$", name):
        numbers: SequenceSet = parse_sequence_set(name)
        return (lambda v, f, n, u: in_sequence_set(v.sequence, numbers, n)), position
    raise ImapProtocolError("Critère de recherche inconnu.", detail=name[:30])


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise ImapProtocolError("Nombre attendu.", detail=text[:20])
    return int(text)


def _date_of(view: MessageView, sent: bool) -> date | None:
    if not sent:
        return view.stored.internal_date.astimezone(UTC).date()
    value = view.headers.get("Date")
    if value is None:
        return None
    try:
        parsed: datetime = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return parsed.date()


def _compare_date(value: date | None, when: date, how: str) -> bool:
    if value is None:
        return False
    if how == "BEFORE":
        return value < when
    if how == "ON":
        return value == when
    return value >= when


def _header_contains(view: MessageView, name: str, needle: str) -> bool:
    values = view.headers.get_all(name) or []
    if not needle:
        return bool(values)
    return any(needle in str(value).lower() for value in values)


def parse_headers(raw: bytes) -> Message:
    """Header fields of ``raw`` (used by the server for APPEND checks)."""
    return BytesParser().parsebytes(raw, headersonly=True)


def parse_store_mode(atom: str) -> tuple[str, bool]:
    """``+FLAGS.SILENT`` → (``add``, True)."""
    upper = atom.upper()
    silent = upper.endswith(".SILENT")
    base = upper.removesuffix(".SILENT")
    modes = {"FLAGS": "set", "+FLAGS": "add", "-FLAGS": "remove"}
    if base not in modes:
        raise ImapProtocolError("Mode STORE invalide.", detail=atom[:30])
    return modes[base], silent


def flag_list(tokens: list[Token]) -> list[Token]:
    """The flag tokens of STORE: one list, or atoms."""
    if len(tokens) == 1 and isinstance(tokens[0], list):
        return as_list(tokens[0], "drapeaux")
    return tokens
