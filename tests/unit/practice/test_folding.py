"""SQL folding (both backends) gives exactly what Python's ``fold`` gives for French names."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from esante.store.repositories import fold, folded
from esante.store.repositories.text import register_sqlite_fold

SAMPLES = [
    "àáâäãåçéèêëíìîïñóòôöõúùûüýÿ",
    "ÀÁÂÄÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ",
    "Œdipe Æsir cœur",
    "N'Diaye D’Almeida Jean-Pierre Jean\u2011Luc",
    "de la Fontaine",
    "Plain ASCII 123",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_sql_fold_matches_python_fold(session: Session, text: str) -> None:
    register_sqlite_fold(session)
    assert session.scalar(select(folded(literal(text)))) == fold(text)


def test_sql_fold_of_null_is_empty(session: Session) -> None:
    register_sqlite_fold(session)
    assert session.scalar(select(folded(literal(None)))) == ""
