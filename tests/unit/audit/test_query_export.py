"""Filters, CSV / JSON Lines exports, and the check of an exported extract."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from esante.audit import (
    EXPORT_COLUMNS,
    AuditError,
    AuditFilter,
    BreakKind,
    ExportFormat,
    append,
    check_extract,
    export,
    iter_entries,
    latest_entries,
    parse_moment,
    professional_ids,
    read_extract,
)

from .helpers import ID_NAT_PS, PATIENTS, RPPS, T0, build, event

HEADER = [name for _, name in EXPORT_COLUMNS]


def _sequences(session: Session, **criteria: object) -> list[int]:
    return [e.sequence for e in iter_entries(session, AuditFilter(**criteria), batch_size=2)]


def test_professional_is_found_by_rpps_or_id_nat_ps(session: Session) -> None:
    build(session, 3)
    append(session, event(3, actor_id="0123456789"))  # an ADELI-based idNat_PS
    append(session, event(4, actor_id=RPPS))  # stored as a bare RPPS by some caller
    session.commit()
    assert professional_ids(RPPS) == (ID_NAT_PS, RPPS)
    assert professional_ids(f" {ID_NAT_PS} ") == (ID_NAT_PS, RPPS)
    assert _sequences(session, professional=RPPS) == [1, 2, 3, 5]
    assert _sequences(session, professional=ID_NAT_PS) == [1, 2, 3, 5]
    assert _sequences(session, professional="0123456789") == [4]


def test_patient_is_found_by_matricule_or_full_ins(session: Session) -> None:
    build(session, 6)
    append(session, event(6, patient_ins=PATIENTS[0]))  # matricule alone
    append(session, event(7, patient_ins=PATIENTS[0] + "9"))  # another, longer id
    append(session, event(8, patient_ins="27707_3220829%"))  # LIKE wildcards are literal
    session.commit()
    assert _sequences(session, patient=PATIENTS[0]) == [1, 4, 7]
    full = f"{PATIENTS[0]}^^^&1.2.250.1.213.1.4.8&ISO"
    assert _sequences(session, patient=full) == [1, 4]
    assert _sequences(session, patient="27707_3220829%") == [9]
    assert _sequences(session, patient="2770%") == []


def test_period_action_and_channel_filters(session: Session) -> None:
    build(session, 4)  # T0 + 0..3 h: 31/05 23:30, 01/06 00:30, 01:30, 02:30 in Paris
    append(session, event(4, channel="mss", action="envoi", at=T0 + timedelta(days=2)))
    append(
        session,
        event(5, channel="consent", action="consentement_retire", at=T0 - timedelta(days=1)),
    )
    session.commit()
    june_first = {
        "since": parse_moment("2024-06-01"),
        "until": parse_moment("01/06/2024", end=True),
    }
    assert _sequences(session, **june_first) == [2, 3, 4]
    assert _sequences(session, until=parse_moment("2024-05-31", end=True)) == [1, 6]
    assert _sequences(session, channel="mss") == [5]
    assert _sequences(session, action="consentement_retire") == [6]
    assert _sequences(
        session, action="TD3.2", professional=RPPS, since=T0 + timedelta(hours=3)
    ) == [4]


def test_latest_entries_newest_first(session: Session) -> None:
    build(session, 5)
    assert [e.sequence for e in latest_entries(session, limit=3)] == [5, 4, 3]
    patient = AuditFilter(patient=PATIENTS[1])
    assert [e.sequence for e in latest_entries(session, patient, limit=10)] == [5, 2]


def test_parse_moment() -> None:
    assert parse_moment("2024-01-15") == datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    assert parse_moment("15/07/2024", end=True) == datetime(2024, 7, 15, 22, 0, tzinfo=UTC)
    assert parse_moment("2024-07-15T10:30") == datetime(2024, 7, 15, 8, 30, tzinfo=UTC)
    assert parse_moment("2024-07-15T10:30+00:00") == datetime(2024, 7, 15, 10, 30, tzinfo=UTC)
    with pytest.raises(AuditError) as caught:
        parse_moment("hier", field="--depuis")
    assert caught.value.field == "--depuis"


@pytest.mark.parametrize(
    "criteria",
    [
        {"channel": "fax"},
        {"patient": " "},
        {"professional": "8" * 81},
        {"since": datetime(2024, 1, 1)},  # naive on purpose
        {"since": T0, "until": T0},
    ],
)
def test_invalid_filters_are_refused(criteria: dict[str, object]) -> None:
    with pytest.raises(AuditError):
        AuditFilter(**criteria)  # type: ignore[arg-type]


def test_csv_export_has_stable_header_and_hashes(session: Session) -> None:
    build(session, 3)
    append(session, event(3, reason='Motif, avec "guillemets"\net saut de ligne'))
    session.commit()
    out = io.StringIO(newline="")
    assert export(session, out, ExportFormat.CSV, AuditFilter(patient=PATIENTS[0])) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == HEADER
    assert rows[0][:2] == ["sequence", "horodatage"]
    assert rows[0][-2:] == ["empreinte_precedente", "empreinte"]
    assert [r[0] for r in rows[1:]] == ["1", "4"]
    assert rows[1][1] == "2024-05-31T21:30:00.000000Z"
    assert rows[2][HEADER.index("motif")] == 'Motif, avec "guillemets"\net saut de ligne'
    assert rows[1][HEADER.index("detail")] == ""
    report = check_extract(read_extract(io.StringIO(out.getvalue(), newline="")))
    assert report.ok
    assert (report.checked, report.linked) == (2, 0)  # 1 and 4 do not follow each other


def test_json_lines_export_round_trips_and_links(session: Session) -> None:
    build(session, 5)
    out = io.StringIO()
    assert export(session, out, ExportFormat.JSON) == 5
    lines = out.getvalue().splitlines()
    first = json.loads(lines[0])
    assert list(first) == HEADER
    assert first["sequence"] == 1
    assert first["detail"] is None
    entries = list(read_extract(io.StringIO(out.getvalue())))
    assert [e.hash for e in entries] == [e.hash for e in iter_entries(session)]
    report = check_extract(entries)
    assert report.ok
    assert (report.checked, report.linked, report.first_sequence, report.last_sequence) == (
        5,
        4,
        1,
        5,
    )


def _tampered(text: str, old: str, new: str) -> list[int | BreakKind]:
    report = check_extract(read_extract(io.StringIO(text.replace(old, new, 1), newline="")))
    assert report.problem is not None
    return [report.problem.kind, report.problem.sequence]


def test_tampered_extract_is_found(session: Session) -> None:
    build(session, 4)
    for fmt in ExportFormat:
        out = io.StringIO(newline="")
        export(session, out, fmt)
        text = out.getvalue()
        assert _tampered(text, "1.2.250.1.999.1.2", "1.2.250.1.999.1.9") == [BreakKind.ALTERED, 3]
        lines = text.splitlines(keepends=True)
        body = 1 if fmt is ExportFormat.CSV else 0
        first, second = lines[body + 1], lines[body + 2]
        swapped = "".join([*lines[: body + 1], second, first, *lines[body + 3 :]])
        report = check_extract(read_extract(io.StringIO(swapped, newline="")))
        assert report.problem is not None
        assert report.problem.kind is BreakKind.INSERTED  # out of order


def test_unreadable_extract_is_a_clear_error() -> None:
    header = ",".join(HEADER) + "\n"
    for text in (
        "a,b,c\n1,2,3\n",
        '{"sequence": 1}\n',
        "{not json\n",
        '{"x": 1}\n[1, 2]\n',
        header + "1,2\n",
        header + '1,"' + "x" * 200_000 + '"\n',  # over the csv module's field limit
    ):
        with pytest.raises(AuditError) as caught:
            list(read_extract(io.StringIO(text)))
        assert caught.value.message.startswith("Extrait de trace illisible")
    assert list(read_extract(io.StringIO(""))) == []
