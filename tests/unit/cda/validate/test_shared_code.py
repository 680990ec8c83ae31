"""Repeated rule bodies and assertions compiled once (esante.cda.validate._shared_code):
the rewritten stylesheet gives the very same output, and what a call would change is
left in place."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from esante.cda.validate._saxon import parse, processor
from esante.cda.validate._shared_code import ASSERT_PREFIX, BODY_PREFIX, share_repeated_code

XSL = "{http://www.w3.org/1999/XSL/Transform}"
HEAD = (
    '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
    'xmlns:svrl="http://purl.oclc.org/dsdl/svrl" xmlns:hl7="urn:hl7-org:v3" version="2.0">'
)
# an assertion as the ISO skeleton writes it, reading the rule's variable $n
ASSERT_N = (
    '<xsl:choose><xsl:when test="count(hl7:x) = $n"/><xsl:otherwise>'
    '<svrl:failed-assert test="count(hl7:x) = $n" location="{name()}" pos="{position()}">'
    "<svrl:text>x attendu <xsl:value-of select='$n'/> fois</svrl:text>"
    "</svrl:failed-assert></xsl:otherwise></xsl:choose>"
)
ASSERT_CODE = (
    '<xsl:if test="not(@code)"><svrl:successful-report location="{name()}">'
    "<svrl:text>sans code</svrl:text></svrl:successful-report></xsl:if>"
)
BODY = ASSERT_CODE + '<xsl:if test="hl7:y"><y-of at="{count(preceding::*)}"/></xsl:if>'


def _rule(match: str, rule_id: str, body: str, priority: int) -> str:
    return (
        f'<xsl:template match="{match}" priority="{priority}" mode="M1">'
        f'<svrl:fired-rule context="{match}" id="{rule_id}"/>{body}'
        '<xsl:apply-templates select="*" mode="M1"/></xsl:template>'
    )


def stylesheet() -> str:
    rules = [
        _rule(f"hl7:a{i}", f"r{i}", BODY, 100 + i)  # six rules, one body
        for i in range(6)
    ]
    for i, wanted in enumerate((1, 2, 3)):  # same assertion, different $n, own variables
        rules.append(
            _rule(
                f"hl7:b{i}",
                f"b{i}",
                f'<xsl:variable name="n" select="{wanted}"/>{ASSERT_N}{ASSERT_CODE}',
                50 + i,
            )
        )
    refused = '<xsl:if test="@skip"><xsl:next-match/></xsl:if>'
    rules.append(_rule("hl7:c", "c0", refused + ASSERT_CODE, 40))
    rules.append(_rule("hl7:c[@skip]", "c1", refused + ASSERT_CODE, 41))
    return (
        HEAD + '<xsl:template match="/"><out><xsl:apply-templates select="/" mode="M1"/>'
        "</out></xsl:template>"
        + "".join(rules)
        + '<xsl:template match="text()" priority="-1" mode="M1"/>'
        '<xsl:template match="@*|node()" priority="-2" mode="M1">'
        '<xsl:apply-templates select="*" mode="M1"/></xsl:template>'
        "</xsl:stylesheet>"
    )


DOCUMENT = (
    '<doc xmlns="urn:hl7-org:v3">'
    + "".join(f'<a{i} code="{i}"><y/></a{i}><a{i}/>' for i in range(6))
    + '<b0><x/></b0><b1><x/></b1><b1><x/><x/></b1><b2/><b2 code="1"><x/></b2>'
    + '<c/><c skip="1" code="2"/></doc>'
)


def run(text: str, document: str) -> str:
    compiled = processor().new_xslt30_processor().compile_stylesheet(stylesheet_node=parse(text))
    result = compiled.transform_to_string(xdm_node=parse(document))
    return "" if result is None else str(result)


def rewritten() -> tuple[etree._Element, int]:
    root = etree.fromstring(stylesheet().encode())
    return root, share_repeated_code(root)


def test_same_output_once_shared() -> None:
    root, made = rewritten()
    text = etree.tostring(root, encoding="unicode")
    expected = run(stylesheet(), DOCUMENT)
    assert expected.count("<svrl:failed-assert") == 3  # b1 (n=2, one x once), b2 twice (n=3)
    assert expected.count("<svrl:successful-report") > 6
    assert run(text, DOCUMENT) == expected
    assert made > 0


def test_what_is_shared() -> None:
    root, _ = rewritten()
    named: dict[str, Any] = {
        t.get("name") or "": t for t in root.iterchildren(f"{XSL}template") if t.get("name")
    }
    bodies = [n for n in named if n.startswith(BODY_PREFIX)]
    asserts = [n for n in named if n.startswith(ASSERT_PREFIX)]
    assert len(bodies) == 1  # the six a-rules call one body
    calls = [c.get("name") for c in root.iter(f"{XSL}call-template")]
    assert calls.count(bodies[0]) == 6
    # the $n assertion is one template taking the caller's $n
    with_n = [n for n in asserts if named[n].find(f"{XSL}param[@name='n']") is not None]
    assert len(with_n) == 1
    passed = root.findall(f".//{XSL}call-template[@name='{with_n[0]}']/{XSL}with-param")
    assert [(p.get("name"), p.get("select")) for p in passed] == [("n", "$n")] * 3
    # every rule keeps its own fired-rule
    fired = root.findall(".//{http://purl.oclc.org/dsdl/svrl}fired-rule")
    assert len(fired) == 11


def test_next_match_stays_in_its_rule() -> None:
    root, _ = rewritten()
    for template in root.iterchildren(f"{XSL}template"):
        if template.get("name"):
            assert template.find(f".//{XSL}next-match") is None
    kept = [
        t
        for t in root.iterchildren(f"{XSL}template")
        if t.find(f"{XSL}if/{XSL}next-match") is not None
    ]
    assert len(kept) == 2


@pytest.mark.parametrize("attribute", ['xpath-default-namespace="urn:hl7-org:v3"'])
def test_stylesheet_with_default_namespace_is_left_alone(attribute: str) -> None:
    root = etree.fromstring(stylesheet().replace('version="2.0"', f'version="2.0" {attribute}'))
    before = etree.tostring(root)
    assert share_repeated_code(root) == 0
    assert etree.tostring(root) == before
