"""HL7 v2 strings of XDS metadata: CX, XCN, XON, XPN, PID lines, DTM and TS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esante.xds import (
    Identifier,
    Organization,
    PatientInfo,
    Person,
    PersonName,
    XdsFormatError,
    format_dtm,
    parse_dtm,
    ts_to_dtm,
)
from esante.xds.hl7v2 import escape, is_dtm, unescape


def test_cx_of_the_official_dmp_patient_id() -> None:
    cx = Identifier.parse("207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH^^20100907")
    assert (cx.id, cx.assigning_authority, cx.type_code) == (
        "207058575627097",
        "1.2.250.1.213.1.4.10",
        "NH",
    )
    assert cx.effective_date == "20100907"
    assert cx.to_hl7() == "207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH^^20100907"


def test_cx_minimal_form_and_comparison() -> None:
    ins = Identifier("277076322082910", "1.2.250.1.213.1.4.8", "NH")
    assert ins.to_hl7() == "277076322082910^^^&1.2.250.1.213.1.4.8&ISO^NH"
    assert ins.same_as(Identifier.parse("277076322082910^^^&1.2.250.1.213.1.4.8&ISO"))
    assert not ins.same_as(Identifier("277076322082910", "1.2.250.1.213.1.4.9"))


def test_cx_without_id_is_refused() -> None:
    with pytest.raises(XdsFormatError):
        Identifier.parse("^^^&1.2.250.1.213.1.4.8&ISO^NH")


def test_xcn_of_the_official_author() -> None:
    value = "899900063480^MAX^LIBRE^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
    person = Person.parse(value)
    assert person.id == "899900063480"
    assert (person.family_name, person.given_name) == ("MAX", "LIBRE")
    assert person.assigning_authority == "1.2.250.1.71.4.2.1"
    assert (person.name_type_code, person.identifier_type_code) == ("D", "IDNPS")
    assert person.to_hl7() == value


def test_xon_of_the_official_institution() -> None:
    value = "CABINET DR LIBRE^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^499900063480001"
    organization = Organization.parse(value)
    assert organization.name == "CABINET DR LIBRE"
    assert organization.identifier == "499900063480001"
    assert organization.assigning_authority == "1.2.250.1.71.4.2.2"
    assert organization.identifier_type_code == "IDNST"
    assert organization.to_hl7() == value


def test_separators_inside_values_are_escaped() -> None:
    organization = Organization("Cabinet A^B & C")
    assert organization.to_hl7() == "Cabinet A\\S\\B \\T\\ C"
    assert Organization.parse(organization.to_hl7()).name == "Cabinet A^B & C"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_escape_round_trip(text: str) -> None:
    assert unescape(escape(text)) == text


@given(
    st.from_regex(r"[0-9A-Za-z&^~|\\]([0-9A-Za-z&^~|\\ ]{0,18}[0-9A-Za-z&^~|\\])?", fullmatch=True),
    st.from_regex(r"[12](\.[1-9][0-9]{0,3}){2,6}", fullmatch=True),
)
def test_cx_round_trip(value: str, oid: str) -> None:
    cx = Identifier(value, oid, "PI")
    assert Identifier.parse(cx.to_hl7()) == cx


def test_source_patient_info_lines() -> None:
    info = PatientInfo.from_values(
        ["PID-5|patb-quatre^LAURENCE^^^^^L", "PID-7|19070525", "PID-8|F", "PID-13|0123"]
    )
    assert info.names == (PersonName("patb-quatre", "LAURENCE", name_type_code="L"),)
    assert (info.birth_time, info.gender) == ("19070525", "F")
    assert info.to_values() == (
        "PID-5|patb-quatre^LAURENCE^^^^^L",
        "PID-7|19070525",
        "PID-8|F",
        "PID-13|0123",
    )


def test_source_patient_info_repetitions_and_errors() -> None:
    info = PatientInfo.from_values(["PID-3|1^^^&1.2.3&ISO~2^^^&1.2.4&ISO^PI"])
    assert [i.id for i in info.identifiers] == ["1", "2"]
    with pytest.raises(XdsFormatError, match="sourcePatientInfo"):
        PatientInfo.from_values(["NESSI^Ruth"])


def test_dtm() -> None:
    assert is_dtm("2024")
    assert is_dtm("20240105")
    assert is_dtm("20240105101500")
    assert not is_dtm("2024-01-05")
    assert not is_dtm("202401051")
    assert parse_dtm("202401") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_dtm("20240105101530") == datetime(2024, 1, 5, 10, 15, 30, tzinfo=UTC)
    paris = timezone(timedelta(hours=1))
    assert format_dtm(datetime(2024, 1, 5, 11, 15, tzinfo=paris)) == "20240105101500"
    with pytest.raises(XdsFormatError):
        parse_dtm("20241305")


def test_cda_timestamps_go_to_utc_keeping_precision() -> None:
    assert ts_to_dtm("20200312111700+0100") == "20200312101700"
    assert ts_to_dtm("202108031136+0100") == "202108031036"
    assert ts_to_dtm("20200101003000+0200") == "20191231223000"
    assert ts_to_dtm("20190221") == "20190221"
    assert ts_to_dtm("20200701134745") == "20200701134745"
    with pytest.raises(XdsFormatError):
        ts_to_dtm("2020-03-12")
