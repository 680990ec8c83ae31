"""Accent-, case- and punctuation-insensitive name matching on SQLite and PostgreSQL.

A clinician types ``lefevre`` for *Lefèvre*, ``ndiaye`` for *N'Diaye*, ``jean pierre`` for
*Jean-Pierre*. Both sides are *folded* before comparing: diacritics dropped, ``œ``/``æ``
expanded, lower case, spaces, hyphens and apostrophes removed. :func:`fold` does it in
Python; :func:`folded` is the same transformation as a SQL expression:

- PostgreSQL: ``lower(translate(replace(...œ/æ...), <accented and separators>,
  <base letters>))`` — core functions only, no ``unaccent`` extension to install;
- SQLite: a deterministic function ``esante_fold`` backed by :func:`fold`, registered on
  the connection by :func:`register_sqlite_fold` (SQLite has neither ``translate`` nor a
  Unicode ``lower``, and 60 nested ``replace`` calls overflow its parser).

The expression cannot use an index: a full scan of a practice's patients (tens of
thousands of rows) takes milliseconds. A stored, indexed folded column is the way up if a
deployment ever needs more.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "esante_fold"

_ACCENTED = "àáâäãåçéèêëíìîïñóòôöõúùûüýÿ"
_LIGATURES = {"œ": "oe", "æ": "ae"}
_DROPPED = " -'’‘ʼ‐‑‒–—"  # spaces, hyphens and apostrophes, typographic ones included


def fold(text: str | None) -> str:
    """The folded form of ``text``: ``"N'Diaye-Lefèvre"`` -> ``"ndiayelefevre"``."""
    if not text:
        return ""
    for char, expansion in _LIGATURES.items():
        text = text.replace(char, expansion).replace(char.upper(), expansion)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    for char in _DROPPED:
        stripped = stripped.replace(char, "")
    return stripped.lower()


class _Folded(FunctionElement[str]):
    """``fold(column)`` in SQL, compiled per dialect."""

    type = String()
    name = "esante_folded"
    inherit_cache = True


@compiles(_Folded)
def _fold_sqlite(element: _Folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(_Folded, "postgresql")
def _fold_postgresql(element: _Folded, compiler: SQLCompiler, **kw: Any) -> str:
    source = _ACCENTED + _ACCENTED.upper() + _DROPPED
    target = "".join(unicodedata.normalize("NFKD", c)[0] for c in _ACCENTED) * 2
    expression = f"coalesce({compiler.process(element.clauses, **kw)}, '')"
    for char, expansion in _LIGATURES.items():
        expression = f"replace(replace({expression}, '{char}', '{expansion}'), "
        expression += f"'{char.upper()}', '{expansion}')"
    escaped = source.replace("'", "''")
    return f"lower(translate({expression}, '{escaped}', '{target}'))"


def folded(column: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[str]:
    """SQL expression folding ``column`` like :func:`fold` (NULL folds to ``''``)."""
    return _Folded(column)


def register_sqlite_fold(session: Session) -> None:
    """Make ``esante_fold`` available on the session's SQLite connection (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    dbapi.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
