"""`esante audit verify` finds every tampering issue 12 names, through the command an
operator runs (SQLite and PostgreSQL): an edit, an insertion, a deletion, the tail
truncated with the head rewritten, a wiped table, a full rehash after an edit.

The trace (five records) is anchored by a first ``verify``; the database is then
tampered with as a writer with full access would; ``verify`` must exit 1 naming the kind
of break and the first record concerned. The last three pass the hash chain alone
(:mod:`tests.unit.audit.test_anchor` shows it): only the anchor journal finds them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from esante.audit import BreakKind
from esante.audit.verify import BREAK_LABELS
from esante.store import make_engine, session_factory

from .helpers import forge, rehash_from, row, shift
from .test_cli_audit import _run, traced  # noqa: F401 - the fixture

N = 5


def _edit(s: Session) -> None:
    s.execute(text("UPDATE audit_record SET reason = 'falsifié' WHERE sequence = 3"))


def _insert(s: Session) -> None:
    """Room made at 3, a forged record chained to record 2 with a right hash, head moved."""
    shift(s, 3, 1)
    forge(s, 3, row(s, 2)["hash"])
    s.execute(text("UPDATE audit_chain_head SET sequence = sequence + 1"))


def _delete(s: Session) -> None:
    s.execute(text("DELETE FROM audit_record WHERE sequence = 3"))


def _truncate_tail(s: Session) -> None:
    kept = row(s, 2)["hash"]
    s.execute(text("DELETE FROM audit_record WHERE sequence > 2"))
    s.execute(text("UPDATE audit_chain_head SET sequence = 2, hash = :h"), {"h": kept})


def _wipe(s: Session) -> None:
    s.execute(text("DELETE FROM audit_record"))
    s.execute(text("DELETE FROM audit_chain_head"))


def _rehash_after_edit(s: Session) -> None:
    s.execute(text("UPDATE audit_record SET actor_name = 'Dr Autre' WHERE sequence = 2"))
    s.commit()
    rehash_from(s, 2)


TAMPERINGS: dict[str, tuple[Callable[[Session], None], BreakKind, int]] = {
    "edit": (_edit, BreakKind.ALTERED, 3),
    "insertion": (_insert, BreakKind.INSERTED, 3),
    "deletion": (_delete, BreakKind.DELETED, 3),
    "tail-truncated-head-rewritten": (_truncate_tail, BreakKind.TRUNCATED, 3),
    "wiped-table": (_wipe, BreakKind.TRUNCATED, 1),
    "full-rehash-after-edit": (_rehash_after_edit, BreakKind.REWRITTEN, N),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_verify_finds_the_tampering(
    name: str,
    traced: dict[str, str],  # noqa: F811
    db_url: str,
) -> None:
    code, out, _ = _run(traced, "verify")
    assert code == 0, out
    assert f"n° 1 à {N}" in out
    tamper, kind, sequence = TAMPERINGS[name]
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            tamper(session)
            session.commit()
    finally:
        engine.dispose()

    code, out, err = _run(traced, "verify")
    assert code == 1, out
    assert "intègre" not in out
    assert err.startswith("Erreur : ")
    assert f"type : {BREAK_LABELS[kind]} ({kind.value}), enregistrement n° {sequence}" in err
    # a failed verify anchors nothing: the tampering is still reported the next time
    code, _, again = _run(traced, "verify")
    assert (code, again) == (1, err)
