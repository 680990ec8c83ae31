"""The value syntax of ITI-18 stored-query parameters (ITI TF-2a §3.18.4.1.2.3.7.x).

Strings are quoted (``'value'``, a quote doubled inside), lists are parenthesised
(``('a','b')``, possibly split over several ``Value`` elements of one slot), coded
values are ``code^^codingScheme``, times are bare DTM digits (``20240105``).
"""

from __future__ import annotations

from collections.abc import Sequence

from esante.xds.errors import XdsFormatError
from esante.xds.metadata import Code


def quote(value: str) -> str:
    """``'value'`` with inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def format_list(values: Sequence[str]) -> str:
    """``('a','b')``."""
    return "(" + ",".join(quote(v) for v in values) + ")"


def format_code(code: Code) -> str:
    """``code^^codingScheme`` (the stored-query form of a coded value)."""
    return f"{code.code}^^{code.coding_scheme}"


def parse_code(value: str) -> Code:
    """Read ``code^^codingScheme`` (a bare code gives an empty scheme)."""
    parts = value.split("^")
    return Code(parts[0], parts[2] if len(parts) > 2 else "")


def parse_values(text: str) -> list[str]:
    """The items of one ``Value``: ``'a'``, ``('a','b')`` or bare ``20200101``.

    Raises :class:`XdsFormatError` for unbalanced quotes or parentheses.
    """
    text = text.strip()
    if text.startswith("("):
        if not text.endswith(")"):
            raise _syntax(text, "unbalanced parenthesis")
        text = text[1:-1]
    items: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == "'":
            i += 1
            buf: list[str] = []
            while True:
                if i >= n:
                    raise _syntax(text, "unterminated quoted string")
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            items.append("".join(buf))
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            items.append(text[i:end].strip())
            i = end
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n:
            if text[i] != ",":
                raise _syntax(text, f"unexpected {text[i]!r}")
            i += 1
    return items


def _syntax(text: str, why: str) -> XdsFormatError:
    return XdsFormatError(
        "Paramètre de recherche mal formé.", detail=f"stored query value {text!r}: {why}"
    )
